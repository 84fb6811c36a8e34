// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file reducer.hpp
/// Folds events of many interleaved messages into transactions, keyed by host + queue ID.
/// Postfix reuses short queue IDs after a message is removed and two hosts can log the same
/// ID, so a transaction is identified by host + queue ID + first-seen time (never the ID alone).
#include "mxtrace/mta/events.hpp"
#include "mxtrace/reduce/transaction.hpp"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mxtrace {

/// Receives transactions the reducer is done with for now (complete, or idle and evicted).
using TransactionSink = std::function<void(std::unique_ptr<Transaction>)>;

/// Finds a transaction of (host, queue ID) written out earlier (by an eviction, a checkpoint or
/// an earlier run) that a line logged at `at` belongs to, and hands it back to the reducer:
/// the one whose first..last span holds `at` (a line read again), else, unless `starts` (the line
/// begins a message), the newest not-complete one; nullptr if none.
using TransactionLoader = std::function<std::unique_ptr<Transaction>(
    std::string_view host, std::string_view queue_id, Micros at, bool starts)>;

/// The queue ID column of a pre-queue reject record: "NOQUEUE-INPUT.LINE", from the line's identity
/// (store row ID of its input's content fingerprint, 1-based line number), so that each reject line
/// is one record (a burst of identical rejects is not collapsed) and reading the same input again
/// finds the same record (host + this ID + time is the store key). "NOQUEUE" without a source.
std::string reject_record_id(const LineSource* source);

/// The reducer. Memory is bounded by the number of messages in flight, not by input size:
/// complete transactions leave at once, idle ones are evicted by evict_idle().
class Reducer {
public:
    Reducer(TransactionSink sink, TransactionLoader loader) : sink_(std::move(sink)), loader_(std::move(loader)) {}

    /// Applies one event logged at `time` by `host`. With `source`, the line is kept with the
    /// transaction as a RawLine (evidence). An EventKind::reject_record event becomes a complete
    /// record of its own at once, never merged with another line: its queue ID column is
    /// ev.queue_id (the indexer names it by the line's content, see ARCHITECTURE.md "Reject
    /// records"), else reject_record_id(source).
    void apply(std::string_view host, Micros time, const Event& ev, const LineSource* source = nullptr);

    /// Hands every transaction whose last line is older than `now - idle` to the sink.
    void evict_idle(Micros now, Micros idle);

    /// Hands every transaction in memory to the sink (end of input).
    void flush();

    /// Transactions in memory.
    std::size_t open_count() const noexcept { return open_.size(); }

private:
    void apply_reject_record(std::string_view host, Micros time, const Event& ev, const LineSource* source);
    Transaction* find_or_start(std::string_view host, const Event& ev, Micros time);
    void finish(const std::string& key);
    /// An Exim bounce "<= <> R=PARENT": the parent message (in memory, or taken back from the
    /// store) records the bounce's ID as its notification_queue_id. Nothing if the parent is unknown.
    void link_bounce(std::string_view host, std::string_view parent_id, std::string_view bounce_id, Micros time);

    TransactionSink sink_;
    TransactionLoader loader_;
    std::unordered_map<std::string, std::unique_ptr<Transaction>> open_;
    std::string key_; // scratch
};

} // namespace mxtrace
