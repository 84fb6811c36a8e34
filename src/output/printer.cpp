// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/output/printer.hpp"

#include "mxtrace/base/error.hpp"
#include "mxtrace/output/csv.hpp"
#include "mxtrace/output/output.hpp"

#include <fmt/format.h>

namespace mxtrace {

Printer::Printer(std::string_view format, const std::optional<std::string>& fields, Zone* zone) : zone_(zone) {
    if (format == "text") format_ = Format::text;
    else if (format == "json") format_ = Format::json;
    else if (format == "csv") format_ = Format::csv;
    else
        throw Error(ExitCode::usage, fmt::format("unknown output format '{}'", format), "the formats are text, json and csv");
    if (fields && format_ == Format::text)
        throw Error(ExitCode::usage, "--fields applies to --format json and --format csv, not to text",
                    "add --format csv or --format json, or leave --fields out");
    fields_ = fields ? parse_fields(*fields) : all_fields();
}

std::string Printer::header() const { return format_ == Format::csv ? csv_header(fields_) : std::string(); }

std::string Printer::print(const Transaction& t) const {
    switch (format_) {
    case Format::json: return format_json(t, fields_);
    case Format::csv: return format_csv(t, fields_);
    default: return format_text(t, zone_);
    }
}

std::string Printer::print(const Transaction& t, std::span<const SourceLine> raw, bool verbatim) const {
    switch (format_) {
    case Format::json: {
        std::string o = format_json(t, fields_);
        o.resize(o.size() - 2); // "}\n"
        if (o.size() > 1) o += ',';
        o += "\"raw\":";
        append_raw_json(raw, o);
        o += "}\n";
        return o;
    }
    case Format::csv: return format_csv(t, fields_);
    default: return format_text(t, zone_, raw, verbatim);
    }
}

} // namespace mxtrace
