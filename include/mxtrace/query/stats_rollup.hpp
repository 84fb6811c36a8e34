// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file stats_rollup.hpp
/// The stats rollups (ARCHITECTURE.md "Stats rollups"): a serialised StatsBuilder per bucket
/// (host, UTC day of the transaction's first line), kept by the store and refreshed here, so
/// that `mxtrace stats` over whole days merges blobs instead of reading every record. The
/// store never calls this code: a writer's caller (index, prune, repair) runs the refresh, and
/// stats asks stats_from_rollups() before it scans.
#include "mxtrace/query/stats.hpp"
#include "mxtrace/store/store.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mxtrace {

/// What a refresh did.
struct RollupRefresh {
    std::uint64_t buckets = 0;       ///< buckets recomputed
    std::uint64_t transactions = 0;  ///< transactions read to do it
};

/// Values of the rollups' dictionary a refresh keeps in memory by default (about 10 MB).
inline constexpr std::size_t kRollupDictCacheMax = 100000;

/// Recomputes every dirty rollup bucket of a writable store: scans exactly the bucket's
/// transactions with a StatsBuilder (UTC, top kStatsRollupTop), hands the blob back to the
/// store, which writes it and clears the dirty mark in one SQLite transaction (committed every
/// few buckets). Adds the rollup tables to an older index first (every bucket dirty), and marks
/// everything dirty when the blob format changed. `rebuild_all` recomputes every bucket (repair).
/// `progress`, if given, is called after each commit with the running totals. The dictionary
/// IDs are cached in memory, at most `cache_max` values at a time (about 100 bytes each; the
/// dictionary itself holds every distinct value of the index, millions in a large one).
/// @throws Error as the store does; a run killed in the middle leaves the rest dirty.
RollupRefresh refresh_stats_rollups(Store& store, bool rebuild_all = false,
                                    const std::function<void(const RollupRefresh&)>& progress = {},
                                    std::size_t cache_max = kRollupDictCacheMax);

/// How stats_from_rollups() got its answer (for --explain and the tests).
struct RollupUse {
    std::uint64_t merged = 0;   ///< clean buckets read as blobs
    std::uint64_t scanned = 0;  ///< buckets whose transactions were read (edges, dirty, unreadable blobs)
};

/// `mxtrace stats` through the rollups: the report over the transactions `filter` selects,
/// equal to scanning them with StatsBuilder(zone, top, true). A clean bucket wholly inside the
/// time window is merged from its blob; a bucket the window cuts, a dirty one, and a bucket
/// before the window whose transactions are still active in it (max_last) are scanned with
/// Store::scan's time rule. nullopt when the rollups cannot answer exactly, and the caller must
/// scan: the filter sets anything but since, until and host; the index has no rollups or
/// rollups of another blob format; `top` > kStatsRollupTop; the zone's offsets are not whole
/// quarter hours; or MXTRACE_STATS_SCAN is set (a test hook). `hosts` receives the host names
/// of the selected transactions. A malformed blob is not an error here: the caller scans.
std::optional<StatsReport> stats_from_rollups(Store& store, const SearchFilter& filter, Zone* zone, std::size_t top,
                                              std::set<std::string>* hosts = nullptr, RollupUse* use = nullptr);

/// Recomputes clean rollup buckets and compares them with their stored blobs (`mxtrace check`):
/// every `step`-th bucket (1: every one), at most `limit` problem lines. Empty if they agree.
std::vector<std::string> verify_stats_rollups(Store& store, std::size_t step, std::size_t limit = 10);

} // namespace mxtrace
