// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file fields.hpp
/// The one table of searchable fields: name, Xapian term prefix (Omega conventions,
/// xapian-omega/docs/termprefixes.rst), kind and description. The indexer, the search
/// flags, `--explain` and the man page's field list all follow it.
#include <span>
#include <string>
#include <string_view>

namespace mxtrace {

enum class FieldKind { boolean, text, range };

struct Field {
    std::string_view name;        ///< user name, word characters only
    std::string_view prefix;      ///< Xapian term prefix ("" for free text)
    FieldKind kind;
    std::string_view flag;        ///< the `mxtrace search` flag that queries it
    std::string_view description;
};

/// All fields, in man-page order.
std::span<const Field> fields();

/// The field of that name; throws std::out_of_range if none (a programming error).
const Field& field(std::string_view name);

/// Value slots of the Xapian documents (numbers are part of the on-disk format).
enum ValueSlot : unsigned {
    slot_first_time = 0,  ///< first-seen time, UTC seconds, Xapian::sortable_serialise(double)
    slot_last_time = 1,   ///< last-seen time, same encoding
};

/// Builds the boolean term for `value` in field `prefix`: prefix + value, where values that
/// would make a term over 240 bytes are cut and end in a 16-hex-digit FNV-1a hash of the whole.
std::string make_term(std::string_view prefix, std::string_view value);

/// FNV-1a 64-bit hash of `s` (offset basis 0xcbf29ce484222325, prime 0x100000001b3) as
/// 16 lower-case hex digits. Used for over-long terms and input fingerprints; not cryptographic.
std::string fnv1a_hex(std::string_view s);

/// Lower-cases ASCII letters (addresses, host names).
std::string ascii_lower(std::string_view s);

} // namespace mxtrace
