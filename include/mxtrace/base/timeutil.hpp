// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file timeutil.hpp
/// Time values, time zones and the time formats mxtrace reads and prints.
/// All instants inside mxtrace are `Micros`: microseconds since 1970-01-01T00:00:00Z (UTC).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace date { class time_zone; }

namespace mxtrace {

/// An instant: microseconds since the Unix epoch, UTC.
using Micros = std::int64_t;

constexpr Micros kMicrosPerSecond = 1'000'000;

/// a / b rounded toward negative infinity (b > 0): the bucket of `a` in steps of `b`, also below 0.
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/// Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12, d 1..31).
/// H. Hinnant's days_from_civil algorithm; valid for any year representable in int.
std::int64_t days_from_civil(int y, unsigned m, unsigned d) noexcept;

/// Seconds since the epoch for the given broken-down time read as UTC.
std::int64_t seconds_from_civil(int y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s) noexcept;

/// A time zone of the IANA database, with a small cache so that converting the
/// millions of timestamps of one log costs one zone lookup per quarter hour.
class Zone {
public:
    /// Opens zone `name` (IANA name such as "Europe/Berlin"). An empty name means the
    /// zone of this machine: $TZ if set, else /etc/localtime.
    /// UTC and its aliases (Etc/UTC, UCT, Zulu, GMT, Etc/GMT+0, ...: zones whose offset is 0 at
    /// every instant in tzdata) are answered without loading the tz database, which costs about
    /// 3 ms per process (the tz library lists the whole zoneinfo tree); `name()` is what the tz
    /// library would report.
    /// @throws Error(usage) if the zone is unknown.
    explicit Zone(std::string name = {});

    /// Converts a local wall-clock time (seconds, as if the local time were UTC) to UTC seconds.
    /// A time in a DST gap is read with the offset before the gap; a time in the repeated
    /// fall-back hour is read with the earlier (summer) offset.
    std::int64_t local_to_utc(std::int64_t local_seconds);

    /// Both readings of a local time: {earlier UTC, later UTC}. They differ only in the repeated
    /// hour of a fall-back (the earlier uses the summer offset); in a DST gap both use the offset
    /// before the gap.
    std::pair<std::int64_t, std::int64_t> local_to_utc_both(std::int64_t local_seconds);

    /// The zone's UTC offset in seconds at UTC instant `utc_seconds`.
    std::int64_t offset_at(std::int64_t utc_seconds);

    /// The IANA name of the zone.
    /// @throws Error(usage) if this machine's zone cannot be loaded.
    const std::string& name();

private:
    void load(const std::string& name);
    const date::time_zone* tz();
    bool utc(); ///< the zone is UTC (for this machine's zone: found out on first use)
    const date::time_zone* zone_ = nullptr;
    bool system_ = false; ///< this machine's zone, loaded lazily
    int utc_ = -1;        ///< 1: UTC or an alias, 0: another zone, -1: not known yet (this machine's zone)
    std::string name_;
    std::int64_t l2u_bucket_ = INT64_MIN, l2u_offset_ = 0;
    std::int64_t u2l_bucket_ = INT64_MIN, u2l_offset_ = 0;
};

/// "YYYY-MM-DD HH:MM:SS" of instant `t` in `zone` (UTC if zone is null).
std::string format_time(Micros t, Zone* zone);

/// True for leap years of the Gregorian calendar.
constexpr bool is_leap(int y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/// The civil year of UTC instant `t` shifted by `offset_seconds`.
int year_of(Micros t, std::int64_t offset_seconds = 0);

/// RFC 3339 in UTC ("2011-12-15T14:27:18Z", with ".ffffff" when the instant has microseconds).
std::string format_rfc3339(Micros t);

/// Parses a time given on the command line for -d/--since and -D/--until.
/// Accepted: "YYYY-MM-DD", "YYYY-MM-DD HH:MM", "YYYY-MM-DD HH:MM:SS[.FRACTION]" (also with 'T'),
/// each optionally followed by "Z" or an offset "+HH:MM"; without one the time is local in `zone`.
/// So every time mxtrace prints is accepted back: JSON's "2023-03-14T10:00:00.579644Z", the text
/// output's and info's "2023-03-14 10:00:00". The syslog form "Mar 14 10:00:00" ("Mar  4 ...")
/// is local in `zone`, in the year of `now` (the year before if that is more than a day ahead).
/// Blanks around the text and a trailing CR (a CSV cell) are ignored.
/// With `upper` set, a date alone means the end of that day (23:59:59.999999), and a time
/// without seconds the end of that minute. Relative forms count back from `now`: "N" followed by
/// s, m, h, d or w ("2h", "3d"), "now", "today" and "yesterday" (local days; as an upper bound,
/// their end).
/// @throws Error(usage) naming the accepted forms when `text` is none of them.
Micros parse_user_time(std::string_view text, bool upper, Zone& zone, Micros now = 0);

} // namespace mxtrace
