// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/read/clock.hpp"

#include "mxtrace/mta/events.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

namespace mxtrace {

namespace {
constexpr Micros kDay = Micros{86400} * kMicrosPerSecond;
constexpr Micros kYear = Micros{31556952} * kMicrosPerSecond; // 365.2425 days
constexpr Micros kSlack = Micros{600} * kMicrosPerSecond;     // DST: how far back a line may go
constexpr Micros kNever = INT64_MAX / 2;                        // a "now" that no line passes

int b60(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    if (c >= 'a' && c <= 'x') return c - 'a' + 36;
    return -1;
}

int b52(char c) {
    static constexpr std::string_view digits = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
    std::size_t p = digits.find(c);
    return p == std::string_view::npos ? -1 : static_cast<int>(p);
}

std::string offset_text(std::int64_t secs) {
    const char sign = secs < 0 ? '-' : '+';
    secs = std::llabs(secs);
    return fmt::format("{}{:02}:{:02}", sign, secs / 3600, secs % 3600 / 60);
}
} // namespace

std::string_view year_source_name(YearSource s) noexcept {
    switch (s) {
    case YearSource::flag: return "flag";
    case YearSource::data: return "data";
    case YearSource::mtime: return "mtime";
    case YearSource::now: return "now";
    default: return "none";
    }
}

YearSource year_source_from_name(std::string_view s) noexcept {
    for (auto y : {YearSource::flag, YearSource::data, YearSource::mtime, YearSource::now})
        if (year_source_name(y) == s) return y;
    return YearSource::none;
}

std::optional<Micros> sendmail_qid_time(std::string_view q, int near_year) {
    if (q.size() < 12) return std::nullopt;
    int v[6];
    for (int i = 0; i < 6; ++i)
        if ((v[i] = b60(q[static_cast<std::size_t>(i)])) < 0) return std::nullopt;
    if (v[1] > 11 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 59) return std::nullopt;
    const int base = 1900 + v[0];
    const int k = static_cast<int>(std::lround((near_year - base) / 60.0));
    const int year = base + 60 * k;
    return seconds_from_civil(year, static_cast<unsigned>(v[1] + 1), static_cast<unsigned>(v[2]),
                              static_cast<unsigned>(v[3]), static_cast<unsigned>(v[4]), static_cast<unsigned>(v[5])) *
           kMicrosPerSecond;
}

std::optional<Micros> postfix_long_qid_time(std::string_view q) {
    const std::size_t z = q.rfind('z');
    if (q.size() < 12 || z == std::string_view::npos || z < 10) return std::nullopt;
    std::int64_t sec = 0, usec = 0;
    for (std::size_t i = 0; i < 6; ++i) {
        int d = b52(q[i]);
        if (d < 0) return std::nullopt;
        sec = sec * 52 + d;
    }
    for (std::size_t i = 6; i < 10; ++i) {
        int d = b52(q[i]);
        if (d < 0) return std::nullopt;
        usec = usec * 52 + d;
    }
    if (usec >= 1000000) return std::nullopt;
    return sec * kMicrosPerSecond + usec;
}

FileClock::FileClock(Zone& zone, ClockState state, Micros now) : zone_(zone), st_(std::move(state)), now_(now) {}

Micros FileClock::to_utc(int year, const SyslogLine& l) {
    const std::int64_t local = seconds_from_civil(year, l.mon, l.day, 0, 0, 0) + l.sod;
    auto [early, late] = zone_.local_to_utc_both(local);
    Micros t = early * kMicrosPerSecond + l.frac;
    // the repeated hour of a fall-back: the earlier offset until the earlier reading would go back
    if (late != early && st_.prev != INT64_MIN && t < st_.prev - kSlack) t = late * kMicrosPerSecond + l.frac;
    return t;
}

Micros FileClock::classic(const SyslogLine& l) {
    if (st_.source == YearSource::none) {
        if (st_.prev != INT64_MIN) {
            // only RFC 3339 lines before: they give the year
            st_.source = YearSource::data;
            st_.first_year = st_.year;
            st_.evidence = "an RFC 3339 line";
        } else {
            // no head scan ran (a caller without one): the current year
            st_.source = YearSource::now;
            st_.first_year = st_.year = year_of(now_);
        }
    }
    const bool feb29 = l.mon == 2 && l.day == 29;
    auto ok = [&](int y) { return !feb29 || is_leap(y); };
    int y = st_.year;
    if (!ok(y)) {
        // Feb 29 exists only in leap years: the nearest one back
        while (!ok(y)) --y;
    }
    Micros t = to_utc(y, l);
    bool persist = true;
    if (st_.prev != INT64_MIN) {
        const Micros d = t - st_.prev;
        if (d < -2 * kDay) {
            int y1 = y + 1;
            while (!ok(y1)) ++y1;
            const Micros t1 = to_utc(y1, l);
            if (t1 - st_.prev <= 180 * kDay) {
                y = y1; // New Year
                t = t1;
            }
        } else if (d > 300 * kDay) {
            int y0 = y - 1;
            while (!ok(y0)) --y0;
            const Micros t0 = to_utc(y0, l);
            if (t0 >= st_.prev - 2 * kDay) {
                y = y0; // a straggler from before New Year
                t = t0;
                persist = false;
            }
        }
    }
    if (t > now_ + kDay) {
        // never in the future: a year back
        int y0 = y - 1;
        while (!ok(y0)) --y0;
        y = y0;
        t = to_utc(y, l);
    }
    if (persist) st_.year = y;
    if (t > st_.prev) st_.prev = t;
    return t;
}

void FileClock::dated(Micros utc) {
    if (st_.source == YearSource::flag) return; // -y rules the classic lines
    if (utc > st_.prev) st_.prev = utc;
    st_.year = year_of(utc, zone_.offset_at(utc / kMicrosPerSecond));
}

std::string FileClock::check_queue_id(std::string_view qid, bool sendmail, Micros line_utc, std::uint64_t line_no,
                                      const std::string& path) {
    auto q = sendmail ? sendmail_qid_time(qid, year_of(line_utc)) : postfix_long_qid_time(qid);
    if (!q) return {};
    const Micros delta = line_utc - *q;
    if (std::llabs(delta) > 2 * kDay) {
        if (warned_year_) return {};
        warned_year_ = true;
        return fmt::format("{}:{}: queue ID {} was made at {}, but the line reads as {} (year from {}): the year looks "
                           "wrong",
                           path, line_no, qid, format_rfc3339(*q), format_rfc3339(line_utc),
                           year_source_name(st_.source));
    }
    // The line is local time, the queue ID UTC: their difference is the host's offset error.
    const std::int64_t step = 900;
    const std::int64_t err = static_cast<std::int64_t>(std::llround(static_cast<double>(delta) / kMicrosPerSecond / step)) * step;
    const std::int64_t zone_off = zone_.offset_at(line_utc / kMicrosPerSecond);
    if (err != 0) {
        if (warned_offset_) return {};
        warned_offset_ = true;
        st_.offset_note = fmt::format("queue IDs say UTC{}, {} says UTC{}", offset_text(zone_off + err), zone_.name(),
                                      offset_text(zone_off));
        return fmt::format("{}:{}: queue ID {} says the host's UTC offset is {}, but the zone {} gives {}: give --tz",
                           path, line_no, qid, offset_text(zone_off + err), zone_.name(), offset_text(zone_off));
    }
    if (!checked_offset_ && !warned_offset_) {
        checked_offset_ = true;
        st_.offset_note = fmt::format("queue IDs agree with {} (UTC{})", zone_.name(), offset_text(zone_off));
    }
    return {};
}

ClockState FileClock::infer(std::string_view head, Zone& zone, std::optional<int> flag, Micros limit,
                            YearSource limit_source, const std::string& path,
                            const std::function<void(const std::string&)>& warn) {
    // Simulate the head with a provisional year: the one that puts the first classic line at or
    // before `limit`. Then look for data evidence; it shifts the provisional year.
    SyslogParser parser(zone, 0); // wall-clock fields only: the simulation dates the lines
    SyslogLine l;
    Event ev;
    ClockState st;
    std::size_t pos = 0;
    std::uint64_t line_no = 0;
    std::optional<FileClock> sim;     // the classic lines alone, from the provisional year
    Micros last_rfc = INT64_MIN;      // an RFC 3339 line seen before any classic line
    Micros last_classic = INT64_MIN;  // the simulated time of the latest classic line
    auto conclude = [&](Micros evidence, Micros simulated, const std::string& what) {
        const int shift =
            static_cast<int>(std::lround(static_cast<double>(evidence - simulated) / static_cast<double>(kYear)));
        if (flag) {
            if (shift != 0 && warn)
                warn(fmt::format("{}: the {} says the year is {}, but -y {} makes it {}", path, what,
                                 year_of(evidence), *flag, year_of(simulated)));
            return;
        }
        st.source = YearSource::data;
        st.first_year += shift;
        st.year = st.first_year;
        st.evidence = what;
    };
    while (pos < head.size()) {
        std::size_t nl = head.find('\n', pos);
        if (nl == std::string_view::npos) break; // the cut last line
        std::string_view text = head.substr(pos, nl - pos);
        pos = nl + 1;
        ++line_no;
        if (!parser.parse(text, l)) continue;
        if (l.has_year) {
            if (sim) {
                // an RFC 3339 line right after classic ones: they are close in time
                conclude(l.time, last_classic, fmt::format("RFC 3339 line {}", line_no));
                return st;
            }
            last_rfc = l.time;
            continue;
        }
        if (!sim) {
            // provisional year of the first classic line
            // start from the year after the limit's local year and count down (near New Year the
            // local date may already be in the next year while UTC is not)
            int y = flag ? *flag : year_of(limit, zone.offset_at(limit / kMicrosPerSecond)) + 1;
            if (!flag) {
                FileClock probe(zone, ClockState{YearSource::mtime, y, y, INT64_MIN, {}, {}}, kNever);
                while (probe.to_utc(y, l) > limit + kDay || (l.mon == 2 && l.day == 29 && !is_leap(y))) --y;
            }
            st.source = flag ? YearSource::flag : limit_source;
            st.first_year = st.year = y;
            st.evidence = flag ? "-y" : limit_source == YearSource::mtime ? "the file's modification time"
                                                                           : "the current date";
            sim.emplace(zone, st, kNever);
        }
        const Micros t = sim->classic(l);
        last_classic = t;
        if (last_rfc != INT64_MIN) {
            conclude(last_rfc, t, fmt::format("RFC 3339 line before line {}", line_no));
            return st;
        }
        // a queue ID made when this line was written
        ev.clear();
        if (parse_mail_line(l.program, l.message, ev) != LineClass::event) continue;
        std::optional<Micros> q;
        std::string what;
        if (ev.shape == Shape::sm_from) {
            q = sendmail_qid_time(ev.queue_id, year_of(t));
            what = fmt::format("Sendmail queue ID {} on line {}", ev.queue_id, line_no);
        } else if (ev.shape == Shape::pf_client || ev.shape == Shape::pf_pickup || ev.shape == Shape::pf_message_id) {
            q = postfix_long_qid_time(ev.queue_id);
            what = fmt::format("Postfix queue ID {} on line {}", ev.queue_id, line_no);
        }
        if (!q) continue;
        conclude(*q, t, what);
        return st;
    }
    if (!sim) {
        // no classic line in the head: decided on the first classic line, if any comes
        st = ClockState{};
        if (flag) st = ClockState{YearSource::flag, *flag, *flag, INT64_MIN, "-y", {}};
        return st;
    }
    return st;
}

} // namespace mxtrace
