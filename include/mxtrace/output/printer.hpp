// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file printer.hpp
/// The output format choice (`--format`, `--fields`), made once and shared by the subcommands
/// that print transactions (search; trace later).
#include "mxtrace/base/timeutil.hpp"
#include "mxtrace/output/columns.hpp"
#include "mxtrace/reduce/transaction.hpp"
#include "mxtrace/store/store.hpp"

#include <span>

#include <optional>
#include <string>
#include <string_view>

namespace mxtrace {

enum class Format { text, json, csv };

/// Prints transactions in one format.
class Printer {
public:
    /// `format` is "text", "json" or "csv"; `fields` the `--fields` value if given (columns and
    /// their order for csv, members for json; all of them if not given); `zone` the zone of the
    /// text format's times (UTC when null; JSON and CSV are always UTC); it must outlive the Printer.
    /// @throws Error(usage) for another format, a bad `fields` (see parse_fields()), or `fields`
    /// with the text format.
    Printer(std::string_view format, const std::optional<std::string>& fields, Zone* zone);

    Format format() const noexcept { return format_; }

    /// What comes before the first transaction: the CSV header row; empty for text and JSON.
    std::string header() const;

    /// One transaction: a text block, a JSON line, or CSV rows (see format_csv()).
    std::string print(const Transaction& t) const;

    /// The same with the transaction's original lines (Store::raw_lines()): under the text block
    /// as "PATH:LINE: TEXT" (byte for byte with `verbatim`, else escaped), or as the JSON member
    /// "raw". CSV has no place for them: the CLI refuses --raw with CSV (resolve_raw()).
    std::string print(const Transaction& t, std::span<const SourceLine> raw, bool verbatim) const;

private:
    Format format_;
    Fields fields_;
    Zone* zone_;
};

} // namespace mxtrace
