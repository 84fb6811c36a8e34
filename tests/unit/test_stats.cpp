// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace stats: grouping of reasons, percentiles, and the counting rules of StatsBuilder.
#include "mxtrace/query/stats.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace mxtrace;

TEST_CASE("reason_group takes out addresses, IPs, queue IDs and numbers, keeps reply and status codes") {
    CHECK(reason_group("host mx.example.net[203.0.113.25] said: 450 4.7.1 <bob@example.net>: Recipient address "
                       "rejected: Greylisted for 300 seconds (in reply to RCPT TO command)") ==
          "host mx.example.net[<ip>] said: 450 4.7.1 <<addr>>: Recipient address rejected: Greylisted for # seconds "
          "(in reply to RCPT TO command)");
    // two texts that differ only in the address and number fall into one group
    CHECK(reason_group("connect to mx.foo.com[198.51.100.7]:25: Connection timed out") ==
          reason_group("connect to mx.foo.com[198.51.100.9]:25: Connection timed out"));
    CHECK(reason_group("connect to mx.foo.com[198.51.100.7]:25: Connection timed out") ==
          "connect to mx.foo.com[<ip>]:#: Connection timed out");
    // a reply code at the start or after ": ", and an enhanced status code, stay; later numbers go and an enhanced status code stay; later numbers go
    CHECK(reason_group("550 5.1.1 User unknown") == "550 5.1.1 User unknown");
    CHECK(reason_group("421 4.4.2 too many errors after 3 commands") == "421 4.4.2 too many errors after # commands");
    // queue IDs (letters and digits, 8 or more) become <id>
    CHECK(reason_group("250 2.0.0 Ok: queued as 4PbLk23X4Rz0") == "250 2.0.0 Ok: queued as <id>");
    CHECK(reason_group("250 OK id=1hHB5F-0002Ui-Lq") == "250 OK id=<id>");
    // IPv6 addresses, not times of day
    CHECK(reason_group("connect to [2001:db8::25]:25: Network is unreachable") ==
          "connect to [<ip>]:#: Network is unreachable");
    CHECK(reason_group("try again at 12:30:01") == "try again at #:#:#");
    // white space runs become one space; words are kept
    CHECK(reason_group("  lost   connection\twith  host ") == "lost connection with host");
    CHECK(reason_group("") == "");
    // long texts are cut (not inside a UTF-8 sequence)
    std::string long_text(200, 'x');
    CHECK(reason_group(long_text) == std::string(160, 'x') + "...");
}

TEST_CASE("percentile by nearest rank") {
    std::vector<double> v;
    CHECK(percentile(v, 50) == -1);
    v = {7};
    CHECK(percentile(v, 50) == 7);
    CHECK(percentile(v, 99) == 7);
    v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    CHECK(percentile(v, 50) == 5);   // rank ceil(5) = 5
    CHECK(percentile(v, 90) == 9);   // rank 9
    CHECK(percentile(v, 99) == 10);  // rank ceil(9.9) = 10
    CHECK(percentile(v, 100) == 10);
    CHECK(percentile(v, 1) == 1);
    std::vector<double> h;
    for (int i = 1; i <= 1000; ++i) h.push_back(i);
    CHECK(percentile(h, 99) == 990);
    CHECK(percentile(h, 50) == 500);
}

namespace {
Attempt attempt(Micros t, std::string rcpt, std::string relay, Status s, double delay, std::string text) {
    Attempt a;
    a.time = t;
    a.recipient = std::move(rcpt);
    a.relay = std::move(relay);
    a.status = s;
    a.delay = delay;
    a.text = std::move(text);
    return a;
}
constexpr Micros kSec = 1000000;
} // namespace

TEST_CASE("StatsBuilder: a content filter's re-injection is one message, its hand-off no delivery") {
    Transaction in;
    in.host = "mx";
    in.queue_id = "4A1B2C3D01";
    in.first_time = 3600 * kSec;
    in.last_time = in.first_time + 5 * kSec;
    in.sender = "Bob@Example.COM";
    in.client_name = "mail.example.com";
    in.client_ip = "192.0.2.1";
    in.size = 1000;
    in.attempts.push_back(attempt(in.first_time + 2 * kSec, "ann@example.org", "127.0.0.1[127.0.0.1]:10024",
                                  Status::sent, 2, "250 2.0.0 Ok: queued as 5B1B2C3D02"));
    Transaction back;
    back.host = "mx";
    back.queue_id = "5B1B2C3D02";
    back.first_time = in.first_time + 1 * kSec;
    back.last_time = back.first_time + 3 * kSec;
    back.sender = "Bob@Example.COM";
    back.client_name = "localhost";
    back.client_ip = "127.0.0.1";
    back.size = 1200;
    back.attempts.push_back(attempt(back.first_time + 2 * kSec, "ann@example.org", "mx.example.org[198.51.100.2]:25",
                                    Status::deferred, 1, "connect to mx.example.org[198.51.100.2]:25: Connection timed out"));
    back.attempts.push_back(attempt(back.first_time + 90 * kSec, "ann@example.org", "mx.example.org[198.51.100.2]:25",
                                    Status::sent, 91, "250 ok"));
    Transaction local; // a message submitted on the host itself by SMTP: received, not a re-injection
    local.host = "mx";
    local.queue_id = "6C1B2C3D03";
    local.first_time = in.first_time + 10 * kSec;
    local.last_time = local.first_time;
    local.sender = "";
    local.client_name = "localhost";
    local.client_ip = "127.0.0.1";
    local.attempts.push_back(attempt(local.first_time, "x@example.net", "none", Status::bounced, 0, "Host not found"));
    StatsBuilder b(nullptr, 5);
    b.add(back); // the re-injected copy first: the decision waits for the hand-off
    b.add(in);
    b.add(local);
    StatsReport r = b.finish();
    CHECK(r.transactions == 3);
    CHECK(r.received == 2);
    CHECK(r.reinjected == 1);
    CHECK(r.filtered == 1);
    CHECK(r.delivered.recipients == 1);
    CHECK(r.delivered.messages == 1);
    CHECK(r.deferred.messages == 1);
    CHECK(r.deferrals == 1);
    CHECK(r.bounced.recipients == 1);
    CHECK(r.bytes_received == 1000);
    CHECK(r.bytes_delivered == 1200);
    REQUIRE(r.senders.size() == 2);
    CHECK(r.senders[0] == std::pair<std::string, std::uint64_t>{"<>", 1});
    CHECK(r.senders[1] == std::pair<std::string, std::uint64_t>{"Bob@example.com", 1}); // domain lower case only
    REQUIRE(r.recipients.size() == 1);
    CHECK(r.recipients[0].first == "ann@example.org");
    CHECK(r.per_hour[1].received == 2);
    CHECK(r.per_hour[1].delivered == 1);
    REQUIRE(r.per_day.size() == 1);
    CHECK(r.per_day[0].first == "1970-01-01");
    CHECK(r.delay.count == 1);
    CHECK(r.delay.p50 == 91);
    REQUIRE(r.deferred_longest.size() == 1);
    CHECK(r.deferred_longest[0].queue_id == "5B1B2C3D02");
    CHECK(r.deferred_longest[0].seconds == 90);
    CHECK(r.deferred_longest[0].final_status == Status::sent);
    REQUIRE(r.deferral_reasons.size() == 1);
    CHECK(r.deferral_reasons[0].group == "connect to mx.example.org[<ip>]:#: Connection timed out");
}
