// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/base/error.hpp"
#include "mxtrace/base/timeutil.hpp"

#include <date/tz.h>

#include <cstdlib>
#include <ctime>
#include <string>

#include <doctest/doctest.h>

using namespace mxtrace;

TEST_CASE("civil time arithmetic") {
    CHECK(days_from_civil(1970, 1, 1) == 0);
    CHECK(days_from_civil(2000, 3, 1) == 11017);
    CHECK(seconds_from_civil(2011, 12, 15, 14, 27, 18) == 1323959238);
    CHECK(format_rfc3339(1323959238 * kMicrosPerSecond) == "2011-12-15T14:27:18Z");
    CHECK(format_rfc3339(1323959238 * kMicrosPerSecond + 5) == "2011-12-15T14:27:18.000005Z");
    CHECK(format_time(1323959238 * kMicrosPerSecond, nullptr) == "2011-12-15 14:27:18");
    Zone ny("America/New_York");
    CHECK(format_time(1323959238 * kMicrosPerSecond, &ny) == "2011-12-15 09:27:18");
}

TEST_CASE("times given on the command line") {
    Zone utc("UTC");
    const Micros day = seconds_from_civil(2011, 12, 15, 0, 0, 0) * kMicrosPerSecond;
    CHECK(parse_user_time("2011-12-15", false, utc) == day);
    CHECK(parse_user_time("2011-12-15", true, utc) == day + 86400 * kMicrosPerSecond - 1);
    CHECK(parse_user_time("2011-12-15 14:27", false, utc) == day + (14 * 3600 + 27 * 60) * kMicrosPerSecond);
    CHECK(parse_user_time("2011-12-15 14:27", true, utc) == day + (14 * 3600 + 28 * 60) * kMicrosPerSecond - 1);
    CHECK(parse_user_time("2011-12-15 14:27:18", false, utc) == 1323959238 * kMicrosPerSecond);
    CHECK(parse_user_time("2011-12-15T14:27:18", true, utc) == 1323959239 * kMicrosPerSecond - 1);
    CHECK(parse_user_time("2011-12-15T15:27:18+01:00", false, utc) == 1323959238 * kMicrosPerSecond);
    CHECK(parse_user_time("2011-12-15T14:27:18Z", false, utc) == 1323959238 * kMicrosPerSecond);
    Zone berlin("Europe/Berlin");
    CHECK(parse_user_time("2011-12-15 15:27:18", false, berlin) == 1323959238 * kMicrosPerSecond);
    // relative forms, from an injected now (2011-12-15 14:27:18 UTC = 15:27:18 in Berlin)
    const Micros now = 1323959238 * kMicrosPerSecond;
    CHECK(parse_user_time("now", false, berlin, now) == now);
    CHECK(parse_user_time("2h", false, berlin, now) == now - 7200 * kMicrosPerSecond);
    CHECK(parse_user_time("3d", true, berlin, now) == now - 3 * 86400 * kMicrosPerSecond);
    CHECK(parse_user_time("1w", false, berlin, now) == now - 7 * 86400 * kMicrosPerSecond);
    CHECK(parse_user_time("today", false, berlin, now) == seconds_from_civil(2011, 12, 14, 23, 0, 0) * kMicrosPerSecond);
    CHECK(parse_user_time("today", true, berlin, now) == seconds_from_civil(2011, 12, 15, 23, 0, 0) * kMicrosPerSecond - 1);
    CHECK(parse_user_time("yesterday", false, berlin, now) == seconds_from_civil(2011, 12, 13, 23, 0, 0) * kMicrosPerSecond);
    CHECK(parse_user_time("yesterday", true, berlin, now) == seconds_from_civil(2011, 12, 14, 23, 0, 0) * kMicrosPerSecond - 1);
    CHECK_THROWS_AS(parse_user_time("2x", false, berlin, now), Error);
    CHECK_THROWS_AS(parse_user_time("h", false, berlin, now), Error);
    for (const char* bad : {"", "yesterday-ish", "2011-12-32", "2011-02-30", "2011-12-15 25:00", "2011-12-15 14",
                            "2011-12-15 14:27:18+1", "15/12/2011"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(parse_user_time(bad, false, utc), Error);
    }
    // huge relative values: an error, not a signed overflow (999999999w in microseconds is ~6e20)
    CHECK(parse_user_time("520000w", false, utc, now) == now - 520000LL * 604800 * kMicrosPerSecond);
    for (const char* huge : {"999999999w", "100000000w", "99999999999999w", "999999999d", "5300000w"}) {
        CAPTURE(huge);
        CHECK_THROWS_AS(parse_user_time(huge, false, utc, now), Error);
    }
    try {
        parse_user_time("soon", false, utc);
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::usage);
        CHECK(std::string(e.hint()).find("YYYY-MM-DD") != std::string::npos);
    }
}

