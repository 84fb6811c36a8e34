// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The Xapian side of the query language (mxtrace-query(7)): QueryParser set up from the field
// table, with a FieldProcessor per field and a RangeProcessor for date:. Internal to src/store/.
#include "mxtrace/store/query.hpp"

#include <xapian.h>

#include <string>
#include <string_view>
#include <vector>

namespace mxtrace {

/// Checks `query` (check_query: a caret error for anything malformed) and parses it with
/// Xapian's QueryParser into a query over the index's terms and value slots. Dates are read in
/// `zone` relative to `now` (UTC µs). If `understood` is given, it receives one line per field
/// term and free-text part saying how it was read ("to:*@bar.com -> domain term XTODbar.com").
/// If `window` is given and the query's date: filters are ANDed at its top (query_window), they
/// are left out of the query and their intersection is set there, for the caller to apply as it
/// applies -d / -D (the same matches; Xapian plans the query as a -d / -D search); else it is
/// set to nullopt.
/// @throws Error(usage) for a malformed query.
Xapian::Query parse_query_string(std::string_view query, Zone& zone, Micros now, std::vector<std::string>* understood,
                                 std::optional<TimeRange>* window = nullptr);

/// The time window every match of `query` lies in, when the query says so at its top level: a
/// conjunction (no OR, XOR, NOT or parentheses) with one or more `date:` filters, whose ranges
/// are intersected. nullopt otherwise (no `date:`, or one under an operator that could let a
/// match outside it through). Dates as for parse_query_string. Does not throw for a malformed
/// query (nullopt: parse_query_string reports it).
std::optional<TimeRange> query_window(std::string_view query, Zone& zone, Micros now);

/// The query for a time range: the transaction's span [slot 0, slot 1] overlaps it.
Xapian::Query time_range_query(const TimeRange& r);

/// The query for one value of field `f`, read by parse_value().
Xapian::Query pattern_query(const Field& f, const ValuePattern& p, std::string* meaning = nullptr);

} // namespace mxtrace
