// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file trace_source.hpp
/// What `mxtrace trace` asks of a store, so that the same trace assembly (src/query/trace.cpp)
/// runs on the local index (LocalTraceSource) and on a ClickHouse cluster
/// (clickhouse::ClusterTraceSource). A transaction is known by its identity (host, queue ID,
/// first-seen time), which both stores keep unique; its `id` is the local index's.
#include "mxtrace/reduce/links.hpp"
#include "mxtrace/reduce/transaction.hpp"
#include "mxtrace/store/store.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mxtrace {

/// The lookups of trace assembly. Each may throw Error (bad_index locally, remote on a cluster).
class TraceSource {
public:
    virtual ~TraceSource() = default;

    /// Every host name in the store.
    virtual std::vector<std::string> hosts() = 0;

    /// As Store::hosts_behind_relay (the first `sample` hand-offs to the relay by name, then by
    /// address, in (transaction ID, link order)).
    virtual std::vector<std::pair<std::string, std::uint64_t>> hosts_behind_relay(std::string_view name,
                                                                                   std::string_view addr) = 0;

    /// As Store::find_queue_id: oldest first, ties by ID.
    virtual std::vector<Transaction> find_queue_id(std::string_view queue_id, std::string_view host, Micros from,
                                                   Micros to) = 0;

    /// As Store::find_message_id: oldest first, ties by ID.
    virtual std::vector<Transaction> find_message_id(std::string_view message_id, std::size_t limit) = 0;

    /// The stored hop links of `t`, in order.
    virtual std::vector<HopLink> links_of(const Transaction& t) = 0;

    /// The stored links that name `queue_id` as the next hop, logged within [from, to] (UTC µs),
    /// each with the transaction it leaves from, in (link time, transaction ID, link order).
    virtual std::vector<std::pair<HopLink, Transaction>> links_to(std::string_view queue_id, Micros from, Micros to) = 0;

    /// The transactions of filter `f` (sender, recipient, window, status) whose client address
    /// is in network `net` (CIDR text, links.hpp client_network()): the retry-after-reject lookup.
    virtual std::vector<Transaction> in_network(const SearchFilter& f, std::string_view net) = 0;
};

/// The local index as a TraceSource.
class LocalTraceSource final : public TraceSource {
public:
    /// Reads from `store` (which must outlive this).
    explicit LocalTraceSource(Store& store) : s_(store) {}
    std::vector<std::string> hosts() override { return s_.hosts(); }
    std::vector<std::pair<std::string, std::uint64_t>> hosts_behind_relay(std::string_view name,
                                                                           std::string_view addr) override {
        return s_.hosts_behind_relay(name, addr);
    }
    std::vector<Transaction> find_queue_id(std::string_view q, std::string_view h, Micros from, Micros to) override {
        return s_.find_queue_id(q, h, from, to);
    }
    std::vector<Transaction> find_message_id(std::string_view m, std::size_t limit) override {
        return s_.find_message_id(m, limit);
    }
    std::vector<HopLink> links_of(const Transaction& t) override { return s_.links_of(t.id); }
    std::vector<std::pair<HopLink, Transaction>> links_to(std::string_view queue_id, Micros from, Micros to) override;
    std::vector<Transaction> in_network(const SearchFilter& f, std::string_view net) override;

private:
    Store& s_;
};

} // namespace mxtrace
