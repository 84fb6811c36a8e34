// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/output/output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace mxtrace {

namespace {
/// Length of the valid UTF-8 sequence at s[i], or 0 if invalid (RFC 3629: no overlongs,
/// no surrogates, nothing above U+10FFFF).
std::size_t utf8_len(std::string_view s, std::size_t i) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n;
    unsigned min;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) n = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, min = 0x10000;
    else return 0;
    if (i + n > s.size()) return 0;
    unsigned cp = c & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k) {
        auto d = static_cast<unsigned char>(s[i + k]);
        if ((d & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (d & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    if (cp >= 0x80 && cp <= 0x9F) return 0; // C1 controls: escape them too
    // bidirectional overrides and isolates can make a terminal show text in another order
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F) return 0;
    return n;
}
constexpr char kHex[] = "0123456789abcdef";
void hex_escape(unsigned char c, std::string& out) {
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 15];
}
} // namespace

namespace {
void escape(std::string_view s, std::string& out, bool double_backslash) {
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7F) {
            // "\\" is a backslash of the log, "\\xff" a byte that is not UTF-8
            if (c == '\\' && double_backslash) out += '\\';
            out += static_cast<char>(c);
            ++i;
            continue;
        }
        std::size_t n = c >= 0x80 ? utf8_len(s, i) : 0;
        if (n) {
            out.append(s.substr(i, n));
            i += n;
        } else {
            hex_escape(c, out);
            ++i;
        }
    }
}
} // namespace

void escape_text(std::string_view s, std::string& out) { escape(s, out, true); }

void escape_message(std::string_view s, std::string& out) { escape(s, out, false); }

void escape_json(std::string_view s, std::string& out) {
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7F) {
            if (c == '"') out += '\\';
            if (c == '\\') out += "\\\\\\"; // decoded: "\\" as in the text output, never confused with "\\xNN"
            out += static_cast<char>(c);
            ++i;
            continue;
        }
        if (c < 0x20 || c == 0x7F) {
            switch (c) {
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default: out += fmt::format("\\u{:04x}", c);
            }
            ++i;
            continue;
        }
        std::size_t n = utf8_len(s, i);
        if (n) {
            out.append(s.substr(i, n));
            i += n;
        } else {
            out += "\\\\x";
            out += kHex[c >> 4];
            out += kHex[c & 15];
            ++i;
        }
    }
}

std::string format_text(const Transaction& t, Zone* zone) {
    std::string o;
    auto line = [&](std::string_view label, std::string_view value) {
        o.append(label);
        escape_text(value, o);
        o += '\n';
    };
    line("transaction: ", t.queue_id);
    std::string client;
    if (!t.client_name.empty() || !t.client_ip.empty())
        client = t.client_ip.empty() ? t.client_name : fmt::format("{}[{}]", t.client_name, t.client_ip);
    line("client: ", client);
    if (!t.sasl_username.empty()) line("sasl: ", t.sasl_username);
    if (!t.helo.empty()) line("helo: ", t.helo);
    if (!t.verdict.empty()) line("verdict: ", t.verdict);
    line("from: ", t.sender ? (t.sender->empty() ? std::string("<>") : *t.sender) : std::string());
    line("msgid: ", t.message_id);
    line("date: ", format_time(t.first_time, zone));
    for (const auto& a : t.attempts) {
        o += "to: ";
        o += "recipient=";
        escape_text(a.recipient.empty() ? std::string_view("<>") : std::string_view(a.recipient), o);
        if (!a.orig_recipient.empty()) {
            o += ", orig_to=";
            escape_text(a.orig_recipient, o);
        }
        if (!a.relay.empty()) {
            o += ", relay=";
            escape_text(a.relay, o);
        }
        o += ", status=";
        o.append(status_name(a.status));
        if (!a.dsn.empty()) {
            o += ", dsn=";
            escape_text(a.dsn, o);
        }
        if (!a.code.empty()) {
            o += ", code=";
            escape_text(a.code, o);
        }
        if (a.delay >= 0) o += fmt::format(", delay={}", a.delay);
        if (!a.queued_as.empty()) {
            o += ", queued_as=";
            escape_text(a.queued_as, o);
        }
        o += ", date=";
        o += format_time(a.time, zone);
        if (!a.text.empty()) {
            o += " (";
            escape_text(a.text, o);
            o += ')';
        }
        o += '\n';
    }
    // the transaction's own fields that the lines above leave out (JSON has them all)
    o += "status: ";
    const std::string_view summary = status_name(t.summary_status());
    o.append(summary.empty() ? std::string_view("(no attempt)") : summary);
    o += t.complete ? ", complete=true" : ", complete=false";
    if (t.size >= 0) o += fmt::format(", size={}", t.size);
    if (t.nrcpt >= 0) o += fmt::format(", nrcpt={}", t.nrcpt);
    o += ", last_time=";
    o += format_time(t.last_time, zone);
    if (!t.notification_queue_id.empty()) {
        o += ", notification_queue_id=";
        escape_text(t.notification_queue_id, o);
    }
    o += ", mta=";
    o.append(mta_name(t.mta));
    o += fmt::format(", id={}\n", t.id);
    line("host: ", t.host);
    o += '\n';
    return o;
}

