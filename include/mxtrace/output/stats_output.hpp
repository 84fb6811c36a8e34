// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file stats_output.hpp
/// Prints a StatsReport (`mxtrace stats`) as aligned text tables, as one JSON object, or one of
/// its tables as CSV (RFC 4180). The tables and their columns are listed in man/mxtrace-stats.1;
/// stats_table_names() is the one list. Log-derived text (addresses, relays, reasons) is escaped
/// with escape_text / escape_json.
#include "mxtrace/base/timeutil.hpp"
#include "mxtrace/query/stats.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>
#include <string_view>

namespace mxtrace {

/// The names of the report's tables, in print order ("summary", "per_hour", "per_day", ...).
std::span<const std::string_view> stats_table_names() noexcept;

/// One row of the summary table: its label, and the count of messages and of recipients
/// (nullopt where the row has none).
struct StatsSummaryRow {
    std::string_view item;
    std::optional<std::uint64_t> messages, recipients;
};

/// The summary table's rows, in print order: the one list for text, JSON, CSV and HTML
/// (bytes received and bytes delivered last).
std::vector<StatsSummaryRow> stats_summary_rows(const StatsReport& r);

/// The report as text: a period line, then each table under its title, columns aligned
/// (numbers right-aligned), tables without rows left out. Times in `zone` (UTC if null).
std::string format_stats_text(const StatsReport& r, Zone* zone);

/// The report as one JSON object (one line and "\n"): {"first":T,"last":T,"transactions":N,
/// "tables":{NAME:[{COLUMN:VALUE,...},...],...}}; times RFC 3339 UTC, unknown numbers null.
std::string format_stats_json(const StatsReport& r);

/// One table as CSV: a header row of its column names, then its rows, CRLF record ends, times
/// RFC 3339 UTC. `table` must be one of stats_table_names(). @throws Error(usage) otherwise.
std::string format_stats_csv(const StatsReport& r, std::string_view table);

} // namespace mxtrace
