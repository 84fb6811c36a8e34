// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// mxtrace-gen: the name pools of users and domains.
#include "common.hpp"

namespace mxgen {

// ---------------------------------------------------------------------------------------------
// Names.

inline constexpr std::string_view kFirst[] = {
    "alice", "bob", "carol", "dave", "erin", "frank", "gina", "hal", "ivan", "judy", "ken", "lena", "mike",
    "nina", "oscar", "paul", "quinn", "rita", "sam", "tina", "uwe", "vera", "walt", "xena", "yuri", "zoe",
    "anna", "ben", "chloe", "dan", "eva", "finn", "greta", "hugo", "iris", "jan", "kim", "leo", "mia", "nils",
    "olga", "pia", "rolf", "sara", "tom", "ute", "vince", "wanda", "axel", "bea", "cem", "dora", "emil", "fay",
    "gus", "hana", "igor", "jo", "kai", "lou", "max", "noa", "otto", "pat", "rosa", "saul", "theo", "una",
    "vik", "wes", "yann", "zara", "amir", "bruno", "clara", "dmitri", "elif", "fatima", "george", "helga",
    "ines", "jonas", "karin", "luis", "marta", "nora", "omar", "petra", "raj", "sofia", "tariq", "ulla",
    "victor", "wiebke", "ximena", "yusuf", "zeynep", "aaron", "birgit", "conor", "delia"};
inline constexpr std::string_view kLast[] = {
    "miller", "smith", "jones", "brown", "meier", "schulz", "novak", "rossi", "garcia", "martin", "dubois",
    "kowalski", "nielsen", "jansen", "silva", "costa", "weber", "wagner", "becker", "hoffmann", "klein",
    "wolf", "neumann", "braun", "zimmer", "kraus", "lange", "hartmann", "krueger", "werner", "lehmann",
    "koehler", "fischer", "bauer", "richter", "walter", "roth", "frank", "berg", "keller", "huber", "moser",
    "gruber", "lindner", "vogel", "stein", "jaeger", "otto", "sommer", "gross", "seidel", "heinz", "brandt",
    "haas", "schreiber", "graf", "dietrich", "ziegler", "kuhn", "pohl", "engel", "horn", "busch", "bergmann",
    "thomas", "voigt", "sauer", "arnold", "wolff", "pfeiffer", "lorenz", "ludwig", "baumann", "franke",
    "albrecht", "schuster", "simon", "boehm", "winter", "kraft", "vogt", "martens", "schumacher", "stark",
    "beck", "jung", "hahn", "schubert", "fuchs", "scholz", "haase", "kaiser", "hermann", "peters", "lang",
    "wilson", "taylor", "clark", "lewis"};
inline constexpr std::string_view kRoles[] = {"info", "sales", "support", "noreply", "newsletter", "billing",
                                       "office", "hr", "jobs", "service", "team", "contact", "admin",
                                       "news", "orders", "accounts"};
inline constexpr std::string_view kSyl[] = {"ka", "lo", "mi", "ra", "ne", "to", "vi", "sa", "de", "ro", "ma", "li",
                                     "pa", "tu", "be", "no", "zen", "tra", "vo", "qui", "bra", "gen", "dor",
                                     "fel", "hal", "mon", "sil", "ter", "ven", "cor", "nix", "pro", "lux",
                                     "nova", "data", "net", "soft", "tech", "web", "mail", "cloud", "bit"};
inline constexpr std::string_view kTlds[] = {"com", "com", "com", "net", "org", "de", "de", "fr", "nl", "co.uk",
                                      "io", "eu", "it", "es", "ch", "at", "se", "pl", "info", "biz"};

inline std::string_view pick(std::span<const std::string_view> v, std::uint64_t h) { return v[h % v.size()]; }


} // namespace mxgen
