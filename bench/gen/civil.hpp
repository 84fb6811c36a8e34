// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// mxtrace-gen: civil time (UTC) without the C library.
#include "common.hpp"

namespace mxgen {

// ---------------------------------------------------------------------------------------------
// Civil time (H. Hinnant's algorithms).

inline std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
    int y;
    unsigned m, d, hh, mm, ss, us;
    unsigned wday; // 0 = Sunday
};

inline Civil civil_of(std::int64_t t_us) {
    std::int64_t secs = t_us / kSec;
    const unsigned us = static_cast<unsigned>(t_us % kSec);
    std::int64_t z = secs / 86400;
    const unsigned sod = static_cast<unsigned>(secs % 86400);
    const unsigned wday = static_cast<unsigned>((z + 4) % 7);
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return Civil{static_cast<int>(y + (m <= 2)), m, d, sod / 3600, sod / 60 % 60, sod % 60, us, wday};
}

inline constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/// "2024-03-01T12:00:00.123456Z" as mxtrace prints it (fraction only when non-zero).
inline std::string rfc3339_utc(std::int64_t t) {
    Civil c = civil_of(t);
    if (c.us) return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", c.y, c.m, c.d, c.hh, c.mm, c.ss, c.us);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", c.y, c.m, c.d, c.hh, c.mm, c.ss);
}


} // namespace mxgen
