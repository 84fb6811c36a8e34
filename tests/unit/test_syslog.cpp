// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/read/syslog.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

using namespace mxtrace;

TEST_CASE("classic syslog envelope") {
    Zone utc("UTC");
    SyslogParser p(utc, 2011);
    SyslogLine l;
    REQUIRE(p.parse("Dec 15 14:27:18 smtp sm-mta[19936]: pBFERI8l019936: from=<bob@foo.com>", l));
    CHECK(l.time == seconds_from_civil(2011, 12, 15, 14, 27, 18) * kMicrosPerSecond);
    CHECK_FALSE(l.has_year);
    CHECK(l.host == "smtp");
    CHECK(l.program == "sm-mta");
    CHECK(l.pid == "19936");
    CHECK(l.message == "pBFERI8l019936: from=<bob@foo.com>");

    SUBCASE("space-padded and unpadded day") {
        REQUIRE(p.parse("Apr  2 00:15:25 mta001 sendmail[32300]: x", l));
        CHECK(l.time == seconds_from_civil(2011, 4, 2, 0, 15, 25) * kMicrosPerSecond);
        REQUIRE(p.parse("Mar 7 02:09:33 h postfix/smtpd[1]: x", l));
        CHECK(l.time == seconds_from_civil(2011, 3, 7, 2, 9, 33) * kMicrosPerSecond);
    }
    SUBCASE("tag without pid, and no tag") {
        REQUIRE(p.parse("Dec 15 14:27:18 smtp kernel: [1.2] eth0 up", l));
        CHECK(l.program == "kernel");
        CHECK(l.pid.empty());
        CHECK(l.message == "[1.2] eth0 up");
        REQUIRE(p.parse("Dec 15 14:27:18 smtp last message repeated 3 times", l));
        CHECK(l.program.empty());
        CHECK(l.message == "last message repeated 3 times");
    }
    SUBCASE("local time of a zone") {
        Zone berlin("Europe/Berlin");
        SyslogParser pb(berlin, 2011);
        REQUIRE(pb.parse("Dec 15 15:27:18 smtp sm-mta[1]: x", l));
        CHECK(l.time == seconds_from_civil(2011, 12, 15, 14, 27, 18) * kMicrosPerSecond);
        REQUIRE(pb.parse("Jul 15 15:27:18 smtp sm-mta[1]: x", l));
        CHECK(l.time == seconds_from_civil(2011, 7, 15, 13, 27, 18) * kMicrosPerSecond);
    }
    SUBCASE("not syslog") {
        CHECK_FALSE(p.parse("", l));
        CHECK_FALSE(p.parse("hello world", l));
        CHECK_FALSE(p.parse("Dec 15 14:27", l));
        CHECK_FALSE(p.parse("Dec 32 14:27:18 h p: x", l));
        CHECK_FALSE(p.parse("Xyz 15 14:27:18 h p: x", l));
        CHECK_FALSE(p.parse("Dec 15 25:27:18 h p: x", l));
        CHECK_FALSE(p.parse(std::string_view("\0\1\2\3\4\5\6\7\10\11\12\13\14\15\16\17\20", 17), l));
    }
}

TEST_CASE("RFC 3339 syslog envelope") {
    Zone utc("UTC");
    SyslogParser p(utc, 1999);
    SyslogLine l;
    REQUIRE(p.parse("2023-03-14T00:08:35.948047+01:00 helga postfix/amavis/smtp[302609]: 4PbC4x469Jz3tBr: to=<a@b>", l));
    CHECK(l.has_year);
    CHECK(l.time == seconds_from_civil(2023, 3, 13, 23, 8, 35) * kMicrosPerSecond + 948047);
    CHECK(l.host == "helga");
    CHECK(l.program == "postfix/amavis/smtp");
    CHECK(l.message == "4PbC4x469Jz3tBr: to=<a@b>");
    REQUIRE(p.parse("2024-08-26T01:33:38Z h postfix/smtpd[1]: x", l));
    CHECK(l.time == seconds_from_civil(2024, 8, 26, 1, 33, 38) * kMicrosPerSecond);
    REQUIRE(p.parse("2020-01-30T06:26:05.4-02:00 h p[1]: x", l));
    CHECK(l.time == seconds_from_civil(2020, 1, 30, 8, 26, 5) * kMicrosPerSecond + 400000);
    CHECK_FALSE(p.parse("2020-13-30T06:26:05Z h p[1]: x", l));
    CHECK_FALSE(p.parse("2020-01-30T06:26:05+0", l));
}

