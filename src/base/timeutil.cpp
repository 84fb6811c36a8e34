// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/base/timeutil.hpp"

#include "mxtrace/base/error.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <ctime>
#include <filesystem>

namespace mxtrace {

std::int64_t days_from_civil(int y, unsigned m, unsigned d) noexcept {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::int64_t seconds_from_civil(int y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s) noexcept {
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

namespace {
struct Civil { int y; unsigned m, d, hh, mm, ss; };

Civil civil_from_seconds(std::int64_t secs) {
    std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    std::int64_t rem = secs - days * 86400;
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<int>(y + (m <= 2)), m, d, static_cast<unsigned>(rem / 3600),
            static_cast<unsigned>(rem % 3600 / 60), static_cast<unsigned>(rem % 60)};
}

/// Zone names of tzdata whose offset is 0 at every instant, with no transitions (the "backward"
/// file's links to Etc/UTC and Etc/GMT, and those targets).
bool utc_alias(std::string_view name) {
    static constexpr std::string_view names[] = {
        "UTC", "UCT", "Universal", "Zulu", "GMT", "GMT0", "GMT+0", "GMT-0", "Greenwich",
        "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "Etc/GMT", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0",
        "Etc/Greenwich"};
    for (auto n : names)
        if (n == name) return true;
    return false;
}

/// The zone /etc/localtime names when it is a symbolic link into a zoneinfo tree, the way the tz
/// library's current_zone() reads it (the resolved path after its last "zoneinfo/"); empty when
/// it is not such a link (the tz library then has other ways, left to it).
std::string system_zone_link() {
    std::error_code ec;
    const std::filesystem::path lt("/etc/localtime");
    if (!std::filesystem::is_symlink(std::filesystem::symlink_status(lt, ec)) || ec) return {};
    const std::string real = std::filesystem::canonical(lt, ec).string();
    if (ec) return {};
    const auto p = real.rfind("zoneinfo");
    if (p == std::string::npos) return {};
    const auto slash = real.find('/', p);
    return slash == std::string::npos ? std::string() : real.substr(slash + 1);
}
} // namespace

Zone::Zone(std::string name) {
    if (name.empty()) {
        if (const char* tz = std::getenv("TZ"); tz && *tz) {
            name = tz[0] == ':' ? tz + 1 : tz;
        } else {
            // this machine's zone (/etc/localtime): loaded only when needed, since loading makes
            // the tz library scan the whole zoneinfo tree; offset_at() asks libc meanwhile
            system_ = true;
            return;
        }
    }
    if (!name.empty() && name[0] == '/') {
        // TZ=:/etc/localtime or a path into the zoneinfo tree: the zone is the file's name there
        std::error_code ec;
        auto real = std::filesystem::canonical(name, ec).string();
        auto p = real.find("zoneinfo/");
        name = (!ec && p != std::string::npos) ? real.substr(p + 9) : std::string();
        if (name.starts_with("posix/") || name.starts_with("right/")) name = name.substr(6);
    }
    load(name);
}

void Zone::load(const std::string& name) {
    if (utc_alias(name)) {
        utc_ = 1;
        name_ = name;
        return;
    }
    utc_ = 0;
    try {
        zone_ = name.empty() ? date::current_zone() : date::locate_zone(name);
    } catch (const std::exception& e) {
        throw Error(ExitCode::usage, fmt::format("unknown time zone '{}' ({})", name, e.what()),
                    "use an IANA zone name such as Europe/Berlin or UTC, and check that the tzdata package is installed");
    }
    name_ = std::string(zone_->name());
}

bool Zone::utc() {
    if (utc_ < 0) {
        // this machine's zone: a link to a UTC alias needs no tz database
        if (std::string link = system_zone_link(); utc_alias(link)) {
            utc_ = 1;
            name_ = std::move(link);
        } else {
            load({});
        }
    }
    return utc_ == 1;
}

const date::time_zone* Zone::tz() {
    if (!zone_) load({});
    return zone_;
}

const std::string& Zone::name() {
    utc();
    return name_;
}

std::int64_t Zone::local_to_utc(std::int64_t local_seconds) {
    if (utc()) return local_seconds;
    const std::int64_t bucket = floor_div(local_seconds, 900);
    if (bucket == l2u_bucket_) return local_seconds - l2u_offset_;
    auto info = tz()->get_info(date::local_seconds{std::chrono::seconds{local_seconds}});
    const std::int64_t off = info.first.offset.count();
    if (info.result == date::local_info::unique) {
        l2u_bucket_ = bucket;
        l2u_offset_ = off;
    }
    return local_seconds - off;
}

std::pair<std::int64_t, std::int64_t> Zone::local_to_utc_both(std::int64_t local_seconds) {
    if (utc()) return {local_seconds, local_seconds};
    const std::int64_t bucket = floor_div(local_seconds, 900);
    if (bucket == l2u_bucket_) return {local_seconds - l2u_offset_, local_seconds - l2u_offset_};
    auto info = tz()->get_info(date::local_seconds{std::chrono::seconds{local_seconds}});
    const std::int64_t first = local_seconds - info.first.offset.count();
    if (info.result == date::local_info::ambiguous) return {first, local_seconds - info.second.offset.count()};
    if (info.result == date::local_info::unique) {
        l2u_bucket_ = bucket;
        l2u_offset_ = info.first.offset.count();
    }
    return {first, first};
}

int year_of(Micros t, std::int64_t offset_seconds) {
    return civil_from_seconds(floor_div(t, kMicrosPerSecond) + offset_seconds).y;
}

std::int64_t Zone::offset_at(std::int64_t utc_seconds) {
    if (utc_ == 1) return 0;
    const std::int64_t bucket = floor_div(utc_seconds, 900);
    if (bucket == u2l_bucket_) return u2l_offset_;
    u2l_bucket_ = bucket;
    if (system_ && !zone_) {
        // libc reads the same /etc/localtime
        std::time_t t = static_cast<std::time_t>(utc_seconds);
        std::tm tm{};
        localtime_r(&t, &tm);
        u2l_offset_ = tm.tm_gmtoff;
        return u2l_offset_;
    }
    auto info = tz()->get_info(date::sys_seconds{std::chrono::seconds{utc_seconds}});
    u2l_offset_ = info.offset.count();
    return u2l_offset_;
}

std::string format_time(Micros t, Zone* zone) {
    std::int64_t secs = floor_div(t, kMicrosPerSecond);
    if (zone) secs += zone->offset_at(secs);
    const Civil c = civil_from_seconds(secs);
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", c.y, c.m, c.d, c.hh, c.mm, c.ss);
}

std::string format_rfc3339(Micros t) {
    const std::int64_t secs = floor_div(t, kMicrosPerSecond);
    const std::int64_t us = t - secs * kMicrosPerSecond;
    const Civil c = civil_from_seconds(secs);
    if (us)
        return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", c.y, c.m, c.d, c.hh, c.mm, c.ss, us);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", c.y, c.m, c.d, c.hh, c.mm, c.ss);
}

namespace {
bool take_digits(std::string_view& s, std::size_t n, unsigned& out) {
    if (s.size() < n) return false;
    unsigned v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + static_cast<unsigned>(s[i] - '0');
    }
    out = v;
    s.remove_prefix(n);
    return true;
}
bool take_char(std::string_view& s, char c) {
    if (s.empty() || s[0] != c) return false;
    s.remove_prefix(1);
    return true;
}
} // namespace

