// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace stats: see man/mxtrace-stats.1.
#include "commands.hpp"
#include "search_options.hpp"

#include "mxtrace/base/error.hpp"
#include "mxtrace/output/output.hpp"
#include "mxtrace/output/stats_html.hpp"
#include "mxtrace/output/stats_output.hpp"
#include "mxtrace/query/stats.hpp"
#include "mxtrace/query/stats_rollup.hpp"
#include "mxtrace/store/store.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace mxtrace::cli {

namespace {
struct StatsCmdArgs : SearchArgs {
    std::string format = "text";
    std::string table;
    std::size_t top = 10;
    std::string html; ///< --html FILE ("-": standard output)
};

/// Writes the HTML report to `path` ("-": standard output). A file is created 0600 (it holds
/// addresses from the logs), and made 0600 when it existed with wider permissions.
void write_html(const std::string& path, const std::string& doc) {
    if (path == "-") {
        std::fwrite(doc.data(), 1, doc.size(), stdout);
        std::fflush(stdout);
        return;
    }
    std::string shown;
    escape_path(path, shown);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        throw Error(ExitCode::usage, fmt::format("cannot write the HTML report {}: {}", shown, std::strerror(errno)),
                    "give --html a writable file path (or - for standard output)");
    struct stat st{};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077)) ::fchmod(fd, 0600);
    std::size_t done = 0;
    while (done < doc.size()) {
        const ssize_t n = ::write(fd, doc.data() + done, doc.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int e = errno;
            ::close(fd);
            throw Error(ExitCode::internal, fmt::format("writing the HTML report {} failed: {}", shown, std::strerror(e)),
                        "check the free space of its file system");
        }
        done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0)
        throw Error(ExitCode::internal, fmt::format("writing the HTML report {} failed: {}", shown, std::strerror(errno)),
                    "check the free space of its file system");
}
} // namespace

Runner setup_stats(CLI::App& app) {
    auto a = std::make_shared<StatsCmdArgs>();
    add_db_option(app);
    add_search_options(app, *a);
    app.remove_option(app.get_option("--max-results")); // stats count every match
    add_query_words(app, *a);
    app.add_option("--top", a->top, "Rows of each top list and reason list (default 10)")
        ->type_name("N")
        ->check(CLI::Range(1, 1000000));
    app.add_option("--format", a->format, "Output format: text (aligned tables, default), json (one object) or csv (one table, see --table)")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"text", "json", "csv"}));
    std::string names;
    for (auto n : stats_table_names()) names += (names.empty() ? "" : ", ") + std::string(n);
    app.add_option("--table", a->table, "With --format csv: the table to print (default summary): " + names)
        ->type_name("NAME");
    app.add_option("--html", a->html,
                   "Write the report as one self-contained HTML page (inline SVG charts, no script) to FILE, created 0600, instead of --format; - for standard output")
        ->type_name("FILE");
    return [a, &app]() -> int {
        // --html replaces the --format output; a format or table the config file's [stats] sets
        // (mxtrace.conf(5)) must not stop it, so they are not checked then
        const bool html = !a->html.empty();
        if (!html && !a->table.empty() && a->format != "csv")
            throw Error(ExitCode::usage, "--table chooses the table of CSV output", "add --format csv, or leave --table out");
        const std::string table = a->table.empty() ? "summary" : a->table;
        if (!html && a->format == "csv" &&
            std::find(stats_table_names().begin(), stats_table_names().end(), table) == stats_table_names().end()) {
            std::string shown;
            escape_text(table, shown);
            throw Error(ExitCode::usage, fmt::format("no stats table '{}'", shown),
                        "see --help or mxtrace-stats(1) for the table names");
        }
        Zone zone;
        resolve_search(app, *a, zone, now_micros());
        Store store(index_dir(), Store::Mode::read);
        Zone* z = a->utc ? nullptr : &zone;
        std::string explain;
        std::vector<std::string> understood;
        HtmlReportScope scope;
        std::set<std::string> hosts; // for the HTML report's title
        // whole days of a time window and host come from the rollups when they can say it
        // exactly (stats_rollup.hpp); --explain shows the scan's query, so it scans
        std::optional<StatsReport> fast;
        RollupUse use;
        if (!a->explain) fast = stats_from_rollups(store, a->f, z, a->top, &hosts, &use);
        if (const char* v = std::getenv("MXTRACE_STATS_ROLLUP_LOG"); v && *v) // a test hook: which path was taken
            fmt::print(stderr, "{}\n", fast ? fmt::format("stats: rollups: {} buckets merged, {} scanned", use.merged, use.scanned)
                                             : std::string("stats: scan"));
        StatsBuilder builder(z, a->top, true);
        if (!fast)
            store.scan(a->f, [&](const Transaction& t) {
                    builder.add(t);
                    if (html) hosts.insert(t.host);
                }, a->explain ? &explain : nullptr,
                       a->explain ? &understood : nullptr);
        if (a->explain) {
            std::string line;
            for (const auto& u : understood) {
                line.clear();
                escape_text(u, line);
                fmt::print(stderr, "understood: {}\n", line);
            }
            line.clear();
            escape_text(explain, line);
            fmt::print(stderr, "query: {}\n", line);
        }
        const StatsReport r = fast ? std::move(*fast) : builder.finish();
        if (html) {
            scope.hosts.assign(hosts.begin(), hosts.end());
            write_html(a->html, format_stats_html(r, scope, a->utc ? nullptr : &zone));
            return r.transactions == 0 ? static_cast<int>(ExitCode::no_match) : 0;
        }
        std::string out = a->format == "json"  ? format_stats_json(r)
                          : a->format == "csv" ? format_stats_csv(r, table)
                                               : format_stats_text(r, a->utc ? nullptr : &zone);
        std::fwrite(out.data(), 1, out.size(), stdout);
        std::fflush(stdout);
        return r.transactions == 0 ? static_cast<int>(ExitCode::no_match) : 0;
    };
}

} // namespace mxtrace::cli
