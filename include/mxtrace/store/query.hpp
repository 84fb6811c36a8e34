// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file query.hpp
/// The query language of `search` (and `trace`, `stats`): its checker and the value forms of
/// its fields, all without Xapian (src/store/query_check.cpp). The Xapian side — QueryParser,
/// FieldProcessors, the date RangeProcessor — is src/store/query_parser.cpp, used by
/// Store::search through SearchFilter::query. The language is documented in mxtrace-query(7).
///
/// Why in store/ and not in a query/ folder above it: Store::search is the one entry point that
/// takes a query string (SearchFilter::query), and a folder may only include the ones below it.
#include "mxtrace/base/timeutil.hpp"
#include "mxtrace/store/fields.hpp"

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mxtrace {

/// One token of a checked query. Positions are byte offsets into the query string.
struct QueryToken {
    enum class Kind { word, phrase, field, lparen, rparen, op_and, op_or, op_xor, op_not };
    Kind kind = Kind::word;
    std::size_t pos = 0;          ///< where the token starts
    std::size_t len = 0;          ///< its length in bytes (quotes included)
    const Field* field = nullptr; ///< for Kind::field: the field named (an alias resolves to it)
    std::string value;            ///< word or phrase text (no quotes), or the field's value (no quotes)
    std::size_t value_pos = 0;    ///< for Kind::field: where the value starts
};

/// Lexes `query` the way Xapian's QueryParser reads it (FLAG_BOOLEAN | FLAG_PHRASE |
/// FLAG_PURE_NOT, boolean prefixes from the field table) and checks what Xapian would accept
/// silently or report without a place: unbalanced parentheses or quotes, an unknown field, an
/// empty value, a value its field cannot hold (bad date, status, CIDR, wildcard), a dangling
/// or doubled AND / OR / XOR / NOT, empty parentheses. Dates are resolved in `zone` relative to
/// `now` (UTC µs) only to check them.
/// @throws Error(usage) whose detail echoes the query with a caret line under the offending place.
std::vector<QueryToken> check_query(std::string_view query, Zone& zone, Micros now);

/// Throws Error(usage) "bad query: WHAT" with `hint`, the detail showing `query` and carets
/// under bytes [pos, pos + len) (at least one caret). Control characters in the query are shown
/// escaped as \xNN and the carets follow them; UTF-8 continuation bytes take no column.
[[noreturn]] void throw_query_error(std::string_view query, std::size_t pos, std::size_t len, std::string_view what,
                                    std::string_view hint);

/// A time range of `date:`: a transaction matches if its span [first, last] overlaps it.
struct TimeRange {
    std::optional<Micros> since; ///< lower bound (UTC µs), rounded down; none = open
    std::optional<Micros> until; ///< upper bound (UTC µs), rounded up (a date alone: its end); none = open
};

/// Narrows `w` to its overlap with `r` (the later lower bound, the earlier upper bound; an open
/// bound takes the other's). The result may be empty (since > until): nothing lies in it.
inline void intersect(TimeRange& w, const TimeRange& r) {
    if (r.since && (!w.since || *r.since > *w.since)) w.since = r.since;
    if (r.until && (!w.until || *r.until < *w.until)) w.until = r.until;
}

/// Reads the value of `date:`: "A..B", "A..", "..B" or a single "A" (= "A..A": a day for a date,
/// a minute for HH:MM). Each bound is what -d/-D accept (parse_user_time: YYYY-MM-DD[THH:MM[:SS]]
/// with optional Z or +HH:MM, local in `zone` otherwise; 2h 3d 1w now today yesterday) and the
/// relative forms may be written with a minus ("-2d"). Relative forms count back from `now`.
/// On error returns nullopt and sets `error` and `error_at` (offset into `value`).
std::optional<TimeRange> parse_time_range(std::string_view value, Zone& zone, Micros now, std::string* error,
                                          std::size_t* error_at);

/// A 16-byte IP address in network order; IPv4 as IPv4-mapped IPv6 (the slot_client_addr form).
using IpBytes = std::array<unsigned char, 16>;

/// Parses an IPv4 or IPv6 address ("192.0.2.7", "2001:db8::1", Sendmail's "IPv6:2001:db8::1").
std::optional<IpBytes> parse_ip(std::string_view s);

/// The canonical text of an address (inet_ntop; IPv4-mapped as dotted quad).
std::string ip_text(const IpBytes& a);

/// A CIDR network: first and last address (inclusive), in the slot_client_addr form.
struct IpRange {
    IpBytes lo{}, hi{};
};

/// Parses "ADDR/LEN" (IPv4 LEN 0..32, IPv6 0..128); the host bits of ADDR may be set.
std::optional<IpRange> parse_cidr(std::string_view s);

/// How an address, name or client value is matched.
struct ValuePattern {
    enum class Kind { exact, domain, prefix, null_sender, network } kind = Kind::exact;
    std::string value;  ///< normalised: lower case (but queue ID and Message-ID), no <>, no '*'
    IpRange net;        ///< for Kind::network
};

/// Reads the value of field `f` as the query language defines it (mxtrace-query(7), WILDCARDS):
/// address fields take exact, `@DOMAIN`, `*@DOMAIN`, `PREFIX*` (also `LOCAL@*`) and `<>` (from
/// only); name fields exact or `PREFIX*`; client also `ADDR/LEN`; status and mta a known name;
/// message_id strips <>. On error returns nullopt and sets `error` and `error_at` (offset into
/// `value`).
std::optional<ValuePattern> parse_value(const Field& f, std::string_view value, std::string* error,
                                        std::size_t* error_at);

} // namespace mxtrace
