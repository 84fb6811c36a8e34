// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace search: see man/mxtrace-search.1.
#include "commands.hpp"
#include "search_options.hpp"

#include "mxtrace/base/error.hpp"
#include "mxtrace/output/output.hpp"
#include "mxtrace/output/printer.hpp"
#include "mxtrace/store/clickhouse.hpp"
#include "mxtrace/store/store.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

namespace mxtrace::cli {

namespace {
struct SearchCmdArgs : SearchArgs {
    std::string format = "text";
    std::optional<std::string> fields;
    RawArgs raw;
    std::string color = "auto";
    std::string engine = "local";
    ClickHouseArgs ch;
};
} // namespace

namespace {
/// When nothing matched: a hint for each -f/-t value that looks like a bare domain
/// ("gmail.com") or a wildcard ("*@gmail.com"), which the flags match as a whole address.
void print_no_match_hints(const SearchArgs& a) {
    const std::pair<const char*, const std::string*> flags[] = {{"--from", &a.f.from}, {"--to", &a.f.to}};
    for (const auto& [flag, value] : flags) {
        const std::string& v = *value;
        std::string domain;
        if (v.find('*') != std::string::npos) {
            const auto at = v.rfind('@');
            domain = at == std::string::npos ? std::string() : v.substr(at + 1);
        } else if (v.find('@') == std::string::npos && v.find('.') != std::string::npos && v != "<>") {
            domain = v;
        } else {
            continue;
        }
        std::string shown, dom;
        escape_text(v, shown);
        escape_text(domain, dom);
        const std::string field = std::string_view(flag) == "--from" ? "from" : "to";
        if (!dom.empty() && dom.find('*') == std::string::npos)
            fmt::print(stderr, "mxtrace: hint: {} '{}' is matched as a whole address; for every address of the domain write "
                               "{} @{} (or the query {}:*@{})\n", flag, shown, flag, dom, field, dom);
        else
            fmt::print(stderr, "mxtrace: hint: {} '{}' takes no wildcard; write {} @DOMAIN for a domain, or a query with "
                               "wildcards such as {}:bob*@* (mxtrace-query(7))\n", flag, shown, flag, field);
    }
}
} // namespace

Runner setup_search(CLI::App& app) {
    auto a = std::make_shared<SearchCmdArgs>();
    add_db_option(app);
    add_search_options(app, *a);
    add_query_words(app, *a);
    app.add_option("--format", a->format,
                   "Output format: text (default), json (one object per line) or csv (RFC 4180, one row per attempt)")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"text", "json", "csv"}));
    app.add_option("--fields", a->fields, "With json or csv: the members or columns to print, in order (see Fields in mxtrace-search(1))")
        ->type_name("NAME,...");
    add_raw_options(app, a->raw);
    add_color_option(app, a->color);
    app.add_option("--engine", a->engine,
                   "Where to search: local (the index, default) or clickhouse (the cluster that mxtrace export fills; "
                   "the flags, no QUERY words, no --raw)")
        ->type_name("ENGINE")
        ->check(CLI::IsMember({"local", "clickhouse"}));
    add_clickhouse_options(app, a->ch);
    return [a, &app]() -> int {
        Zone zone;
        resolve_search(app, *a, zone, now_micros());
        resolve_raw(a->raw, a->format);
        const Printer printer(a->format, a->fields, a->utc ? nullptr : &zone);
        const bool cluster = a->engine == "clickhouse";
        if (cluster && a->raw.raw)
            throw Error(ExitCode::usage, "--raw and --verbatim cannot be used with --engine clickhouse",
                        "the cluster holds the transactions, not their log lines; search the local index for them");
        std::optional<Store> store;
        std::string explain;
        std::uint64_t matching = 0;
        std::vector<std::string> understood;
        std::vector<Transaction> found;
        if (cluster) {
            clickhouse::Cluster c(clickhouse_options(a->ch));
            if (a->explain) explain = "SQL WHERE " + clickhouse::where_clause(a->f);
            found = c.search(a->f, &matching);
        } else {
            store.emplace(index_dir(), Store::Mode::read);
            found = store->search(a->f, a->explain ? &explain : nullptr, &matching, a->explain ? &understood : nullptr);
        }
        if (a->explain) {
            std::string line;
            for (const auto& u : understood) {
                line.clear();
                escape_message(u, line); // the query is the user's, but may hold anything
                fmt::print(stderr, "understood: {}\n", line);
            }
            line.clear();
            escape_message(explain, line); // Xapian's description shows term bytes (C1 controls) as they are
            fmt::print(stderr, "query: {}\n", line);
        }
        const bool color = a->format == "text" && use_color(a->color);
        std::string out = printer.header(); // CSV: the header row, even when nothing matched
        for (const auto& t : found) {
            std::string block = a->raw.raw ? printer.print(t, store->raw_lines(t.id), a->raw.verbatim) : printer.print(t);
            out += color && !a->raw.verbatim ? colorize_text(block) : block;
            if (out.size() > (1 << 16)) {
                std::fwrite(out.data(), 1, out.size(), stdout);
                out.clear();
            }
        }
        std::fwrite(out.data(), 1, out.size(), stdout);
        std::fflush(stdout);
        if (matching > found.size())
            fmt::print(stderr, "mxtrace: showed the {} newest of about {} matching transactions; -r N shows more\n",
                       found.size(), matching);
        if (found.empty()) print_no_match_hints(*a);
        return found.empty() ? static_cast<int>(ExitCode::no_match) : 0;
    };
}

} // namespace mxtrace::cli
