// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file columns.hpp
/// The one table of output columns: the names `--fields` accepts, the CSV header names, and
/// where each value sits in the JSON object of mxtrace-search(1). man/mxtrace-search.1 lists
/// the same names (tests/cli/cases/search-csv.sh checks both ways).
#include "mxtrace/reduce/transaction.hpp"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mxtrace {

/// Whether a column belongs to the transaction or to one of its delivery attempts.
enum class ColumnLevel { transaction, attempt };

/// One value, typed for JSON. `text` is the raw value: not escaped, not quoted.
struct Cell {
    enum Kind { null, string, number, boolean } kind = null;
    std::string text; ///< log text for strings; the JSON literal for numbers and booleans
};

/// One output column.
struct Column {
    std::string_view name;        ///< `--fields` name and CSV header (word characters)
    ColumnLevel level;
    std::string_view json_group;  ///< enclosing JSON object at the transaction level ("client"), or empty
    std::string_view json_key;    ///< key inside the transaction object, its group, or an attempt object
    std::string_view csv_empty;   ///< what CSV writes for an empty string ("<>" for the null sender)
    std::string_view description; ///< one line, for documentation
    /// The value; `a` is null for attempt columns of a transaction without attempts
    /// (those give a null cell) and is ignored by transaction columns.
    Cell (*get)(const Transaction& t, const Attempt* a);
};

/// Every column, transaction columns first, in the order of the JSON object.
std::span<const Column> columns();

/// The column named `name`, or null.
const Column* find_column(std::string_view name);

/// A choice of columns, in the order given.
using Fields = std::vector<const Column*>;

/// All columns in table order (the default of `--fields`).
Fields all_fields();

/// Parses a `--fields` value: names separated by commas (spaces around a name are ignored).
/// @throws Error(usage) naming the unknown or empty name, or a name given twice, with a hint
/// that lists every valid name.
Fields parse_fields(std::string_view list);

/// True if any of `f` is an attempt column.
bool has_attempt_fields(const Fields& f);

} // namespace mxtrace
