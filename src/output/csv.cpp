// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/output/csv.hpp"

#include "mxtrace/output/output.hpp"

namespace mxtrace {

void csv_quote(std::string_view field, std::string& out) {
    if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
        out.append(field);
        return;
    }
    out += '"';
    for (char c : field) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

std::string csv_header(const Fields& fields) {
    std::string o;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i) o += ',';
        csv_quote(fields[i]->name, o); // names are word characters: never quoted
    }
    o += "\r\n";
    return o;
}

namespace {
void row(const Transaction& t, const Attempt* a, const Fields& fields, std::string& o) {
    std::string esc;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i) o += ',';
        Cell c = fields[i]->get(t, a);
        if (c.kind == Cell::null) continue;
        if (c.kind != Cell::string) {
            o += c.text; // numbers and booleans: digits, '.', 'e', '-', letters
            continue;
        }
        if (c.text.empty()) {
            o.append(fields[i]->csv_empty);
            continue;
        }
        esc.clear();
        escape_text(c.text, esc); // escape first: the quoting is about CSV syntax, not the terminal
        csv_quote(esc, o);
    }
    o += "\r\n";
}
} // namespace

std::string format_csv(const Transaction& t, const Fields& fields) {
    std::string o;
    if (t.attempts.empty() || !has_attempt_fields(fields)) {
        row(t, nullptr, fields, o);
        return o;
    }
    for (const auto& a : t.attempts) row(t, &a, fields, o);
    return o;
}

} // namespace mxtrace
