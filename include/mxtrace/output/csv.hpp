// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file csv.hpp
/// CSV output (RFC 4180): a header row of column names, then one row per delivery attempt.
/// Records end in CRLF, as RFC 4180 says. Values from the logs are escaped with escape_text()
/// first (so they hold no control characters), then quoted: a field that contains a comma, a
/// double quote, CR or LF is enclosed in double quotes and its double quotes are doubled; other
/// fields are written as they are. Times are RFC 3339 in UTC (as in JSON); unknown numbers and
/// the attempt columns of a transaction without attempts are empty fields; the null sender is
/// written "<>" (an unknown sender is empty).
#include "mxtrace/output/columns.hpp"
#include "mxtrace/reduce/transaction.hpp"

#include <string>
#include <string_view>

namespace mxtrace {

/// Appends `field` to `out` as one RFC 4180 field: as it is, or enclosed in double quotes
/// with each '"' doubled when it contains ',', '"', CR or LF. Does not escape anything else.
void csv_quote(std::string_view field, std::string& out);

/// The header row: the names of `fields`, comma-separated, ending in CRLF.
std::string csv_header(const Fields& fields);

/// The rows of one transaction, each ending in CRLF: one per attempt, or one with empty
/// attempt columns if it has none. If `fields` holds no attempt column, one row.
std::string format_csv(const Transaction& t, const Fields& fields);

} // namespace mxtrace
