// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace show: see man/mxtrace-show.1.
#include "commands.hpp"
#include "search_options.hpp"

#include "mxtrace/base/error.hpp"
#include "mxtrace/output/output.hpp"
#include "mxtrace/store/store.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <set>

namespace mxtrace::cli {

namespace {
struct ShowArgs {
    std::string key;
    std::string format = "text";
    bool utc = false;
    bool verbatim = false;
    std::string color = "auto";
};
} // namespace

Runner setup_show(CLI::App& app) {
    auto a = std::make_shared<ShowArgs>();
    add_db_option(app);
    app.add_option("key", a->key, "QID or HOST:QID: the queue ID, optionally with the host that logged it")
        ->type_name("QID|HOST:QID")
        ->required();
    app.add_option("--format", a->format, "Output format: text (default) or json (one object per line, with \"raw\")")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"text", "json"}));
    app.add_flag("--utc", a->utc, "Print times in UTC instead of local time");
    app.add_flag("--verbatim", a->verbatim,
                 "Write each line's text byte for byte, unescaped (for evidence files; text format only)");
    add_color_option(app, a->color);
    return [a]() -> int {
        RawArgs raw{true, a->verbatim};
        resolve_raw(raw, a->format);
        SearchFilter f;
        // HOST:QID; queue IDs hold no ':' (Postfix and Sendmail use letters and digits), a host may (IPv6)
        const std::size_t colon = a->key.rfind(':');
        f.queue_id = colon == std::string::npos ? a->key : a->key.substr(colon + 1);
        if (colon != std::string::npos) f.host = a->key.substr(0, colon);
        if (f.queue_id.empty() || (colon != std::string::npos && f.host.empty())) {
            std::string k;
            escape_path(a->key, k);
            throw Error(ExitCode::usage, fmt::format("'{}' is not a queue ID", k),
                        "give QID (e.g. 3B4F81C2A1) or HOST:QID (e.g. mx1:3B4F81C2A1)");
        }
        f.max_results = 100000;
        Zone zone;
        Store store(index_dir(), Store::Mode::read);
        const auto found = store.search(f);
        const bool color = a->format == "text" && !a->verbatim && use_color(a->color);
        std::string out;
        for (const auto& t : found) {
            const auto lines = store.raw_lines(t.id);
            if (a->format == "json") out += format_json(t, lines);
            else if (color) out += colorize_text(format_text(t, a->utc ? nullptr : &zone, lines, false));
            else out += format_text(t, a->utc ? nullptr : &zone, lines, a->verbatim);
        }
        std::fwrite(out.data(), 1, out.size(), stdout);
        std::fflush(stdout);
        if (found.size() > 1) {
            std::set<std::string> hosts;
            for (const auto& t : found) hosts.insert(t.host);
            std::string k;
            escape_path(a->key, k);
            std::string hs;
            for (const auto& h : hosts) {
                if (!hs.empty()) hs += ", ";
                escape_path(h, hs);
            }
            fmt::print(stderr, "mxtrace: {} transactions have queue ID {} ({} {}{}); all are shown, newest first\n",
                       found.size(), k, hosts.size() == 1 ? "host" : "hosts", hs,
                       hosts.size() < found.size() ? "; the ID was reused" : "");
        }
        if (found.empty()) {
            std::string k;
            escape_path(a->key, k);
            fmt::print(stderr, "mxtrace: no transaction has queue ID {}\n", k);
            if (a->key.find('@') != std::string::npos) {
                // a Message-ID, not a queue ID
                std::string q;
                escape_path(a->key, q);
                fmt::print(stderr, "mxtrace: hint: that looks like a Message-ID: mxtrace search -i '{}' --raw prints its "
                                   "transactions with their lines, mxtrace trace '{}' follows it\n", q, q);
            } else if (!f.host.empty()) {
                // the queue ID on another host?
                SearchFilter any;
                any.queue_id = f.queue_id;
                any.max_results = 5;
                std::set<std::string> hosts;
                for (const auto& t : store.search(any)) hosts.insert(t.host);
                for (const auto& h : hosts) {
                    std::string hk, q;
                    escape_path(h, hk);
                    escape_path(f.queue_id, q);
                    fmt::print(stderr, "mxtrace: hint: host {} logged it: mxtrace show {}:{}\n", hk, hk, q);
                }
            }
            return static_cast<int>(ExitCode::no_match);
        }
        return 0;
    };
}

} // namespace mxtrace::cli
