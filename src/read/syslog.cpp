// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/read/syslog.hpp"

#include <fmt/format.h>

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

namespace {
/// Length of "YYYY-MM-DD HH:MM:SS[.fff][ +hhmm] " at the start of `s` (with the blank), 0 if none;
/// the civil fields and the offset (seconds east, or INT32_MIN if none) are returned.
std::size_t exim_stamp(std::string_view s, int& y, unsigned& mo, unsigned& d, unsigned& hh, unsigned& mm, unsigned& ss,
                       Micros& frac, std::int32_t& off) {
    if (s.size() < 20) return 0;
    const char* p = s.data();
    for (int k : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18})
        if (!is_digit(p[k])) return 0;
    if (p[4] != '-' || p[7] != '-' || p[10] != ' ' || p[13] != ':' || p[16] != ':') return 0;
    y = static_cast<int>(d2(p) * 100 + d2(p + 2));
    mo = d2(p + 5), d = d2(p + 8), hh = d2(p + 11), mm = d2(p + 14), ss = d2(p + 17);
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(mo, y) || hh > 23 || mm > 59 || ss > 60) return 0;
    std::size_t i = 19;
    frac = fraction(s, i);
    off = INT32_MIN;
    if (i + 6 < s.size() && s[i] == ' ' && (s[i + 1] == '+' || s[i + 1] == '-') && is_digit(s[i + 2]) &&
        is_digit(s[i + 3]) && is_digit(s[i + 4]) && is_digit(s[i + 5]) && s[i + 6] == ' ') {
        off = static_cast<std::int32_t>(d2(&s[i + 2]) * 3600 + d2(&s[i + 4]) * 60);
        if (s[i + 1] == '-') off = -off;
        i += 6;
    }
    if (i >= s.size() || s[i] != ' ') return 0;
    return i + 1;
}

bool is_exim_id_text(std::string_view t) {
    auto b62 = [](char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    if (t.size() != 16 && t.size() != 23) return false;
    const std::size_t dash2 = t.size() == 16 ? 13 : 18;
    for (std::size_t i = 0; i < t.size(); ++i)
        if (i == 6 || i == dash2 ? t[i] != '-' : !b62(t[i])) return false;
    return true;
}
} // namespace

bool SyslogParser::is_exim_mainlog(std::string_view line) noexcept {
    int y;
    unsigned mo, d, hh, mm, ss;
    Micros frac;
    std::int32_t off;
    const std::size_t n = exim_stamp(line, y, mo, d, hh, mm, ss, frac, off);
    if (!n) return false;
    std::string_view r = line.substr(n);
    if (r.size() > 2 && r[0] == '[' && is_digit(r[1])) return true; // +pid
    std::size_t sp = r.find(' ');
    const std::string_view t1 = r.substr(0, sp);
    if (is_exim_id_text(t1)) return true;
    if (sp == std::string_view::npos) return true;
    // syslog with a date: "host program[pid]:" or "host program:"
    for (char c : t1)
        if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-' || c == '_'))
            return true;
    std::string_view t2 = r.substr(sp + 1);
    t2 = t2.substr(0, t2.find(' '));
    if (t2.size() < 2 || t2.back() != ':') return true;
    t2.remove_suffix(1);
    // "program[pid]:" (an ACL's "logwrite = rcpt acl: ..." has the "word word:" shape too)
    if (!t2.ends_with("]")) return true;
    std::size_t lb = t2.find('[');
    if (lb == std::string_view::npos || lb == 0 || lb + 2 > t2.size() - 1) return true;
    for (std::size_t i = lb + 1; i + 1 < t2.size(); ++i)
        if (!is_digit(t2[i])) return true;
    t2 = t2.substr(0, lb);
    for (char c : t2)
        if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '/' || c == '-' || c == '_' ||
              c == '.'))
            return true;
    return false;
}

bool SyslogParser::parse_exim_mainlog(std::string_view line, SyslogLine& out) {
    int y;
    unsigned mo, d, hh, mm, ss;
    Micros frac;
    std::int32_t off;
    const std::size_t n = exim_stamp(line, y, mo, d, hh, mm, ss, frac, off);
    if (!n) return false;
    std::int64_t secs = seconds_from_civil(y, mo, d, hh, mm, ss);
    secs = off == INT32_MIN ? zone_.local_to_utc(secs) : secs - off;
    out.time = secs * kMicrosPerSecond + frac;
    out.has_year = true;
    out.host = {};
    out.program = "exim";
    out.pid = {};
    std::string_view r = line.substr(n);
    // a syslog daemon's template with Exim's stamp: "STAMP HOST exim[PID]: TEXT"
    if (const std::size_t sp = r.find(' '); sp != std::string_view::npos && sp > 0 && sp < 256) {
        std::string_view tag = r.substr(sp + 1);
        const std::size_t open = tag.starts_with("exim[") ? 4 : tag.starts_with("exim4[") ? 5 : 0;
        const std::size_t close = open ? tag.find("]: ") : std::string_view::npos;
        if (close != std::string_view::npos && close > open + 1) {
            out.host = r.substr(0, sp);
            out.program = tag.substr(0, open);
            out.pid = tag.substr(open + 1, close - open - 1);
            r = tag.substr(close + 3);
        }
    }
    if (r.size() > 2 && r[0] == '[' && is_digit(r[1])) {
        std::size_t e = r.find("] ");
        if (e != std::string_view::npos) {
            out.pid = r.substr(1, e - 1);
            r.remove_prefix(e + 2);
        }
    }
    out.message = r;
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

Repeat rsyslog_repeat(std::string_view msg) {
    constexpr std::string_view head = "message repeated ";
    Repeat r;
    if (!msg.starts_with(head)) return r;
    r.kind = Repeat::Kind::bad;
    std::size_t i = head.size();
    bool overflow = false;
    while (i < msg.size() && msg[i] >= '0' && msg[i] <= '9') {
        const auto d = static_cast<std::uint64_t>(msg[i++] - '0');
        if (overflow || r.times > (UINT64_MAX - d) / 10) {
            overflow = true;
            r.times = UINT64_MAX;
        } else {
            r.times = r.times * 10 + d;
        }
    }
    constexpr std::string_view mid = " times: [";
    if (i == head.size()) {
        r.reason = "\"message repeated\" line without a count N";
        return r;
    }
    const std::string_view count = msg.substr(head.size(), i - head.size());
    if (msg.substr(i, mid.size()) != mid) {
        r.reason = "\"message repeated\" line not in the form \"message repeated N times: [ TEXT]\"";
        return r;
    }
    if (!msg.ends_with(']')) {
        r.reason = "\"message repeated\" line without its closing ']' (cut short?)";
        return r;
    }
    std::string_view inner = msg.substr(i + mid.size(), msg.size() - i - mid.size() - 1);
    if (inner.starts_with(' ')) inner.remove_prefix(1);
    if (inner.find_first_not_of(' ') == std::string_view::npos) {
        r.reason = "\"message repeated\" line with nothing between its brackets";
        return r;
    }
    if (inner.starts_with(head)) {
        r.reason = "\"message repeated\" line inside another one";
        return r;
    }
    if (r.times == 0 && !overflow) {
        r.reason = "message repeated 0 times";
        return r;
    }
    if (overflow || r.times > kMaxRepeat) {
        r.reason = fmt::format("message repeated {} times: over the limit of {}", count, kMaxRepeat);
        return r;
    }
    r.kind = Repeat::Kind::ok;
    r.inner = inner;
    return r;
}

} // namespace mxtrace
