// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/read/clock.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace mxtrace;

namespace {
Micros utc(int y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s) {
    return seconds_from_civil(y, mo, d, h, mi, s) * kMicrosPerSecond;
}
/// A classic line's wall fields.
SyslogLine wall(unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s) {
    SyslogLine l;
    l.mon = static_cast<unsigned char>(mo);
    l.day = static_cast<unsigned char>(d);
    l.sod = static_cast<std::int32_t>(h * 3600 + mi * 60 + s);
    return l;
}
ClockState from_year(int y) { return ClockState{YearSource::flag, y, y, INT64_MIN, "-y", {}}; }
} // namespace

TEST_CASE("queue IDs that encode their time") {
    // Sendmail: YMDhms in base 60, UTC; the year is 1900 + Y mod 60, taken nearest
    CHECK(sendmail_qid_time("pBFERI8l019936", 2011) == utc(2011, 12, 15, 14, 27, 18));
    CHECK(sendmail_qid_time("pBFERI8l019936", 2030) == utc(2011, 12, 15, 14, 27, 18));
    CHECK(sendmail_qid_time("jA9J1UvC004306", 2005) == utc(2005, 11, 9, 19, 1, 30));
    CHECK_FALSE(sendmail_qid_time("short", 2011));
    CHECK_FALSE(sendmail_qid_time("pZFERI8l019936", 2011)); // month 35
    // Postfix long queue IDs: base-52 seconds and microseconds
    CHECK(postfix_long_qid_time("4PbC4x469Jz3tBr") == utc(2023, 3, 13, 23, 8, 33) + 579140);
    CHECK_FALSE(postfix_long_qid_time("3F1A2B4C5D"));
}

TEST_CASE("time moves forward: New Year, stragglers, small steps back") {
    Zone z("UTC");
    FileClock c(z, from_year(2011), utc(2030, 1, 1, 0, 0, 0));
    CHECK(c.classic(wall(12, 31, 23, 59, 58)) == utc(2011, 12, 31, 23, 59, 58));
    CHECK(c.classic(wall(1, 1, 0, 0, 1)) == utc(2012, 1, 1, 0, 0, 1));
    // a line of Dec 31 logged after the first of Jan 1: a straggler, the year stays 2012
    CHECK(c.classic(wall(12, 31, 23, 59, 59)) == utc(2011, 12, 31, 23, 59, 59));
    CHECK(c.classic(wall(1, 1, 0, 0, 2)) == utc(2012, 1, 1, 0, 0, 2));
    // a small step back is not a new year
    CHECK(c.classic(wall(1, 1, 0, 0, 0)) == utc(2012, 1, 1, 0, 0, 0));
    // a quiet spell of months is fine
    CHECK(c.classic(wall(9, 1, 0, 0, 0)) == utc(2012, 9, 1, 0, 0, 0));
    CHECK(c.state().year == 2012);
    CHECK(c.state().first_year == 2011);
}

TEST_CASE("never in the future; Feb 29 only in leap years") {
    Zone z("UTC");
    FileClock c(z, from_year(2012), utc(2012, 1, 1, 0, 10, 0));
    CHECK(c.classic(wall(12, 30, 10, 0, 0)) == utc(2011, 12, 30, 10, 0, 0));
    FileClock leap(z, from_year(2013), utc(2030, 1, 1, 0, 0, 0));
    CHECK(leap.classic(wall(2, 29, 12, 0, 0)) == utc(2012, 2, 29, 12, 0, 0));
}

TEST_CASE("DST overlap resolved by line order") {
    Zone vienna("Europe/Vienna");
    FileClock c(vienna, from_year(2021), utc(2030, 1, 1, 0, 0, 0));
    CHECK(c.classic(wall(10, 31, 2, 53, 38)) == utc(2021, 10, 31, 0, 53, 38)); // CEST
    CHECK(c.classic(wall(10, 31, 2, 58, 0)) == utc(2021, 10, 31, 0, 58, 0));
    CHECK(c.classic(wall(10, 31, 2, 0, 12)) == utc(2021, 10, 31, 1, 0, 12));   // again, CET
    CHECK(c.classic(wall(10, 31, 2, 5, 7)) == utc(2021, 10, 31, 1, 5, 7));
    CHECK(c.classic(wall(10, 31, 3, 0, 0)) == utc(2021, 10, 31, 2, 0, 0));
    // the gap of spring: 02:30 does not exist; read with the offset before it
    FileClock s(vienna, from_year(2021), utc(2030, 1, 1, 0, 0, 0));
    CHECK(s.classic(wall(3, 28, 1, 59, 0)) == utc(2021, 3, 28, 0, 59, 0));
    CHECK(s.classic(wall(3, 28, 3, 7, 48)) == utc(2021, 3, 28, 1, 7, 48));
}

TEST_CASE("inferring the year from the head of a file") {
    Zone z("UTC");
    std::vector<std::string> warnings;
    auto warn = [&](const std::string& w) { warnings.push_back(w); };
    const std::string sendmail =
        "Dec 15 14:27:18 smtp sm-mta[19936]: pBFERI8l019936: from=<bob@foo.com>, size=2417, class=0, nrcpts=1, "
        "msgid=<x@foo.com>, proto=ESMTP, daemon=MTA, relay=ws12.foo.com [192.0.2.10]\n";
    SUBCASE("data beats the mtime") {
        auto st = FileClock::infer(sendmail, z, std::nullopt, utc(2026, 11, 30, 0, 0, 0), YearSource::mtime, "f", warn);
        CHECK(st.source == YearSource::data);
        CHECK(st.first_year == 2011);
        CHECK(warnings.empty());
    }
    SUBCASE("the flag rules, but a disagreement is reported") {
        auto st = FileClock::infer(sendmail, z, 2013, utc(2026, 11, 30, 0, 0, 0), YearSource::mtime, "f", warn);
        CHECK(st.source == YearSource::flag);
        CHECK(st.first_year == 2013);
        REQUIRE(warnings.size() == 1);
        CHECK(warnings[0].find("2011") != std::string::npos);
    }
    SUBCASE("mtime: the year that puts the first line at or before it") {
        auto st = FileClock::infer("Dec 20 10:00:00 h sshd[1]: x\n", z, std::nullopt, utc(2012, 1, 1, 0, 5, 0),
                                   YearSource::mtime, "f", warn);
        CHECK(st.source == YearSource::mtime);
        CHECK(st.first_year == 2011);
    }
    SUBCASE("an RFC 3339 line next to classic ones") {
        auto st = FileClock::infer("May 11 04:02:36 h p[1]: x\n2024-08-26T01:33:38+00:00 h p[1]: y\n", z, std::nullopt,
                                   utc(2026, 11, 30, 0, 0, 0), YearSource::mtime, "f", warn);
        CHECK(st.source == YearSource::data);
        CHECK(st.first_year == 2024);
    }
}
