// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace prune: see man/mxtrace-prune.1.
#include "commands.hpp"

#include "mxtrace/base/error.hpp"
#include "mxtrace/store/store.hpp"

#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <optional>

namespace mxtrace::cli {

namespace {
struct PruneArgs {
    bool dry_run = false;
    bool wait = false;
    int set_retention = -1;
};
} // namespace

Runner setup_prune(CLI::App& app) {
    auto a = std::make_shared<PruneArgs>();
    add_db_option(app);
    add_retention_option(app, "Prune this once with a window of DAYS days back from the newest time in the index (or now, if "
                              "earlier) instead of the index's own retention; 0 removes nothing");
    app.add_option("--set-retention", a->set_retention,
                   "Change the retention the index keeps (stored in it; 0 keeps everything), say so, then prune with it")
        ->type_name("DAYS")
        ->check(CLI::Range(0, 1000000));
    app.add_flag("-n,--dry-run", a->dry_run, "Show what would be removed, remove nothing");
    app.add_flag("--wait", a->wait, "If mxtrace index is running on the index, wait for it instead of failing");
    return [a]() -> int {
        const Micros now = now_micros();
        { Store exists(index_dir(), Store::Mode::read); } // prune never creates an index
        Store store(index_dir(), a->dry_run ? Store::Mode::read : Store::Mode::write, a->wait);
        if (a->set_retention >= 0 && shared().retention_given)
            throw Error(ExitCode::usage, "--retention and --set-retention together",
                        "give --set-retention DAYS to change the index's retention, or --retention DAYS to prune once");
        const std::optional<int> stored = store.retention();
        int days = shared().retention_given ? shared().retention : stored.value_or(shared().retention);
        if (a->set_retention >= 0) {
            const int before = stored.value_or(shared().retention);
            days = a->set_retention;
            if (a->dry_run) {
                fmt::print("would change the retention of {} from {} to {}\n", store.dir().string(), days_text(before), days_text(days));
            } else {
                store.set_retention(days);
                store.commit();
                fmt::print("retention of {} changed from {} to {}{}\n", store.dir().string(), days_text(before), days_text(days),
                           days == 0 || (before != 0 && days > before)
                               ? "; the next mxtrace index run reads inputs again for the lines it skipped as too old"
                               : "");
            }
        }
        if (days == 0) {
            fmt::print("retention is 0: everything is kept\n");
            return 0;
        }
        PruneResult r = store.prune(days, now, a->dry_run);
        fmt::print("window: {} day{} back from {} (the newest time in the index, or now if earlier)\n", days,
                   days == 1 ? "" : "s",
                   format_rfc3339(r.anchor));
        fmt::print("{} {} transaction{} ({} attempt{}) last active before {}\n", a->dry_run ? "would remove" : "removed",
                   r.transactions, r.transactions == 1 ? "" : "s", r.attempts, r.attempts == 1 ? "" : "s",
                   format_rfc3339(r.cutoff));
        for (const auto& [day, n] : r.per_day) fmt::print("  {}  {}\n", day, n);
        return 0;
    };
}

} // namespace mxtrace::cli
