// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/output/output.hpp"

#include <fmt/format.h>

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

void escape_text(std::string_view s, std::string& out) {
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7F) {
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

void escape_json(std::string_view s, std::string& out) {
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7F) {
            if (c == '"' || c == '\\') out += '\\';
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
        o += ", date=";
        o += format_time(a.time, zone);
        if (!a.text.empty()) {
            o += " (";
            escape_text(a.text, o);
            o += ')';
        }
        o += '\n';
    }
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
    std::string o;
    o.reserve(512);
    auto str = [&](std::string_view key, std::string_view v, bool comma = true) {
        if (comma) o += ',';
        o += '"';
        o.append(key);
        o += "\":\"";
        escape_json(v, o);
        o += '"';
    };
    auto num = [&](std::string_view key, std::int64_t v) {
        o += fmt::format(",\"{}\":", key);
        if (v < 0) o += "null";
        else o += std::to_string(v);
    };
    o += '{';
    o += fmt::format("\"id\":{}", t.id);
    str("host", t.host);
    str("mta", mta_name(t.mta));
    str("queue_id", t.queue_id);
    str("first_time", format_rfc3339(t.first_time));
    str("last_time", format_rfc3339(t.last_time));
    if (t.sender) str("sender", *t.sender);
    else o += ",\"sender\":null";
    o += ",\"client\":{";
    str("name", t.client_name, false);
    str("ip", t.client_ip);
    o += '}';
    str("message_id", t.message_id);
    num("size", t.size);
    num("nrcpt", t.nrcpt);
    o += fmt::format(",\"complete\":{}", t.complete ? "true" : "false");
    str("status", status_name(t.summary_status()));
    str("notification_queue_id", t.notification_queue_id);
    o += ",\"attempts\":[";
    bool first = true;
    for (const auto& a : t.attempts) {
        if (!first) o += ',';
        first = false;
        o += '{';
        str("time", format_rfc3339(a.time), false);
        str("recipient", a.recipient);
        str("orig_recipient", a.orig_recipient);
        str("relay", a.relay);
        str("status", status_name(a.status));
        str("dsn", a.dsn);
        if (a.delay < 0) o += ",\"delay\":null";
        else o += fmt::format(",\"delay\":{}", a.delay);
        str("text", a.text);
        str("queued_as", a.queued_as);
        o += '}';
    }
    o += "]}\n";
    return o;
}

} // namespace mxtrace
