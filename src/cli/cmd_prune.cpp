// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace prune: see man/mxtrace-prune.1.
#include "commands.hpp"

#include "mxtrace/store/store.hpp"

#include <fmt/format.h>

#include <chrono>
#include <memory>

namespace mxtrace::cli {

namespace {
struct PruneArgs {
    bool dry_run = false;
    bool wait = false;
};
} // namespace

Runner setup_prune(CLI::App& app) {
    auto a = std::make_shared<PruneArgs>();
    add_db_option(app);
    add_retention_option(app, "Keep DAYS days back from the newest time in the index (or now, if earlier); 0 keeps everything (default 90)");
    app.add_flag("-n,--dry-run", a->dry_run, "Show what would be removed, remove nothing");
    app.add_flag("--wait", a->wait, "If mxtrace index is running on the index, wait for it instead of failing");
    return [a]() -> int {
        const Micros now = now_micros();
        { Store exists(index_dir(), Store::Mode::read); } // prune never creates an index
        Store store(index_dir(), a->dry_run ? Store::Mode::read : Store::Mode::write, a->wait);
        if (shared().retention == 0) {
            fmt::print("retention is 0: everything is kept\n");
            return 0;
        }
        PruneResult r = store.prune(shared().retention, now, a->dry_run);
        fmt::print("window: {} day{} back from {} (the newest time in the index, or now if earlier)\n", shared().retention,
                   shared().retention == 1 ? "" : "s",
                   format_rfc3339(r.anchor));
        fmt::print("{} {} transaction{} ({} attempt{}) last active before {}\n", a->dry_run ? "would remove" : "removed",
                   r.transactions, r.transactions == 1 ? "" : "s", r.attempts, r.attempts == 1 ? "" : "s",
                   format_rfc3339(r.cutoff));
        for (const auto& [day, n] : r.per_day) fmt::print("  {}  {}\n", day, n);
        return 0;
    };
}

} // namespace mxtrace::cli
