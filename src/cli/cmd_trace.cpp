// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace trace: see man/mxtrace-trace.1.
#include "commands.hpp"
#include "search_options.hpp"

#include "mxtrace/base/error.hpp"
#include "mxtrace/output/trace_output.hpp"
#include "mxtrace/query/trace.hpp"
#include "mxtrace/store/clickhouse.hpp"
#include "mxtrace/store/store.hpp"
#include "mxtrace/store/trace_source.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>

namespace mxtrace::cli {

namespace {
struct TraceCmdArgs : SearchArgs {
    std::string key;
    std::vector<std::string> aliases;
    std::string format = "text";
    std::optional<std::string> fields;
    std::string reject_window = "1h";
    RawArgs raw;
    std::string color = "auto";
    std::string engine = "local";
    ClickHouseArgs ch;
};

/// "--reject-window": a whole number with an optional unit s, m, h or d (seconds without one),
/// in µs. @throws Error(usage) for anything else.
Micros parse_window(const std::string& s) {
    std::size_t n = 0;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
    std::string_view unit = std::string_view(s).substr(n);
    Micros mult = 0;
    if (unit.empty() || unit == "s") mult = 1;
    else if (unit == "m") mult = 60;
    else if (unit == "h") mult = 3600;
    else if (unit == "d") mult = 86400;
    if (n == 0 || n > 7 || mult == 0)
        throw Error(ExitCode::usage, fmt::format("--reject-window '{}' is not a duration", s),
                    "write a whole number with s, m, h or d: --reject-window 1h, --reject-window 30m; 0 links no rejects");
    return static_cast<Micros>(std::stoll(s.substr(0, n))) * mult * kMicrosPerSecond;
}

bool any_flag(const SearchFilter& f) {
    return !f.from.empty() || !f.to.empty() || !f.message_id.empty() || !f.host.empty() || !f.queue_id.empty() ||
           !f.client.empty() || !f.relay.empty() || !f.text.empty() || f.status != Status::none || f.since || f.until;
}
} // namespace

Runner setup_trace(CLI::App& app) {
    auto a = std::make_shared<TraceCmdArgs>();
    add_db_option(app);
    app.add_option("key", a->key, "A Message-ID (<id@host> or id@host), a queue ID (QID or HOST:QID), or a query")
        ->type_name("KEY");
    add_search_options(app, *a);
    app.add_option("--alias", a->aliases,
                   "NAME=HOST: the relay NAME (host name or IP address, as other hosts log it) is the indexed HOST; "
                   "repeatable (config: [trace] alias)")
        ->type_name("NAME=HOST")
        ->allow_extra_args(false);
    app.add_option("--format", a->format,
                   "Output format: text (a tree, default), json (one nested object per message), csv (one row per "
                   "attempt of every transaction of every trace, RFC 4180) or dot (Graphviz)")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"text", "json", "csv", "dot"}));
    app.add_option("--fields", a->fields, "With csv: the columns after the trace columns, in order (the names of "
                                          "Fields in mxtrace-search(1))")
        ->type_name("NAME,...");
    app.add_option("--reject-window", a->reject_window,
                   "How long after a reject an accepted transaction of the same client network, sender and recipient "
                   "is linked to it (retry-after-reject): N[s|m|h|d], default 1h, 0 links none (config: [trace] "
                   "reject-window)")
        ->type_name("DURATION");
    add_raw_options(app, a->raw);
    add_color_option(app, a->color);
    app.add_option("--engine", a->engine,
                   "Where to trace: local (the index, default) or clickhouse (the cluster that mxtrace export fills; "
                   "KEY or the flags, no query, no --raw)")
        ->type_name("ENGINE")
        ->check(CLI::IsMember({"local", "clickhouse"}));
    add_clickhouse_options(app, a->ch);
    return [a, &app]() -> int {
        Zone zone;
        resolve_search(app, *a, zone, now_micros());
        if (a->format == "dot" && (a->raw.raw || a->raw.verbatim))
            throw Error(ExitCode::usage, "--raw and --verbatim do not go with --format dot (a graph has no place for log lines)",
                        "use the text or JSON format with --raw");
        resolve_raw(a->raw, a->format);
        if (a->fields && a->format != "csv")
            throw Error(ExitCode::usage, "--fields applies to trace --format csv only",
                        "add --format csv, or leave --fields out");
        const Fields fields = a->fields ? parse_fields(*a->fields) : all_fields();
        TraceOptions opt;
        opt.reject_window = parse_window(a->reject_window);
        for (const auto& s : a->aliases) {
            std::size_t eq = s.find('=');
            if (eq == std::string::npos || eq == 0 || eq + 1 == s.size())
                throw Error(ExitCode::usage, fmt::format("--alias '{}' is not NAME=HOST", s),
                            "write the relay name or address, '=', and the syslog host name: --alias mx.example.net=mx2");
            opt.aliases.emplace_back(s.substr(0, eq), s.substr(eq + 1));
        }
        const bool flags = any_flag(a->f);
        if (a->key.empty() && !flags)
            throw Error(ExitCode::usage, "trace needs a KEY (Message-ID, queue ID or query) or selection flags",
                        "e.g. mxtrace trace '<4EEB083B.9180226@foo.com>', mxtrace trace smtp:pBG9CXlZ022280, "
                        "mxtrace trace -f bob@foo.com -d 2011-12-16");
        const bool cluster = a->engine == "clickhouse";
        if (cluster && (a->raw.raw || a->raw.verbatim))
            throw Error(ExitCode::usage, "--raw and --verbatim cannot be used with --engine clickhouse",
                        "the cluster holds the transactions, not their log lines; trace in the local index for them");
        std::optional<Store> store;
        std::optional<clickhouse::Cluster> ch;
        std::unique_ptr<TraceSource> src;
        if (cluster) {
            ch.emplace(clickhouse_options(a->ch));
            src = std::make_unique<clickhouse::ClusterTraceSource>(*ch);
        } else {
            store.emplace(index_dir(), Store::Mode::read);
            src = std::make_unique<LocalTraceSource>(*store);
        }
        std::vector<Transaction> start;
        std::uint64_t matching = 0;
        bool cut = false; // -r cut the matching transactions
        TraceKey key = parse_trace_key(a->key);
        if (!a->key.empty() && !flags && key.kind != TraceKey::Kind::query) {
            start = find_key(*src, key);
        } else {
            if (!a->key.empty()) {
                switch (key.kind) { // KEY and flags combine (AND)
                case TraceKey::Kind::message_id: a->f.message_id = key.value; break;
                case TraceKey::Kind::queue_id:
                    a->f.queue_id = key.value;
                    if (!key.host.empty()) a->f.host = key.host;
                    break;
                case TraceKey::Kind::query: a->f.query = key.value; break;
                }
            }
            std::string explain;
            if (cluster) {
                if (a->explain) explain = "SQL WHERE " + clickhouse::where_clause(a->f);
                start = ch->search(a->f, &matching);
            } else {
                start = store->search(a->f, a->explain ? &explain : nullptr, &matching);
            }
            cut = matching > start.size();
            if (a->explain) fmt::print(stderr, "query: {}\n", explain);
            std::reverse(start.begin(), start.end()); // oldest first, like the other keys
        }
        if (start.empty()) {
            std::string safe;
            escape_path(a->key, safe);
            fmt::print(stderr, "mxtrace: no transaction matches{}\n", a->key.empty() ? "" : " " + safe);
            return static_cast<int>(ExitCode::no_match);
        }
        auto traces = trace_messages(*src, start, opt);
        Zone* z = a->utc ? nullptr : &zone;
        std::string out;
        RawSource raw;
        if (a->raw.raw) raw = [&store](std::int64_t id) { return store->raw_lines(id); };
        if (a->format == "dot") {
            out = format_trace_dot(traces, z);
        } else if (a->format == "csv") {
            out = trace_csv_header(fields);
            for (std::size_t i = 0; i < traces.size(); ++i) out += format_trace_csv(traces[i], fields, i + 1);
        } else {
            const bool color = a->format == "text" && !a->raw.verbatim && use_color(a->color);
            for (const auto& t : traces)
                out += a->format == "json" ? format_trace_json(t, raw)
                       : color             ? colorize_trace(format_trace_text(t, z, raw, false))
                                           : format_trace_text(t, z, raw, a->raw.verbatim);
        }
        std::fwrite(out.data(), 1, out.size(), stdout);
        std::fflush(stdout);
        if (cut)
            fmt::print(stderr,
                       "mxtrace: traced the messages of the {} newest of about {} matching transactions; -r N traces more\n",
                       start.size(), matching);
        return 0;
    };
}

} // namespace mxtrace::cli
