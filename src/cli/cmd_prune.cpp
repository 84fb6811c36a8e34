// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace prune: see man/mxtrace-prune.1.
#include "commands.hpp"

#include "mxtrace/query/stats_rollup.hpp"

#include "mxtrace/base/error.hpp"
#include "mxtrace/output/output.hpp"
#include "mxtrace/store/clickhouse.hpp"
#include "mxtrace/store/store.hpp"

#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mxtrace::cli {

namespace {
/// At most this many of quick_check's lines are shown.
constexpr std::size_t kShownProblems = 5;

struct PruneArgs {
    bool dry_run = false;
    bool wait = false;
    int set_retention = -1;
    std::string engine = "local";
    ClickHouseArgs ch;
};

/// prune --engine clickhouse: drops the cluster's day partitions before the window.
int prune_cluster(const PruneArgs& a, Micros now) {
    if (a.set_retention >= 0)
        throw Error(ExitCode::usage, "--set-retention changes the local index's retention, not the cluster's",
                    "give --retention DAYS with --engine clickhouse (the cluster keeps no retention of its own)");
    int days = shared().retention;
    if (!shared().retention_given) {
        // the local index's retention if there is one here, else the config's (default 90)
        try {
            Store local(index_dir(), Store::Mode::read);
            days = local.retention().value_or(days);
        } catch (const Error&) {
        }
    }
    if (days == 0) {
        fmt::print("retention is 0: everything is kept\n");
        return 0;
    }
    clickhouse::Cluster c(clickhouse_options(a.ch));
    const clickhouse::ClusterPrune r = c.prune(days, now, a.dry_run);
    if (r.anchor == 0) {
        fmt::print("the cluster holds no transaction: nothing to prune\n");
        return 0;
    }
    fmt::print("window: {} day{} back from {} (the newest time in the cluster, or now if earlier)\n", days,
               days == 1 ? "" : "s", format_rfc3339(r.anchor));
    fmt::print("{} {} transaction{} of the days (UTC, last activity) wholly before {}\n",
               a.dry_run ? "would drop" : "dropped", r.transactions, r.transactions == 1 ? "" : "s",
               format_rfc3339(r.cutoff));
    for (const auto& [day, n] : r.per_day) fmt::print("  {}  {}\n", day, n);
    return 0;
}
} // namespace

Runner setup_prune(CLI::App& app) {
    auto a = std::make_shared<PruneArgs>();
    add_db_option(app);
    add_retention_option(app, "Prune this once with a window of DAYS days back from the newest time in the index (or now, if "
                              "earlier) instead of the index's own retention; 0 removes nothing");
    app.add_option("--set-retention", a->set_retention,
                   "Change the retention the index keeps (stored in it; 0 keeps everything), say so, then prune with it")
        ->type_name("DAYS")
        ->check(CLI::Range(0, 36500));
    app.add_flag("-n,--dry-run", a->dry_run, "Show what would be removed, remove nothing");
    app.add_flag("--wait", a->wait, "If mxtrace index is running on the index, wait for it instead of failing");
    app.add_option("--engine", a->engine,
                   "What to prune: local (the index, default) or clickhouse (drop the cluster's day partitions before the window)")
        ->type_name("ENGINE")
        ->check(CLI::IsMember({"local", "clickhouse"}));
    add_clickhouse_options(app, a->ch);
    return [a]() -> int {
        const Micros now = now_micros();
        if (a->engine == "clickhouse") return prune_cluster(*a, now);
        {
            // prune never creates an index; and it removes nothing from a damaged one: SQLite's
            // quick_check first (a periodic look for silent damage; read-only, before the write lock)
            Store exists(index_dir(), Store::Mode::read);
            const std::vector<std::string> problems = exists.quick_check(kShownProblems + 1); // one more: are there more?
            if (!problems.empty()) {
                const bool more = problems.size() > kShownProblems;
                std::string detail;
                for (std::size_t i = 0; i < problems.size() && i < kShownProblems; ++i) {
                    const std::string& p = problems[i];
                    std::string line;
                    escape_text(p, line);
                    detail += fmt::format("  {}\n", line);
                }
                std::string dir; // pasteable, and a control character in it cannot reach the terminal
                escape_path(shell_quote(exists.dir().string()), dir);
                throw Error(ExitCode::damaged,
                            fmt::format("index damaged: SQLite's quick_check of {} found {} (nothing was pruned){}",
                                        (exists.dir() / "mxtrace.sqlite").string(),
                                        more                   ? fmt::format("more than {} problems", kShownProblems)
                                        : problems.size() == 1 ? std::string("a problem")
                                                               : fmt::format("{} problems", problems.size()),
                                        more ? fmt::format("; the first {}:", kShownProblems) : ":"),
                            fmt::format("run mxtrace check --db {0} to see all that is wrong, then mxtrace repair --db {0} "
                                        "(it keeps the damaged files); then prune again",
                                        dir),
                            std::move(detail));
            }
        }
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
        if (!a->dry_run) refresh_stats_rollups(store); // the buckets the prune emptied or changed
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
