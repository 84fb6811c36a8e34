// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace check: see man/mxtrace-check.1.
#include "commands.hpp"

#include "mxtrace/base/error.hpp"
#include "mxtrace/output/output.hpp"
#include "mxtrace/query/stats_rollup.hpp"
#include "mxtrace/store/check.hpp"
#include "mxtrace/store/store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <memory>

namespace mxtrace::cli {

namespace {
struct CheckArgs {
    bool full = false;
    bool dump = false;
};
} // namespace

Runner setup_check(CLI::App& app) {
    auto a = std::make_shared<CheckArgs>();
    add_db_option(app);
    app.add_flag("--full", a->full,
                 "Also run SQLite's integrity_check, compare every Xapian document with its record and decode every "
                 "record's raw lines (slower)");
    // a debugging aid for the crash tests, documented in the man page
    app.add_flag("--dump", a->dump, "Print a canonical dump of the index (records by key, attempts, Xapian terms) instead")
        ->group("");
    return [a]() -> int {
        const auto dir = index_dir();
        if (a->dump) {
            dump_index(dir, [](std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); });
            return 0;
        }
        std::string path;
        escape_path(dir.string(), path);
        fmt::print("index: {}\n", path);
        CheckReport r = check_index(dir, a->full);
        if (!r.damaged()) {
            // the stats rollups: their dirty/clean bookkeeping, and clean blobs recomputed from
            // the records (about 20 spread over the buckets; every one with --full)
            Store store(dir, Store::Mode::read);
            Store::ReadSnapshot snap(store);
            for (auto& p : store.check_rollup_marks()) r.problems.push_back(std::move(p));
            const std::size_t buckets = store.rollup_buckets().size();
            for (auto& p : verify_stats_rollups(store, a->full ? 1 : std::max<std::size_t>(1, buckets / 20)))
                r.problems.push_back(std::move(p));
        }
        fmt::print("records: {} (SQLite)\ndocuments: {} (Xapian)\n", r.records, r.documents);
        fmt::print("terms compared: {} document{}{}\n", r.compared, r.compared == 1 ? "" : "s",
                   a->full ? "" : " (a sample; --full compares every one)");
        for (const auto& n : r.notes) fmt::print("note: {}\n", n);
        if (!r.damaged()) {
            fmt::print("no damage found\n");
            return 0;
        }
        fmt::print("damage found: {} problem{}\n", r.problems.size(), r.problems.size() == 1 ? "" : "s");
        // the report's lines escape stored bytes already (check.cpp); escape_text keeps it safe anyway
        for (const auto& p : r.problems) {
            std::string line;
            escape_text(p, line);
            fmt::print("  {}\n", line);
        }
        fmt::print(stderr, "mxtrace: error: the index in {} is damaged\n", path);
        if (r.records_lost) {
            std::string hint;
            escape_path(records_lost_hint(dir), hint); // pasteable; a control character cannot reach the terminal
            fmt::print(stderr, "mxtrace: hint: {}\n", hint);
            return static_cast<int>(ExitCode::damaged);
        }
        fmt::print(stderr, "mxtrace: hint: run mxtrace repair{}: it rebuilds what is damaged and keeps the old files "
                           "beside the new ones\n",
                   [] {
                       if (shared().db.empty()) return std::string();
                       std::string q; // pasteable, and a control character in it cannot reach the terminal
                       escape_path(shell_quote(shared().db), q);
                       return " --db " + q;
                   }());
        return static_cast<int>(ExitCode::damaged);
    };
}

} // namespace mxtrace::cli