Micros parse_user_time(std::string_view text, bool upper, Zone& zone, Micros now) {
    auto bad = [&]() {
        return Error(ExitCode::usage, fmt::format("cannot read time '{}'", text),
                     "accepted forms: YYYY-MM-DD, 'YYYY-MM-DD HH:MM', 'YYYY-MM-DD HH:MM:SS[.FRACTION]', optionally "
                     "followed by Z or +HH:MM (RFC 3339, T or space), times without an offset being local; "
                     "the syslog form 'Mar 14 10:00:00' (local, this year); or relative: "
                     "2h, 30m, 3d, 1w, now, today, yesterday");
    };
    std::string_view s = text;
    // surrounding blanks, and the CR of a CSV row pasted with $(...), are not part of the time
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
    // relative forms
    if (s == "now") return now;
    if (s == "today" || s == "yesterday") {
        const std::int64_t secs = floor_div(now, kMicrosPerSecond);
        const std::int64_t local = secs + zone.offset_at(secs);
        std::int64_t day_start = floor_div(local, 86400) * 86400 - (s == "yesterday" ? 86400 : 0);
        Micros t = zone.local_to_utc(day_start) * kMicrosPerSecond;
        if (upper) t = zone.local_to_utc(day_start + 86400) * kMicrosPerSecond - 1;
        return t;
    }
    if (s.size() >= 2 && std::isdigit(static_cast<unsigned char>(s[0])) && std::string_view("smhdw").find(s.back()) != std::string_view::npos &&
        s.find('-') == std::string_view::npos) {
        std::int64_t n = 0;
        for (char c : s.substr(0, s.size() - 1)) {
            if (c < '0' || c > '9' || n > 100000000) throw bad();
            n = n * 10 + (c - '0');
        }
        const std::int64_t unit = s.back() == 's' ? 1 : s.back() == 'm' ? 60 : s.back() == 'h' ? 3600 : s.back() == 'd' ? 86400 : 604800;
        // at most 10000 years back: 100000000w in microseconds would overflow int64 (and no log is older)
        constexpr std::int64_t kMaxBack = 10000LL * 366 * 86400;
        if (n * unit > kMaxBack)
            throw Error(ExitCode::usage, fmt::format("cannot read time '{}': more than 10000 years before now", text),
                        "give a relative time up to 10000 years (e.g. 520000w), or a date (YYYY-MM-DD)");
        return now - n * unit * kMicrosPerSecond;
    }
    unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    bool classic = false; // "Mar 14 10:00:00": the syslog form, year-less
    if (s.size() >= 4 && std::isalpha(static_cast<unsigned char>(s[0])) && s[3] == ' ') {
        static constexpr std::string_view kMonths = "janfebmaraprmayjunjulaugsepoctnovdec";
        std::string m3;
        for (char c : s.substr(0, 3)) m3 += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const auto at = kMonths.find(m3);
        if (at == std::string_view::npos || at % 3 != 0) throw bad();
        mo = static_cast<unsigned>(at / 3 + 1);
        s.remove_prefix(4);
        if (!s.empty() && s[0] == ' ') s.remove_prefix(1); // "Mar  4"
        if (!take_digits(s, 2, d) && !take_digits(s, 1, d)) throw bad();
        // the year: this year in the zone, or last year if that would be more than a day ahead
        const std::int64_t secs = floor_div(now, kMicrosPerSecond);
        y = static_cast<unsigned>(civil_from_seconds(secs + zone.offset_at(secs)).y);
        classic = true;
    } else if (!take_digits(s, 4, y) || !take_char(s, '-') || !take_digits(s, 2, mo) || !take_char(s, '-') ||
               !take_digits(s, 2, d)) {
        throw bad();
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31) throw bad();
    // reject e.g. Feb 30: the date must survive a round trip
    {
        const Civil c = civil_from_seconds(seconds_from_civil(static_cast<int>(y), mo, d, 0, 0, 0));
        if (c.m != mo || c.d != d) throw bad();
    }
    Micros span = 86400 * kMicrosPerSecond; // the part of time the text leaves open, for upper bounds
    Micros fraction = 0;                     // ".579644": as mxtrace prints in JSON and info
    if (!s.empty() && (s[0] == ' ' || s[0] == 'T' || s[0] == 't')) {
        s.remove_prefix(1);
        if (!take_digits(s, 2, h) || !take_char(s, ':') || !take_digits(s, 2, mi)) throw bad();
        span = 60 * kMicrosPerSecond;
        if (take_char(s, ':')) {
            if (!take_digits(s, 2, sec)) throw bad();
            span = kMicrosPerSecond;
            if (take_char(s, '.') || take_char(s, ',')) {
                std::size_t n = 0;
                Micros scale = kMicrosPerSecond;
                while (!s.empty() && s[0] >= '0' && s[0] <= '9') {
                    if (n < 6) { scale /= 10; fraction += scale * (s[0] - '0'); span = scale; }
                    s.remove_prefix(1);
                    ++n;
                }
                if (n == 0) throw bad();
            }
        }
        if (h > 23 || mi > 59 || sec > 60) throw bad();
    } else if (classic) {
        throw bad(); // a syslog date has a time
    }
    std::int64_t base = seconds_from_civil(static_cast<int>(y), mo, d, h, mi, sec);
    if (classic && !s.empty()) throw bad();
    if (classic && zone.local_to_utc(base) * kMicrosPerSecond > now + 86400 * kMicrosPerSecond) {
        --y; // December's lines read in January
        base = seconds_from_civil(static_cast<int>(y), mo, d, h, mi, sec);
    }
    std::int64_t utc;
    if (s.empty()) {
        utc = zone.local_to_utc(base);
    } else if (s == "Z" || s == "z") {
        utc = base;
    } else {
        int sign = s[0] == '+' ? 1 : s[0] == '-' ? -1 : 0;
        if (!sign) throw bad();
        s.remove_prefix(1);
        unsigned oh = 0, om = 0;
        if (!take_digits(s, 2, oh)) throw bad();
        take_char(s, ':');
        if (!take_digits(s, 2, om) || !s.empty() || oh > 23 || om > 59) throw bad();
        utc = base - sign * static_cast<std::int64_t>(oh * 3600 + om * 60);
    }
    Micros t = utc * kMicrosPerSecond + fraction;
    if (upper) t += span - 1;
    return t;
}

} // namespace mxtrace
