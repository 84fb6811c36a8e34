// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file trace_output.hpp
/// Printers for traces (query/trace.hpp): a text tree, one nested JSON object per message, and
/// Graphviz DOT. Log content is escaped as in output.hpp; DOT labels are also quoted for DOT.
#include "mxtrace/base/timeutil.hpp"
#include "mxtrace/output/columns.hpp"
#include "mxtrace/query/trace.hpp"
#include "mxtrace/store/store.hpp"

#include <functional>
#include <string>
#include <vector>

namespace mxtrace {

/// Gives the original log lines of a transaction by its store ID (Store::raw_lines()), for
/// `trace --raw`; an empty function means no raw lines are printed.
using RawSource = std::function<std::vector<SourceLine>(std::int64_t txn_id)>;

/// The tree of one message: client -> host (queue ID, time) -> each recipient's final status ->
/// next host ..., hop delays, notes on ambiguity and missing hops, and the time spent inside the
/// indexed hosts. Times in `zone` (UTC when null). Ends with a blank line. With `raw`, each
/// transaction's original lines follow its line in the tree, marked "┆ PATH:LINE: TEXT"
/// (escaped; byte for byte with `verbatim`).
std::string format_trace_text(const Trace& t, Zone* zone, const RawSource& raw = {}, bool verbatim = false);

/// One JSON object on one line (with "\n"), nested: "root" is a transaction whose "hops" hold
/// the next transactions. Schema in mxtrace-trace(1). Times are RFC 3339 UTC. With `raw`, each
/// transaction object has the member "raw" (as in `search --raw --format json`).
std::string format_trace_json(const Trace& t, const RawSource& raw = {});

/// The header row of `trace --format csv`: trace, depth, link, parent_host, parent_queue_id,
/// then the names of `fields` (columns.hpp), ending in CRLF (RFC 4180).
std::string trace_csv_header(const Fields& fields);

/// The CSV rows of one trace (number `n`, from 1): every transaction of the tree, root first
/// and then depth first, as format_csv() rows (one per attempt) prefixed by the trace number,
/// the depth (0 for the root), the rule of the link that reached it (empty for the root;
/// "candidate:RULE" for the candidates of an ambiguous hop) and the parent's host and queue ID.
std::string format_trace_csv(const Trace& t, const Fields& fields, std::size_t n);

/// One Graphviz digraph holding all traces (one cluster each). Times in `zone` (UTC when null).
std::string format_trace_dot(const std::vector<Trace>& ts, Zone* zone);

/// A duration in seconds for people: "0.583s", "-2.100s", "1m05s", "3h02m10s", "1d04h00m".
std::string format_duration(double seconds);

} // namespace mxtrace