TEST_CASE("times mxtrace prints, and the syslog form, are accepted back") {
    Zone utc("UTC");
    const Micros t = 1678788000 * kMicrosPerSecond; // 2023-03-14 10:00:00 UTC
    // JSON and CSV print RFC 3339 with microseconds; the text output and info "YYYY-MM-DD HH:MM:SS"
    CHECK(parse_user_time(format_rfc3339(t + 579644), false, utc) == t + 579644);
    CHECK(parse_user_time("2023-03-14T10:00:00.579644Z", true, utc) == t + 579644);
    CHECK(parse_user_time("2023-03-14T10:00:00.5Z", false, utc) == t + 500000);
    CHECK(parse_user_time("2023-03-14T10:00:00.5Z", true, utc) == t + 600000 - 1);
    CHECK(parse_user_time("2023-03-14 11:00:00.25+01:00", false, utc) == t + 250000);
    CHECK(parse_user_time("2023-03-14T10:00:00.123456789Z", false, utc) == t + 123456);
    CHECK(parse_user_time(format_time(t, &utc), false, utc) == t);
    // a CSV cell pasted with $(...) keeps its CR; blanks around are not part of the time
    CHECK(parse_user_time("2023-03-14T10:00:00Z\r", false, utc) == t);
    CHECK(parse_user_time(" 2023-03-14 10:00:00 ", false, utc) == t);
    // syslog: this year, or the year before when that would be more than a day ahead of now
    const Micros now = seconds_from_civil(2023, 6, 1, 0, 0, 0) * kMicrosPerSecond;
    CHECK(parse_user_time("Mar 14 10:00:00", false, utc, now) == t);
    CHECK(parse_user_time("mar 14 10:00:00", true, utc, now) == t + kMicrosPerSecond - 1);
    CHECK(parse_user_time("Mar  4 10:00:00", false, utc, now) == t - 10 * 86400 * kMicrosPerSecond);
    CHECK(parse_user_time("Dec 31 23:00:00", false, utc, now) == seconds_from_civil(2022, 12, 31, 23, 0, 0) * kMicrosPerSecond);
    Zone berlin("Europe/Berlin");
    CHECK(parse_user_time("Mar 14 11:00:00", false, berlin, now) == t);
    for (const char* bad : {"Mar 14", "Foo 14 10:00:00", "Mar 14 10:00:00Z", "2023-03-14T10:00:00.Z", "Mar 32 10:00:00"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(parse_user_time(bad, false, utc, now), Error);
    }
}

TEST_CASE("zones: DST gap and overlap are read deterministically") {
    Zone berlin("Europe/Berlin");
    // 2011-03-27 02:30 local does not exist: read with the offset before the gap (+01:00)
    CHECK(berlin.local_to_utc(seconds_from_civil(2011, 3, 27, 2, 30, 0)) == seconds_from_civil(2011, 3, 27, 1, 30, 0));
    // 2011-10-30 02:30 local happens twice: the first (summer, +02:00) is chosen
    CHECK(berlin.local_to_utc(seconds_from_civil(2011, 10, 30, 2, 30, 0)) == seconds_from_civil(2011, 10, 30, 0, 30, 0));
    CHECK_THROWS_AS(Zone("Not/AZone"), Error);
}

TEST_CASE("this machine's zone: offsets from libc agree with the tz library") {
    const char* old = std::getenv("TZ");
    std::string saved = old ? old : "";
    ::unsetenv("TZ");
    ::tzset();
    Zone sys;                       // lazy: offset_at() asks libc
    const std::int64_t t = 1323959238;
    const std::int64_t via_libc = sys.offset_at(t);
    const std::int64_t summer = sys.offset_at(t - 180 * 86400);
    Zone loaded(sys.name());        // the same zone through the tz library
    CHECK(loaded.offset_at(t) == via_libc);
    CHECK(loaded.offset_at(t - 180 * 86400) == summer);
    if (old) ::setenv("TZ", saved.c_str(), 1);
    ::tzset();
}

// UTC and its aliases are answered without the tz database (which lists the whole zoneinfo tree,
// about 3 ms per process); the answers must be the tz database's.
TEST_CASE("UTC and its aliases give what the tz database gives") {
    const std::int64_t instants[] = {0, 1323959238, 1711846800, 1729990800, -2208988800, 4102444800};
    for (const char* name : {"UTC", "Etc/UTC", "UCT", "Universal", "Zulu", "GMT", "GMT0", "Etc/GMT+0", "Etc/GMT-0",
                             "Greenwich", "Etc/Zulu"}) {
        CAPTURE(name);
        Zone z(name);
        CHECK(z.name() == name);
        const date::time_zone* ref = nullptr;
        try {
            ref = date::locate_zone(name);
        } catch (const std::exception&) {
            continue; // not in this machine's tzdata: nothing to compare with
        }
        CHECK(z.name() == ref->name());
        for (auto t : instants) {
            CHECK(z.offset_at(t) == ref->get_info(date::sys_seconds{std::chrono::seconds{t}}).offset.count());
            CHECK(z.local_to_utc(t) == t);
            CHECK(z.local_to_utc_both(t) == std::pair<std::int64_t, std::int64_t>{t, t});
        }
    }
    // a zone that is UTC only in winter is not taken for UTC
    Zone london("Europe/London");
    CHECK(london.offset_at(1719835200) == 3600); // 2024-07-01 12:00 UTC
    CHECK(london.local_to_utc(1719835200) == 1719835200 - 3600);
}

TEST_CASE("this machine's zone is named as the tz database names it") {
    // $TZ unset: /etc/localtime decides; a link to a UTC alias is answered without the tz database
    const char* saved = std::getenv("TZ");
    const std::string keep = saved ? saved : "";
    unsetenv("TZ");
    tzset();
    std::string ref_name;
    std::int64_t ref_offset = 0;
    bool have_ref = true;
    try {
        const auto* ref = date::current_zone();
        ref_name = ref->name();
        ref_offset = ref->get_info(date::sys_seconds{std::chrono::seconds{1719835200}}).offset.count();
    } catch (const std::exception&) {
        have_ref = false; // no /etc/localtime or no tzdata here
    }
    if (have_ref) {
        Zone z;
        CHECK(z.name() == ref_name);
        CHECK(z.offset_at(1719835200) == ref_offset);
        CHECK(z.local_to_utc(1719835200 + ref_offset) == 1719835200);
    }
    if (saved) setenv("TZ", keep.c_str(), 1);
    tzset();
}
