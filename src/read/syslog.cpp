// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/read/syslog.hpp"

namespace mxtrace {

namespace {
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline unsigned d2(const char* p) { return static_cast<unsigned>((p[0] - '0') * 10 + (p[1] - '0')); }

/// Reads ".ffffff" (any number of digits, microseconds kept) at s[i], moving i past it; 0 if none.
Micros fraction(std::string_view s, std::size_t& i) {
    Micros frac = 0;
    if (i >= s.size() || s[i] != '.') return 0;
    ++i;
    int digits = 0;
    while (i < s.size() && is_digit(s[i])) {
        if (digits < 6) frac = frac * 10 + (s[i] - '0'), ++digits;
        ++i;
    }
    while (digits++ < 6) frac *= 10;
    return frac;
}

/// Days in month `m` (1..12); February has 29 unless `year` is given and is not a leap year.
unsigned days_in_month(unsigned m, int year = 0) {
    static constexpr unsigned kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && year && !is_leap(year)) return 28;
    return kDays[m - 1];
}

// Month from its three-letter English abbreviation, 1..12, or 0.
unsigned month_of(const char* p) {
    switch (p[0]) {
    case 'J': return p[1] == 'a' ? 1 : (p[2] == 'n' ? 6 : (p[2] == 'l' ? 7 : 0));
    case 'F': return p[1] == 'e' ? 2 : 0;
    case 'M': return p[2] == 'r' ? 3 : (p[2] == 'y' ? 5 : 0);
    case 'A': return p[1] == 'p' ? 4 : (p[1] == 'u' ? 8 : 0);
    case 'S': return p[1] == 'e' ? 9 : 0;
    case 'O': return p[1] == 'c' ? 10 : 0;
    case 'N': return p[1] == 'o' ? 11 : 0;
    case 'D': return p[1] == 'e' ? 12 : 0;
    default: return 0;
    }
}
} // namespace

bool SyslogParser::parse_classic(std::string_view& s, SyslogLine& out) {
    // "Mmm dd hh:mm:ss " with dd space- or zero-padded, or a single digit ("Mar 7 02:09:33")
    if (s.size() < 15) return false;
    const char* p = s.data();
    unsigned mon = month_of(p);
    if (!mon || p[3] != ' ') return false;
    std::size_t i = 4;
    if (p[i] == ' ') ++i;
    unsigned day = 0;
    if (!is_digit(p[i])) return false;
    day = static_cast<unsigned>(p[i++] - '0');
    if (is_digit(p[i])) day = day * 10 + static_cast<unsigned>(p[i++] - '0');
    if (p[i++] != ' ' || day < 1 || day > days_in_month(mon)) return false; // Feb 29: FileClock picks a leap year
    if (s.size() < i + 9) return false;
    const char* t = p + i;
    if (!is_digit(t[0]) || !is_digit(t[1]) || t[2] != ':' || !is_digit(t[3]) || !is_digit(t[4]) || t[5] != ':' ||
        !is_digit(t[6]) || !is_digit(t[7]))
        return false;
    unsigned hh = d2(t), mm = d2(t + 3), ss = d2(t + 6);
    if (hh > 23 || mm > 59 || ss > 60) return false;
    i += 8;
    const Micros frac = fraction(s, i); // high-precision classic variant
    if (i >= s.size() || s[i] != ' ') return false;
    out.time = year_ ? zone_.local_to_utc(seconds_from_civil(year_, mon, day, hh, mm, ss)) * kMicrosPerSecond + frac : 0;
    out.has_year = false;
    out.mon = static_cast<unsigned char>(mon);
    out.day = static_cast<unsigned char>(day);
    out.sod = static_cast<std::int32_t>(hh * 3600 + mm * 60 + ss);
    out.frac = frac;
    s.remove_prefix(i + 1);
    return true;
}

bool SyslogParser::parse_rfc3339(std::string_view& s, SyslogLine& out) {
    // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM)
    if (s.size() < 20) return false;
    const char* p = s.data();
    for (int k : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18})
        if (!is_digit(p[k])) return false;
    if (p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != ' ') || p[13] != ':' || p[16] != ':') return false;
    int y = static_cast<int>(d2(p) * 100 + d2(p + 2));
    unsigned mo = d2(p + 5), d = d2(p + 8), hh = d2(p + 11), mm = d2(p + 14), ss = d2(p + 17);
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(mo, y) || hh > 23 || mm > 59 || ss > 60) return false;
    std::size_t i = 19;
    const Micros frac = fraction(s, i);
    std::int64_t secs = seconds_from_civil(y, mo, d, hh, mm, ss);
    if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
        ++i;
    } else if (i + 5 <= s.size() && (s[i] == '+' || s[i] == '-') && is_digit(s[i + 1]) && is_digit(s[i + 2])) {
        // "+01:00" (RFC 3339) or "+0100" (journalctl -o short-iso)
        const std::size_t m = s[i + 3] == ':' ? i + 4 : i + 3;
        if (m + 2 > s.size() || !is_digit(s[m]) || !is_digit(s[m + 1]) || d2(&s[i + 1]) > 23 || d2(&s[m]) > 59) return false;
        std::int64_t off = d2(&s[i + 1]) * 3600 + d2(&s[m]) * 60;
        secs -= s[i] == '+' ? off : -off;
        i = m + 2;
    } else {
        // no offset: a local time with a year (e.g. "2011-12-15 14:27:18 host ...")
        secs = zone_.local_to_utc(secs);
    }
    if (i >= s.size() || s[i] != ' ') return false;
    out.time = secs * kMicrosPerSecond + frac;
    out.has_year = true;
    s.remove_prefix(i + 1);
    return true;
}

bool SyslogParser::parse(std::string_view line, SyslogLine& out) {
    std::string_view s = line;
    if (s.empty()) return false;
    if (is_digit(s[0])) {
        if (!parse_rfc3339(s, out)) return false;
    } else if (!parse_classic(s, out)) {
        return false;
    }
    // host
    std::size_t sp = s.find(' ');
    if (sp == 0 || sp == std::string_view::npos) {
        if (s.empty()) return false;
        out.host = s;
        out.program = {};
        out.pid = {};
        out.message = {};
        return true;
    }
    out.host = s.substr(0, sp);
    s.remove_prefix(sp + 1);
    // tag: program[pid]: or program:
    std::size_t i = 0;
    while (i < s.size() && s[i] != '[' && s[i] != ':' && s[i] != ' ') ++i;
    out.pid = {};
    if (i < s.size() && s[i] == '[') {
        std::size_t close = s.find(']', i);
        if (close != std::string_view::npos && close + 1 < s.size() && s[close + 1] == ':') {
            out.program = s.substr(0, i);
            out.pid = s.substr(i + 1, close - i - 1);
            s.remove_prefix(close + 2);
            if (!s.empty() && s[0] == ' ') s.remove_prefix(1);
            out.message = s;
            return true;
        }
    } else if (i < s.size() && s[i] == ':' && i > 0) {
        out.program = s.substr(0, i);
        s.remove_prefix(i + 1);
        if (!s.empty() && s[0] == ' ') s.remove_prefix(1);
        out.message = s;
        return true;
    }
    out.program = {};
    out.message = s;
    return true;
}

} // namespace mxtrace
