// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/store/fields.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <stdexcept>

namespace mxtrace {

namespace {
constexpr Field kFields[] = {
    {"host", "H", FieldKind::boolean, "-h, --host", "logging host (exact, case-insensitive)"},
    {"queue_id", "XQID", FieldKind::boolean, "-q, --queue-id", "queue ID (exact, case-sensitive)"},
    {"from", "XFROM", FieldKind::boolean, "-f, --from", "envelope sender; '<>' is the null sender"},
    {"from_domain", "XFROMD", FieldKind::boolean, "-f @DOMAIN", "domain of the envelope sender"},
    {"to", "XTO", FieldKind::boolean, "-t, --to", "recipient or original recipient"},
    {"to_domain", "XTOD", FieldKind::boolean, "-t @DOMAIN", "domain of a recipient"},
    {"message_id", "XMSGID", FieldKind::boolean, "-i, --msgid", "Message-ID without angle brackets (exact)"},
    {"client", "XCLIENT", FieldKind::boolean, "-c, --client", "client host name or IP address"},
    {"relay", "XRELAY", FieldKind::boolean, "--relay", "next-hop host name, IP address, or transport (local, dovecot)"},
    {"status", "XSTATUS", FieldKind::boolean, "--status", "status class of any attempt: sent, deferred, bounced, expired, rejected"},
    {"mta", "XMTA", FieldKind::boolean, "", "postfix or sendmail"},
    {"text", "", FieldKind::text, "--text", "words of status texts and SMTP replies (free text)"},
    {"date", "", FieldKind::range, "-d, -D", "the time span of the transaction, first to last line"},
};

std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : s) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}
} // namespace

std::span<const Field> fields() { return kFields; }

const Field& field(std::string_view name) {
    for (const auto& f : kFields)
        if (f.name == name) return f;
    throw std::out_of_range(std::string(name));
}

std::string make_term(std::string_view prefix, std::string_view value) {
    std::string t;
    t.reserve(prefix.size() + value.size());
    t.append(prefix);
    if (prefix.size() + value.size() <= 240) {
        t.append(value);
        return t;
    }
    t.append(value.substr(0, 200));
    t.append(fnv1a_hex(value));
    return t;
}

std::string fnv1a_hex(std::string_view s) { return fmt::format("{:016x}", fnv1a(s)); }

std::string ascii_lower(std::string_view s) {
    std::string r(s);
    for (char& c : r)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return r;
}

} // namespace mxtrace
