// SPDX-License-Identifier: GPL-3.0-or-later
// The stats rollups: refresh, the fast path of mxtrace stats, and their check.
// See include/mxtrace/query/stats_rollup.hpp and ARCHITECTURE.md "Stats rollups".
#include "mxtrace/query/stats_rollup.hpp"

#include "mxtrace/base/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <limits>
#include <string_view>
#include <unordered_map>

namespace mxtrace {

namespace {

/// The blob of one bucket, by a scan of exactly its transactions ("" if it has none); its values
/// as dictionary IDs from `intern`.
std::string compute_bucket(Store& store, const RollupBucket& b, Micros& max_last, std::uint64_t& n,
                           const StatsBuilder::Intern& intern) {
    StatsBuilder sb(nullptr, kStatsRollupTop);
    max_last = std::numeric_limits<Micros>::min();
    n = 0;
    store.scan_bucket(b.host, b.day, std::nullopt, std::nullopt, [&](const Transaction& t) {
        sb.add(t);
        max_last = std::max(max_last, t.last_time);
        ++n;
    });
    return n ? sb.serialize(intern) : std::string();
}

bool env_set(const char* name) {
    const char* v = std::getenv(name);
    return v && *v;
}

} // namespace

RollupRefresh refresh_stats_rollups(Store& store, bool rebuild_all, const std::function<void(const RollupRefresh&)>& progress,
                                    std::size_t cache_max) {
    RollupRefresh r;
    store.require_rollup_format(kStatsBlobVersion, rebuild_all);
    // dictionary IDs seen lately in this refresh (a value is looked up in SQLite once while it
    // stays here). Bounded: the dictionary holds every distinct value of the index (about 3 M
    // at 5 M messages), and caching them all took 405 MB (BENCHMARKS.md, "5 M messages again").
    std::unordered_map<std::string, std::uint64_t> ids;
    auto intern = [&](std::string_view v) -> std::uint64_t {
        std::string key(v); // one copy, for the probe and the entry
        auto it = ids.find(key);
        if (it != ids.end()) return it->second;
        std::uint64_t id = store.rollup_dict_id(v, true);
        if (ids.size() >= std::max<std::size_t>(cache_max, 1)) ids.clear();
        ids.emplace(std::move(key), id);
        return id;
    };
    for (;;) {
        auto dirty = store.dirty_rollups(64);
        if (dirty.empty()) break;
        for (const RollupBucket& b : dirty) {
            Micros max_last = 0;
            std::uint64_t n = 0;
            std::string blob = compute_bucket(store, b, max_last, n, intern);
            store.put_rollup(b, blob, max_last);
            ++r.buckets;
            r.transactions += n;
        }
        store.commit_rollups();
        if (progress) progress(r);
    }
    return r;
}

std::optional<StatsReport> stats_from_rollups(Store& store, const SearchFilter& f, Zone* zone, std::size_t top,
                                              std::set<std::string>* hosts, RollupUse* use) {
    if (env_set("MXTRACE_STATS_SCAN")) return std::nullopt;
    // only a time window and a host: any other filter needs the records (Store::scan)
    if (!f.from.empty() || !f.to.empty() || !f.message_id.empty() || !f.queue_id.empty() || !f.client.empty() ||
        !f.relay.empty() || !f.text.empty() || f.status != Status::none || !f.query.empty())
        return std::nullopt;
    if (top > kStatsRollupTop || !store.has_rollups()) return std::nullopt;
    Store::ReadSnapshot snap(store);
    if (store.rollup_format() != kStatsBlobVersion) return std::nullopt;
    RollupUse u;
    StatsBuilder builder(zone, top);
    std::set<std::string> seen_hosts;
    try {
        for (const RollupBucket& b : store.rollup_buckets(f.host)) {
            const Micros lo = rollup_day_start(b.day), hi = rollup_day_start(b.day + 1) - 1;
            if (f.until && lo > *f.until) continue;              // starts after the window
            if (!b.dirty && f.since && b.max_last < *f.since) continue; // over before the window
            const bool inside = (!f.since || *f.since <= lo) && (!f.until || hi <= *f.until);
            if (inside && !b.dirty) {
                std::string blob = store.rollup_blob(b.host, b.day);
                if (!blob.empty() && builder.merge(blob)) {
                    ++u.merged;
                    seen_hosts.insert(b.host);
                    continue;
                }
            }
            ++u.scanned;
            store.scan_bucket(b.host, b.day, f.since, f.until, [&](const Transaction& t) {
                builder.add(t);
                seen_hosts.insert(t.host);
            });
        }
    } catch (const Error& e) {
        if (e.code() != ExitCode::damaged) throw;
        std::fprintf(stderr, "mxtrace: %s; counted from the records instead (run mxtrace check)\n", e.what());
        return std::nullopt;
    }
    if (!builder.hours_exact()) return std::nullopt;
    if (hosts) hosts->insert(seen_hosts.begin(), seen_hosts.end());
    if (use) *use = u;
    StatsDictionary dict;
    dict.id_of = [&](std::string_view v) { return store.rollup_dict_id(v); };
    dict.value_of = [&](std::uint64_t id) { return store.rollup_dict_value(id); };
    dict.in_order = [&](const std::function<bool(std::uint64_t, std::string_view)>& f) { store.rollup_dict_in_order(f); };
    return builder.finish(&dict);
}

std::vector<std::string> verify_stats_rollups(Store& store, std::size_t step, std::size_t limit) {
    std::vector<std::string> out;
    if (!store.has_rollups()) return out;
    if (store.rollup_format() != kStatsBlobVersion) return out; // all to be rebuilt by the next writer
    std::size_t k = 0;
    for (const RollupBucket& b : store.rollup_buckets()) {
        if (b.dirty || (k++ % std::max<std::size_t>(step, 1)) != 0) continue;
        Micros max_last = 0;
        std::uint64_t n = 0;
        // a value missing from the dictionary gets an ID no blob has: the bytes differ
        std::string blob = compute_bucket(store, b, max_last, n, [&](std::string_view v) {
            std::uint64_t id = store.rollup_dict_id(v);
            return id ? id : std::numeric_limits<std::uint64_t>::max() / 2;
        });
        if (blob != store.rollup_blob(b.host, b.day))
            out.push_back(fmt::format("stats rollup of {} {}: differs from its {} transactions", b.host,
                                      format_rfc3339(rollup_day_start(b.day)).substr(0, 10), n));
        if (out.size() >= limit) break;
    }
    return out;
}

} // namespace mxtrace
