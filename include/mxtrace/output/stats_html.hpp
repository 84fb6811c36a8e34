// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file stats_html.hpp
/// `mxtrace stats --html FILE`: a StatsReport as one self-contained HTML page — inline CSS and
/// inline SVG only, no script, no external `src`/`href`, so it opens offline and prints. What it
/// shows is described in man/mxtrace-stats.1 (HTML REPORT). Every log-derived string (addresses,
/// hosts, relays, reasons) goes through escape_html().
#include "mxtrace/base/timeutil.hpp"
#include "mxtrace/query/stats.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace mxtrace {

/// What the report says about its selection beside the StatsReport itself.
struct HtmlReportScope {
    std::vector<std::string> hosts; ///< the hosts of the selected transactions, sorted, distinct (log content)
};

/// Appends `s` to `out` as HTML text or attribute content: first escape_text() (control
/// characters, DEL, C1 and invalid UTF-8 become \xNN, a backslash is doubled), then `&`, `<`,
/// `>`, `"` and `'` become character references. Safe inside elements and quoted attributes.
void escape_html(std::string_view s, std::string& out);

/// The report as one HTML5 document (UTF-8): a title with the period and hosts, the key totals,
/// the totals table (the summary rows of format_stats_text), traffic over time as a stacked SVG
/// bar chart by outcome (per hour of the day when the period lies within one day of `zone`, else
/// per day) with received messages as a line, the outcome mix of recipients as a stacked SVG bar,
/// the delivery delay percentiles (p50, p90, p99, max) as SVG bars on a log scale, then the top
/// lists, reasons, per-relay delays and the messages deferred longest as tables. Times are shown
/// in `zone` (UTC if null). Deterministic: the same report gives the same bytes (no time of
/// generation is written).
std::string format_stats_html(const StatsReport& r, const HtmlReportScope& scope, Zone* zone);

} // namespace mxtrace
