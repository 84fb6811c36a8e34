// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <cstdint>
/// @file fields.hpp
/// The one table of searchable fields: query name and aliases, Xapian term prefix (Omega
/// conventions, xapian-omega/docs/termprefixes.rst), kind, search flag, example query and
/// description. The indexer (store.cpp), the query parser set-up (query_parser.cpp), the
/// query checker (query_check.cpp), `mxtrace info fields`, `--explain` and the man page's field
/// list (man/mxtrace-query.7, checked by tests/cli/cases/query-fields.sh) all follow it.
#include <span>
#include <string>
#include <string_view>

namespace mxtrace {

/// How a field's query values are read.
enum class FieldKind {
    boolean,  ///< exact term (one value, no wildcard)
    address,  ///< e-mail address: exact, `@DOMAIN` / `*@DOMAIN` (the domain term), `LOCAL@*` / `PREFIX*`
              ///< (trailing wildcard, expanded over the index's terms), `<>` the null sender
    name,     ///< host name or address term; `PREFIX*` trailing wildcard
    network,  ///< client: a name or address term, or an address / CIDR network (value slot 2)
    text,     ///< free text (words of status texts)
    range,    ///< a time range over value slots 0 and 1
};

/// One searchable field.
struct Field {
    std::string_view name;        ///< user name and query prefix ("from" is queried as `from:`); word characters
    std::string_view aliases;     ///< other query prefixes for it, space-separated ("qid")
    std::string_view prefix;      ///< Xapian term prefix ("" for free text and ranges)
    FieldKind kind;
    std::string_view flag;        ///< the `mxtrace search` flag that queries it ("" if none)
    std::string_view example;     ///< an example query, found in the bundled sample (examples/logs)
    std::string_view description;
};

/// All fields, in man-page order.
std::span<const Field> fields();

/// The field of that name; throws std::out_of_range if none (a programming error).
const Field& field(std::string_view name);

/// The field a query prefix names (its name or one of its aliases), or nullptr.
const Field* field_by_query_name(std::string_view name);

/// The name of a kind, as `mxtrace info fields` and the man page print it.
std::string_view kind_name(FieldKind k);

/// Value slots of the Xapian documents (numbers are part of the on-disk format; Omega keeps
/// such a list in xapian-omega/values.h).
enum ValueSlot : unsigned {
    slot_first_time = 0,  ///< first-seen time, UTC seconds, Xapian::sortable_serialise(double)
    slot_last_time = 1,   ///< last-seen time, same encoding
    slot_client_addr = 2, ///< client IP address: 16 bytes, network (big-endian) order; IPv4 as
                          ///< IPv4-mapped IPv6 (::ffff:a.b.c.d). Absent if the client address is
                          ///< unknown. Byte-wise order = address order, so a CIDR network is a
                          ///< value range (Xapian compares values as byte strings).
};

/// Day terms (internal, not a query field): a document names each UTC day its transaction was
/// active on, first-seen day through last-seen day, as kDayPrefix + "YYYYMMDD"; a transaction
/// active on more than kMaxDayTerms days has the one term kLongSpanTerm instead. A date window
/// then visits only its days' documents (Store::search), not every match of the other terms.
/// Written only in indexes whose Xapian metadata kDayTermsKey is "1" (set when the Xapian
/// index is created; `mxtrace repair` rebuilds an older one with them).
inline constexpr std::string_view kDayPrefix = "XDAY";
inline constexpr std::string_view kLongSpanTerm = "XDAYLONG";
inline constexpr int kMaxDayTerms = 62;
inline constexpr const char* kDayTermsKey = "mxtrace_day_terms";

/// The day term of UTC day `day` (days since 1970-01-01, may be negative): "XDAY20111215".
std::string day_term(std::int64_t day);

/// Hour terms (internal, not a query field): a document also names the UTC hour its transaction
/// began in (first seen), as kHourPrefix + "YYYYMMDDHH": one term each. A search that walks back
/// from the newest time (Store::search) needs, at each step but the last, only the transactions
/// that began in the step; with hour terms a step can be a few hours of a dense day, not the whole
/// day and every long transaction active on it. Written only, and always beside the day terms, in
/// indexes whose Xapian metadata kHourTermsKey is "1" (set when the Xapian index is created;
/// `mxtrace repair` rebuilds an older one with them).
inline constexpr std::string_view kHourPrefix = "XHOUR";
inline constexpr const char* kHourTermsKey = "mxtrace_hour_terms";

/// The hour term of UTC hour `hour` (hours since 1970-01-01T00Z, may be negative): "XHOUR2011121514".
std::string hour_term(std::int64_t hour);

/// Builds the boolean term for `value` in field `prefix`: prefix + value, where values that
/// would make a term over 240 bytes are cut and end in a 16-hex-digit FNV-1a hash of the whole.
std::string make_term(std::string_view prefix, std::string_view value);

/// FNV-1a 64-bit hash of `s` (offset basis 0xcbf29ce484222325, prime 0x100000001b3) as
/// 16 lower-case hex digits. Used for over-long terms and input fingerprints; not cryptographic.
std::string fnv1a_hex(std::string_view s);

/// Lower-cases ASCII letters (addresses, host names).
std::string ascii_lower(std::string_view s);

} // namespace mxtrace
