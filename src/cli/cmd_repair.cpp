// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace repair: see man/mxtrace-repair.1.
#include "commands.hpp"

#include "mxtrace/base/error.hpp"
#include "mxtrace/output/output.hpp"
#include "mxtrace/query/stats_rollup.hpp"
#include "mxtrace/store/check.hpp"
#include "mxtrace/store/store.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <memory>

namespace mxtrace::cli {

Runner setup_repair(CLI::App& app) {
    add_db_option(app);
    return []() -> int {
        const auto dir = index_dir();
        std::string path;
        escape_path(dir.string(), path);
        fmt::print("index: {}\n", path);
        RepairReport r = repair_index(dir, [](std::string_view line) {
            std::string e;
            escape_text(line, e);
            fmt::print("{}\n", e);
            std::fflush(stdout); // a long repair's progress reaches a log file or a pipe as it comes
        });
        {   // the stats rollups are rebuilt from the repaired records
            Store store(dir, Store::Mode::write);
            refresh_stats_rollups(store, true);
        }
        fmt::print("repaired: {} transaction records, {} Xapian documents{}\n", r.records, r.documents,
                   r.sqlite_salvaged ? " (SQLite salvaged into a new file)" : " (Xapian rebuilt from SQLite)");
        for (const auto& k : r.kept) {
            std::string p;
            escape_path(k, p);
            fmt::print("kept: {}\n", p);
        }
        for (const auto& d : r.doubtful) {
            std::string e;
            escape_text(d, e);
            fmt::print("doubtful: {}\n", e);
        }
        if (!r.doubtful.empty())
            fmt::print("doubtful records may hold damaged text: index their logs again with mxtrace index --full FILE...\n");
        if (r.lost.empty()) fmt::print("nothing was lost\n");
        for (const auto& l : r.lost) {
            std::string e;
            escape_text(l, e);
            fmt::print("lost: {}\n", e);
        }
        return 0;
    };
}

} // namespace mxtrace::cli
