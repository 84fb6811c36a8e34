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
/// @throws Error(usage) for a malformed query.
Xapian::Query parse_query_string(std::string_view query, Zone& zone, Micros now, std::vector<std::string>* understood);

/// The query for a time range: the transaction's span [slot 0, slot 1] overlaps it.
Xapian::Query time_range_query(const TimeRange& r);

/// The query for one value of field `f`, read by parse_value().
Xapian::Query pattern_query(const Field& f, const ValuePattern& p, std::string* meaning = nullptr);

} // namespace mxtrace
