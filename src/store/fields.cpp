// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/store/fields.hpp"
#include "mxtrace/base/timeutil.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <stdexcept>

namespace mxtrace {

namespace {
constexpr Field kFields[] = {
    {"host", "", "H", FieldKind::name, "-h, --host", "host:smtp",
     "logging host (exact, case-insensitive)"},
    {"queue_id", "qid", "XQID", FieldKind::boolean, "-q, --queue-id", "qid:pBE8FUjJ016161",
     "queue ID (exact, case-sensitive)"},
    {"from", "sender", "XFROM", FieldKind::address, "-f, --from", "from:bob@foo.com",
     "envelope sender; '<>' is the null sender"},
    {"from_domain", "", "XFROMD", FieldKind::boolean, "-f @DOMAIN", "from_domain:foo.com",
     "domain of the envelope sender"},
    {"to", "rcpt", "XTO", FieldKind::address, "-t, --to", "to:*@bar.com",
     "recipient or original recipient"},
    {"to_domain", "", "XTOD", FieldKind::boolean, "-t @DOMAIN", "to_domain:bar.com",
     "domain of a recipient"},
    {"message_id", "msgid", "XMSGID", FieldKind::boolean, "-i, --msgid", "msgid:<4EEA0352.6020508@foo.com>",
     "Message-ID, with or without angle brackets (exact)"},
    {"client", "", "XCLIENT", FieldKind::network, "-c, --client", "client:2001:db8::/32",
     "client host name, IP address, or CIDR network (IPv4 or IPv6)"},
    {"sasl_username", "sasl", "XSASL", FieldKind::name, "", "sasl:carol@bar.com",
     "SASL user name the client authenticated as (Postfix sasl_username=), case-insensitive"},
    {"helo", "", "XHELO", FieldKind::name, "", "helo:localhost",
     "HELO/EHLO name the client gave (Postfix reject helo=, Exim H=(name)), case-insensitive"},
    {"relay", "", "XRELAY", FieldKind::name, "--relay", "relay:smtp.bar.com",
     "next-hop host name, IP address, or transport (local, dovecot)"},
    {"status", "", "XSTATUS", FieldKind::boolean, "--status", "status:expired",
     "status class of any attempt: sent, deferred, bounced, expired, rejected, discarded, held, removed, "
     "deliverable, undeliverable"},
    {"verdict", "", "XVERDICT", FieldKind::name, "", "verdict:spam",
     "a content filter's verdict: the filter (amavis, rspamd, opendkim) or a word of its verdict "
     "(passed, blocked, clean, spam, infected, reject, signed), case-insensitive"},
    {"code", "", "XCODE", FieldKind::name, "", "code:554",
     "SMTP reply code of a reject as logged (450, 550, 554); code:5* for every permanent one"},
    {"mta", "", "XMTA", FieldKind::boolean, "", "mta:sendmail",
     "postfix, sendmail or exim"},
    {"text", "", "", FieldKind::text, "--text", "\"timed out\"",
     "words of status texts and SMTP replies (free text; bare words need no prefix)"},
    {"date", "", "", FieldKind::range, "-d, -D", "date:2011-12-15..2011-12-17",
     "the time span of the transaction, first to last line: it matches if it overlaps the range"},
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

const Field* field_by_query_name(std::string_view name) {
    if (name.empty()) return nullptr;
    for (const auto& f : kFields) {
        if (f.name == name) return &f;
        std::string_view a = f.aliases;
        while (!a.empty()) {
            std::size_t sp = a.find(' ');
            if (a.substr(0, sp) == name) return &f;
            a = sp == std::string_view::npos ? std::string_view{} : a.substr(sp + 1);
        }
    }
    return nullptr;
}

std::string_view kind_name(FieldKind k) {
    switch (k) {
    case FieldKind::boolean: return "exact";
    case FieldKind::address: return "address";
    case FieldKind::name: return "name";
    case FieldKind::network: return "network";
    case FieldKind::text: return "free text";
    case FieldKind::range: return "time range";
    }
    return "?";
}

std::string day_term(std::int64_t day) {
    const std::string date = format_time(day * 86400 * kMicrosPerSecond, nullptr); // "YYYY-MM-DD HH:MM:SS"
    std::string t(kDayPrefix);
    t.append(date, 0, 4).append(date, 5, 2).append(date, 8, 2);
    return t;
}

std::string hour_term(std::int64_t hour) {
    const std::string date = format_time(hour * 3600 * kMicrosPerSecond, nullptr); // "YYYY-MM-DD HH:MM:SS"
    std::string t(kHourPrefix);
    t.append(date, 0, 4).append(date, 5, 2).append(date, 8, 2).append(date, 11, 2);
    return t;
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