std::string format_text(const Transaction& t, Zone* zone, std::span<const SourceLine> raw, bool verbatim) {
    std::string o = format_text(t, zone);
    o.pop_back(); // the blank line goes after the raw lines
    append_raw_text(raw, o, verbatim);
    o += '\n';
    return o;
}

void append_raw_text(std::span<const SourceLine> raw, std::string& out, bool verbatim) {
    for (const auto& l : raw) {
        escape_text(l.path, out);
        out += fmt::format(":{}: ", l.line);
        if (verbatim) out += l.text;
        else escape_text(l.text, out);
        out += '\n';
    }
}

void append_raw_json(std::span<const SourceLine> raw, std::string& out) {
    out += '[';
    bool first = true;
    for (const auto& l : raw) {
        if (!first) out += ',';
        first = false;
        out += "{\"path\":\"";
        escape_json(l.path, out);
        out += fmt::format("\",\"line\":{},\"fingerprint\":\"", l.line);
        escape_json(l.fingerprint, out);
        out += "\",\"text\":\"";
        escape_json(l.text, out);
        out += "\"}";
    }
    out += ']';
}

std::string format_json(const Transaction& t, std::span<const SourceLine> raw) {
    std::string o = format_json(t);
    o.resize(o.size() - 2); // "}\n"
    o += ",\"raw\":";
    append_raw_json(raw, o);
    o += "}\n";
    return o;
}

std::string format_json(const Transaction& t) {
    static const Fields all = all_fields();
    return format_json(t, all);
}

namespace {
void json_member(const Column& c, const Cell& v, bool comma, std::string& o) {
    if (comma) o += ',';
    o += '"';
    o.append(c.json_key);
    o += "\":";
    switch (v.kind) {
    case Cell::null: o += "null"; break;
    case Cell::string:
        o += '"';
        escape_json(v.text, o);
        o += '"';
        break;
    default: o += v.text;
    }
}
} // namespace

std::string format_json(const Transaction& t, const Fields& fields) {
    std::string o;
    o.reserve(512);
    o += '{';
    bool first = true, attempts_done = false;
    std::vector<std::string_view> groups_done;
    for (const Column* c : fields) {
        if (c->level == ColumnLevel::attempt) {
            // the attempts array, where the first attempt column is named, with all of them
            if (attempts_done) continue;
            attempts_done = true;
            o += first ? "\"attempts\":[" : ",\"attempts\":[";
            first = false;
            for (std::size_t i = 0; i < t.attempts.size(); ++i) {
                if (i) o += ',';
                o += '{';
                bool first_in = true;
                for (const Column* d : fields)
                    if (d->level == ColumnLevel::attempt) {
                        json_member(*d, d->get(t, &t.attempts[i]), !first_in, o);
                        first_in = false;
                    }
                o += '}';
            }
            o += ']';
        } else if (!c->json_group.empty()) {
            // a nested object ("client"), where its first member is named, with all its members
            if (std::find(groups_done.begin(), groups_done.end(), c->json_group) != groups_done.end()) continue;
            groups_done.push_back(c->json_group);
            if (!first) o += ',';
            first = false;
            o += '"';
            o.append(c->json_group);
            o += "\":{";
            bool first_in = true;
            for (const Column* d : fields)
                if (d->level == ColumnLevel::transaction && d->json_group == c->json_group) {
                    json_member(*d, d->get(t, nullptr), !first_in, o);
                    first_in = false;
                }
            o += '}';
        } else {
            json_member(*c, c->get(t, nullptr), !first, o);
            first = false;
        }
    }
    o += "}\n";
    return o;
}

} // namespace mxtrace
