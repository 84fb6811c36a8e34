// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file trace.hpp
/// Trace assembly: follows the stored hop links (links.hpp) from transaction to transaction,
/// across hosts, with a few indexed lookups per hop, and says where it cannot decide
/// (ambiguity) or where a hop's logs are missing. See man/mxtrace-trace.1.
#include "mxtrace/reduce/links.hpp"
#include "mxtrace/reduce/transaction.hpp"
#include "mxtrace/store/store.hpp"
#include "mxtrace/store/trace_source.hpp"

#include <string>
#include <utility>
#include <vector>

namespace mxtrace {

/// Settings of a trace.
struct TraceOptions {
    /// Relay name or address (any case, trailing dot ignored) -> syslog host name, from
    /// `--alias NAME=HOST` and the config key `[trace] alias`.
    std::vector<std::pair<std::string, std::string>> aliases;
    /// How far (each way) the next hop's first line may be from the hand-off, UTC µs.
    Micros window = Micros{86400} * kMicrosPerSecond;
    /// A hop delay over this (µs) past the hand-off, or any negative one, is flagged.
    Micros skew_tolerance = Micros{300} * kMicrosPerSecond;
    /// The retry-after-reject window (links.hpp, retries_reject()): a reject record and an
    /// accepted transaction at most this far apart (UTC µs) are linked; 0 links none. From
    /// `trace --reject-window` and the config key `[trace] reject-window`.
    Micros reject_window = Micros{3600} * kMicrosPerSecond;
    /// At most this many transactions in one tree (a guard against pathological data).
    std::size_t max_nodes = 1000;
};

struct TraceNode;

/// Where a hop link leads.
enum class EdgeState {
    linked,     ///< one next transaction found
    ambiguous,  ///< several equally good candidates: all are listed, none followed
    missing,    ///< the next host is indexed (or named by an alias) but has no such transaction
    outside,    ///< the message left the indexed hosts
};

/// "linked", "ambiguous", "missing", "outside".
std::string_view edge_state_name(EdgeState s) noexcept;

/// A hand-off from a transaction to the next one (or why there is none).
struct TraceEdge {
    HopLink link;                 ///< the stored link; link.rule "message-id" for a Message-ID match
    EdgeState state = EdgeState::outside;
    std::string host;             ///< the next host (linked), or the host the relay was mapped to (missing)
    std::string match;            ///< how the next host was chosen, in words
    std::vector<TraceNode> nodes; ///< the next transaction (linked) or the candidates (ambiguous)
    std::string note;             ///< a sentence for missing / outside / ambiguous
    double delay = 0;             ///< seconds from the parent's first line to the next transaction's first line
    bool delay_flagged = false;   ///< negative, or far later than the hand-off: the hosts' clocks disagree
};

/// One transaction in the tree and its hand-offs.
struct TraceNode {
    Transaction txn;
    std::vector<TraceEdge> edges;
};

/// One message's tree.
struct Trace {
    TraceNode root;
    std::vector<std::string> notes;        ///< ambiguity above the root, a Message-ID shared by other messages, ...
    std::vector<Transaction> same_message_id; ///< transactions with the root's Message-ID that no link reaches
    Micros start = 0, end = 0;             ///< first line of the root .. last delivery in the tree (UTC µs)
};

/// Builds the traces of every message that `start` transactions belong to: each is followed up
/// to its first indexed hop (the root), and each root is traced once, in the order found.
/// Transactions are told apart by their identity (host, queue ID, first-seen time), so the
/// stores may be the local index or a cluster fed by several indexes.
/// @throws Error(bad_index) from the local store, Error(remote) from a cluster.
std::vector<Trace> trace_messages(TraceSource& store, const std::vector<Transaction>& start, const TraceOptions& opt);

/// trace_messages() on the local index.
std::vector<Trace> trace_messages(Store& store, const std::vector<Transaction>& start, const TraceOptions& opt);

/// What a trace KEY names.
struct TraceKey {
    enum class Kind { message_id, queue_id, query } kind = Kind::query;
    std::string host;   ///< for host:QID
    std::string value;  ///< Message-ID without <>, queue ID, or the query text
};

/// Reads a KEY: "<id@dom>" or "id@dom" is a Message-ID, "QID" or "host:QID" (letters, digits
/// and '-', 5 to 32 characters) a queue ID, anything else a query.
TraceKey parse_trace_key(std::string_view key);

/// The transactions a key names directly (Message-ID or queue ID), oldest first.
std::vector<Transaction> find_key(TraceSource& store, const TraceKey& key);

} // namespace mxtrace
