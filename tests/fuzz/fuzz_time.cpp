// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz target: time parsing. The first byte picks what is parsed, the rest is the text:
//  0: -d/-D values (parse_user_time, lower bound)     1: the same as an upper bound
//  2: date: ranges of the query language (parse_time_range)
//  3: log lines dated by a FileClock (year inferred from the head, classic and RFC 3339 stamps,
//     Exim main log stamps), queue ID cross-checks included
//  4: queue IDs that encode a time (Sendmail, Postfix long IDs)
// Bit 0x80 of the first byte reads local times in Europe/Berlin instead of UTC.
#include "fuzz_util.hpp"

#include "mxtrace/base/error.hpp"
#include "mxtrace/read/clock.hpp"
#include "mxtrace/read/syslog.hpp"
#include "mxtrace/store/query.hpp"

#include <string>

using namespace mxtrace;

namespace {
constexpr Micros kNow = Micros{1764936000} * kMicrosPerSecond; // 2025-12-05T12:00:00Z
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Zone utc("UTC");
    static Zone berlin("Europe/Berlin");
    if (size == 0) return 0;
    Zone& zone = data[0] & 0x80 ? berlin : utc;
    const unsigned mode = (data[0] & 0x7f) % 5;
    std::string_view text = fuzz::as_view(data + 1, size - 1);
    switch (mode) {
    case 0:
    case 1:
        try {
            const Micros t = parse_user_time(text, mode == 1, zone, kNow);
            (void)format_time(t, &zone);
            (void)format_rfc3339(t);
        } catch (const Error&) {
        }
        break;
    case 2: {
        std::string error;
        std::size_t at = 0;
        auto r = parse_time_range(text, zone, kNow, &error, &at);
        if (!r && error.empty()) fuzz::fail("parse_time_range failed without saying why");
        if (!r && at > text.size()) fuzz::fail("parse_time_range error place beyond the value");
        break;
    }
    case 3: {
        ClockState st = FileClock::infer(text.substr(0, 4096), zone, std::nullopt, kNow, YearSource::now, "fuzz",
                                         [](const std::string&) {});
        FileClock clock(zone, st, kNow);
        SyslogParser p(zone, 0);
        SyslogLine sl;
        Event ev;
        std::uint64_t n = 0;
        while (!text.empty()) {
            std::string_view line = fuzz::next_line(text);
            ++n;
            const bool ok = SyslogParser::is_exim_mainlog(line) ? p.parse_exim_mainlog(line, sl) : p.parse(line, sl);
            if (!ok) continue;
            if (sl.has_year) clock.dated(sl.time);
            else sl.time = clock.classic(sl);
            (void)format_rfc3339(sl.time);
            ev.clear();
            if (parse_mail_line(sl.program, sl.message, ev) == LineClass::event)
                (void)clock.check_queue_id(ev.queue_id, ev.mta == Mta::sendmail, sl.time, n, "fuzz");
        }
        break;
    }
    case 4: {
        std::string_view qid = text.substr(0, 64);
        int near = 2023;
        if (text.size() > 64) near = static_cast<unsigned char>(text[64]) * 20; // years 0..5100
        if (auto t = sendmail_qid_time(qid, near)) (void)format_rfc3339(*t);
        if (auto t = postfix_long_qid_time(qid)) (void)format_rfc3339(*t);
        break;
    }
    }
    return 0;
}