TEST_CASE("rsyslog \"message repeated N times\": applied up to the limit, malformed ones never") {
    const std::string_view text = "NOQUEUE: reject: RCPT from unknown[203.0.113.9]: 554 5.7.1 <s@x.org>: Relay access denied";
    auto repeat = [&](std::string_view count, std::string_view inner = {}) {
        return "message repeated " + std::string(count) + " times: [ " + std::string(inner.empty() ? text : inner) + "]";
    };

    SUBCASE("not a repeat at all") {
        for (std::string_view m : {"", "NOQUEUE: reject: x", "message repeated", "Message repeated 2 times: [ x]", " message repeated 2 times: [ x]"}) {
            CAPTURE(m);
            const Repeat r = rsyslog_repeat(m);
            CHECK(r.kind == Repeat::Kind::none);
            CHECK(r.reason.empty());
        }
    }
    SUBCASE("well formed: N and TEXT, its leading blank dropped") {
        const std::string m = repeat("3");
        const Repeat r = rsyslog_repeat(m);
        CHECK(r.kind == Repeat::Kind::ok);
        CHECK(r.times == 3);
        CHECK(r.inner == text);
        CHECK(r.reason.empty());
        const Repeat one = rsyslog_repeat("message repeated 1 times: [x]"); // no blank after '[' is read too
        CHECK(one.kind == Repeat::Kind::ok);
        CHECK(one.times == 1);
        CHECK(one.inner == "x");
    }
    SUBCASE("the limit: kMaxRepeat is applied, one more is not") {
        CHECK(kMaxRepeat == 1000);
        const std::string at = repeat(std::to_string(kMaxRepeat));
        const Repeat ok = rsyslog_repeat(at);
        CHECK(ok.kind == Repeat::Kind::ok);
        CHECK(ok.times == kMaxRepeat);
        for (std::string_view n : {"1001", "1000000", "4294967297", "18446744073709551615", "18446744073709551616",
                                   "99999999999999999999999"}) {
            CAPTURE(n);
            const std::string m = repeat(n);
            const Repeat r = rsyslog_repeat(m);
            CHECK(r.kind == Repeat::Kind::bad);
            CHECK(r.inner.empty());
            // the reason names N as logged (never a wrapped-around number) and the limit
            CHECK(r.reason == "message repeated " + std::string(n) + " times: over the limit of 1000");
        }
        CHECK(rsyslog_repeat(repeat("1001")).times == 1001);
        CHECK(rsyslog_repeat(repeat("99999999999999999999999")).times == UINT64_MAX);
    }
    SUBCASE("malformed: not applied, with a reason") {
        struct Case { std::string msg; std::string_view reason; };
        const Case cases[] = {
            {repeat("0"), "message repeated 0 times"},
            {repeat("000"), "message repeated 0 times"},
            {repeat("-3"), "without a count"},
            {repeat("+2"), "without a count"},
            {"message repeated times: [ x]", "without a count"},
            {repeat("1e9"), "not in the form"},
            {"message repeated 2 time: [ x]", "not in the form"},
            {"message repeated 2 times [ x]", "not in the form"},
            {"message repeated 2 times: [ " + std::string(text), "closing ']'"},
            {"message repeated 2 times: []", "nothing between"},
            {"message repeated 2 times: [   ]", "nothing between"},
            {"message repeated 2 times: [ message repeated 3 times: [ x]]", "inside another"},
        };
        for (const Case& c : cases) {
            CAPTURE(c.msg);
            const Repeat r = rsyslog_repeat(c.msg);
            CHECK(r.kind == Repeat::Kind::bad);
            CHECK(r.inner.empty());
            CHECK(r.reason.find(c.reason) != std::string::npos);
        }
    }
}
