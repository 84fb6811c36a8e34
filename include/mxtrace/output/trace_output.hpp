// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file trace_output.hpp
/// Printers for traces (query/trace.hpp): a text tree, one nested JSON object per message, and
/// Graphviz DOT. Log content is escaped as in output.hpp; DOT labels are also quoted for DOT.
#include "mxtrace/base/timeutil.hpp"
#include "mxtrace/query/trace.hpp"

#include <string>
#include <vector>

namespace mxtrace {

/// The tree of one message: client -> host (queue ID, time) -> each recipient's final status ->
/// next host ..., hop delays, notes on ambiguity and missing hops, and the time spent inside the
/// indexed hosts. Times in `zone` (UTC when null). Ends with a blank line.
std::string format_trace_text(const Trace& t, Zone* zone);

/// One JSON object on one line (with "\n"), nested: "root" is a transaction whose "hops" hold
/// the next transactions. Schema in mxtrace-trace(1). Times are RFC 3339 UTC.
std::string format_trace_json(const Trace& t);

/// One Graphviz digraph holding all traces (one cluster each). Times in `zone` (UTC when null).
std::string format_trace_dot(const std::vector<Trace>& ts, Zone* zone);

/// A duration in seconds for people: "0.583s", "-2.100s", "1m05s", "3h02m10s", "1d04h00m".
std::string format_duration(double seconds);

} // namespace mxtrace
