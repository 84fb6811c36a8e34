// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace stats: see man/mxtrace-stats.1.
#include "commands.hpp"
#include "search_options.hpp"

#include "mxtrace/base/error.hpp"
#include "mxtrace/output/output.hpp"
#include "mxtrace/output/stats_output.hpp"
#include "mxtrace/query/stats.hpp"
#include "mxtrace/store/store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

namespace mxtrace::cli {

namespace {
struct StatsCmdArgs : SearchArgs {
    std::string format = "text";
    std::string table;
    std::size_t top = 10;
};
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
    return [a, &app]() -> int {
        if (!a->table.empty() && a->format != "csv")
            throw Error(ExitCode::usage, "--table chooses the table of CSV output", "add --format csv, or leave --table out");
        const std::string table = a->table.empty() ? "summary" : a->table;
        if (a->format == "csv" &&
            std::find(stats_table_names().begin(), stats_table_names().end(), table) == stats_table_names().end()) {
            std::string shown;
            escape_text(table, shown);
            throw Error(ExitCode::usage, fmt::format("no stats table '{}'", shown),
                        "see --help or mxtrace-stats(1) for the table names");
        }
        Zone zone;
        resolve_search(app, *a, zone, now_micros());
        Store store(index_dir(), Store::Mode::read);
        StatsBuilder builder(a->utc ? nullptr : &zone, a->top);
        std::string explain;
        std::vector<std::string> understood;
        store.scan(a->f, [&](const Transaction& t) { builder.add(t); }, a->explain ? &explain : nullptr,
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
        const StatsReport r = builder.finish();
        std::string out = a->format == "json"  ? format_stats_json(r)
                          : a->format == "csv" ? format_stats_csv(r, table)
                                               : format_stats_text(r, a->utc ? nullptr : &zone);
        std::fwrite(out.data(), 1, out.size(), stdout);
        std::fflush(stdout);
        return r.transactions == 0 ? static_cast<int>(ExitCode::no_match) : 0;
    };
}

} // namespace mxtrace::cli
