// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace stats: grouping of reasons, percentiles, the counting rules of StatsBuilder, and the
// rollups' refresh (its dictionary cache).
#include "mxtrace/query/stats.hpp"
#include "mxtrace/query/stats_rollup.hpp"

#include "mxtrace/base/error.hpp"
#include "tmpdir.hpp"

#include <doctest/doctest.h>

#include <map>
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

namespace {
/// A reject record as the reducer builds one (Reducer::apply_reject_record): queue ID NOQUEUE-...,
/// complete, one rejected attempt.
Transaction reject_record(std::string qid, Micros t, std::string client_name, std::string client_ip,
                          std::optional<std::string> sender, std::string rcpt, std::string code, std::string text) {
    Transaction r;
    r.host = "mx";
    r.mta = Mta::postfix;
    r.queue_id = std::move(qid);
    r.first_time = r.last_time = t;
    r.complete = true;
    r.sender = std::move(sender);
    r.client_name = std::move(client_name);
    r.client_ip = std::move(client_ip);
    Attempt a = attempt(t, std::move(rcpt), "", Status::rejected, -1, std::move(text));
    a.code = std::move(code);
    r.attempts.push_back(std::move(a));
    return r;
}
} // namespace

TEST_CASE("StatsBuilder: reject records are rejects, never received mail; postscreen verdicts apart") {
    const Micros t0 = 7200 * kSec;
    Transaction relay = reject_record("NOQUEUE-1.10", t0, "unknown", "203.0.113.9", "x@Example.NET", "spam@example.net",
                                      "554",
                                      "RCPT from unknown[203.0.113.9]: 554 5.7.1 <spam@example.net>: Relay access "
                                      "denied; from=<x@Example.NET> to=<spam@example.net> proto=ESMTP helo=<a>");
    Transaction relay2 = reject_record("NOQUEUE-1.11", t0 + kSec, "unknown", "203.0.113.9", "y@example.net",
                                       "other@example.net", "554",
                                       "RCPT from unknown[203.0.113.9]: 554 5.7.1 <other@example.net>: Relay access "
                                       "denied; from=<y@example.net> to=<other@example.net> proto=ESMTP helo=<b>");
    Transaction ps = reject_record("NOQUEUE-1.12", t0 + 2 * kSec, "", "203.0.113.140", "", "bob@example.org", "550",
                                   "RCPT from [203.0.113.140]:59750: 550 5.7.1 Service unavailable; client "
                                   "[203.0.113.140] blocked using dnsbl.example.net; from=<>, to=<bob@example.org>, "
                                   "proto=ESMTP, helo=<x>");
    Transaction dnsbl = reject_record("NOQUEUE-1.13", t0 + 2 * kSec, "", "203.0.113.140", std::nullopt, "", "",
                                      "DNSBL rank 3 for [203.0.113.140]:59750");
    Transaction pregreet = reject_record("NOQUEUE-1.14", t0 + 3 * kSec, "", "203.0.113.141", std::nullopt, "", "",
                                         "PREGREET 11 after 0.1 from [203.0.113.141]:4711: EHLO x\\r\\n");
    // a queued message rejected by a header check: one message, received, rejected
    Transaction queued;
    queued.host = "mx";
    queued.mta = Mta::postfix;
    queued.queue_id = "7D1B2C3D04";
    queued.first_time = queued.last_time = t0 + 4 * kSec;
    queued.sender = "spam@spam.example";
    queued.client_name = "mail.spam.example";
    queued.client_ip = "192.0.2.99";
    queued.attempts.push_back(attempt(queued.first_time, "bob@example.org", "", Status::rejected, -1,
                                      "END-OF-MESSAGE from mail.spam.example[192.0.2.99]: 5.7.1 Spam; "
                                      "from=<spam@spam.example> to=<bob@example.org> proto=ESMTP helo=<m>"));
    CHECK(is_postscreen_verdict(dnsbl));
    CHECK(is_postscreen_verdict(pregreet));
    CHECK_FALSE(is_postscreen_verdict(ps));    // postscreen's own reject line is the reject
    CHECK_FALSE(is_postscreen_verdict(queued));
    StatsBuilder b(nullptr, 10);
    for (const Transaction* t : {&relay, &relay2, &ps, &dnsbl, &pregreet, &queued}) b.add(*t);
    StatsReport r = b.finish();
    CHECK(r.transactions == 6);
    CHECK(r.received == 1); // the queued message only
    CHECK(r.headless == 0);
    CHECK(r.distinct_senders == 1);
    REQUIRE(r.senders.size() == 1);
    CHECK(r.senders[0].first == "spam@spam.example");
    REQUIRE(r.clients.size() == 1);
    CHECK(r.clients[0].first == "mail.spam.example[192.0.2.99]");
    CHECK(r.reject_records == 3);
    CHECK(r.postscreen_verdicts == 2);
    CHECK(r.rejected.messages == 4);
    CHECK(r.rejected.recipients == 4);
    CHECK(r.per_hour[2].rejected == 4);
    CHECK(r.per_hour[2].received == 1);
    REQUIRE(r.rejected_clients.size() == 3);
    CHECK(r.rejected_clients[0] == std::pair<std::string, std::uint64_t>{"unknown[203.0.113.9]", 2});
    REQUIRE(r.rejected_senders.size() == 4);
    CHECK(r.rejected_senders[0].first == "<>");
    CHECK(r.rejected_senders[1].first == "spam@spam.example");
    CHECK(r.rejected_senders[2].first == "x@example.net"); // domain lower case
    REQUIRE(r.rejected_recipients.size() == 3);
    CHECK(r.rejected_recipients[0] == std::pair<std::string, std::uint64_t>{"bob@example.org", 2});
    // the two relay rejects differ in client, sender, recipient and HELO: one reason group
    REQUIRE(r.reject_reasons.size() == 3);
    CHECK(r.reject_reasons[0].group == "RCPT: 554 5.7.1 <<addr>>: Relay access denied");
    CHECK(r.reject_reasons[0].count == 2);
    CHECK(r.reject_reasons[0].example == relay.attempts[0].text);
}

TEST_CASE("reject_reason_text keeps the stage and the reply, not the client and the envelope") {
    CHECK(reject_reason_text("RCPT from unknown[2001:db8::1]: 450 4.7.1 <a@b.c>: Helo command rejected: Host not "
                             "found; from=<x@y.z> to=<a@b.c> proto=ESMTP helo=<h>") ==
          "RCPT: 450 4.7.1 <a@b.c>: Helo command rejected: Host not found");
    CHECK(reject_reason_text("CONNECT from [192.0.2.1]:25: 554 5.7.1 no; proto=SMTP") == "CONNECT: 554 5.7.1 no; proto=SMTP");
    // Exim and Sendmail texts, and queued rejects without the "STAGE from" shape, stay as they are
    CHECK(reject_reason_text("550 5.7.1 <a@b.c>... Relaying denied") == "550 5.7.1 <a@b.c>... Relaying denied");
    CHECK(reject_reason_text("header Subject: x from h[192.0.2.1]; from=<a>") == "header Subject: x from h[192.0.2.1]; from=<a>");
    CHECK(reject_reason_text("") == "");
}

TEST_CASE("StatsBuilder: held, discarded, removed, verification probes and filter verdicts") {
    auto txn = [](std::string qid, Micros t) {
        Transaction x;
        x.host = "mx";
        x.mta = Mta::postfix;
        x.queue_id = std::move(qid);
        x.first_time = x.last_time = t;
        x.sender = "a@example.org";
        x.client_name = "c.example.org";
        x.client_ip = "192.0.2.5";
        return x;
    };
    Transaction held = txn("1A0000000A", 0); // held, then released and delivered
    held.attempts.push_back(attempt(0, "b@example.net", "", Status::held, -1, "header X-Spam: YES"));
    held.attempts.push_back(attempt(300 * kSec, "b@example.net", "mx.example.net[198.51.100.7]:25", Status::sent, 300, "250 ok"));
    held.verdict = "opendkim: verified; amavis: Passed CLEAN, score 2.913";
    Transaction removed = txn("1A0000000B", kSec); // held by postsuper, then deleted
    removed.attempts.push_back(attempt(kSec, "", "", Status::held, -1, "placed on hold by postsuper"));
    removed.attempts.push_back(attempt(2 * kSec, "", "", Status::removed, -1, "removed by postsuper"));
    removed.verdict = "amavis: Passed CLEAN, score -1.2";
    Transaction discarded = txn("1A0000000C", 2 * kSec);
    discarded.attempts.push_back(attempt(2 * kSec, "c@example.net", "", Status::discarded, -1, "spam subject"));
    discarded.attempts.push_back(attempt(2 * kSec, "d@example.net", "", Status::discarded, -1, "spam subject"));
    Transaction probe = txn("1A0000000D", 3 * kSec); // address verification: not mail received
    probe.sender = "double-bounce@mx.example.org";
    probe.client_name = "localhost";
    probe.client_ip = "127.0.0.1";
    probe.attempts.push_back(attempt(3 * kSec, "gone@example.net", "mx.example.net[198.51.100.7]:25",
                                     Status::undeliverable, 1, "550 5.1.1 User unknown"));
    Transaction probe2 = txn("1A0000000E", 4 * kSec);
    probe2.sender = "double-bounce@mx.example.org";
    probe2.headless = true;
    probe2.attempts.push_back(attempt(4 * kSec, "here@example.net", "mx.example.net[198.51.100.7]:25",
                                      Status::deliverable, 1, "250 2.1.5 Ok"));
    CHECK(is_verify_probe(probe));
    CHECK_FALSE(is_verify_probe(held));
    StatsBuilder b(nullptr, 10);
    for (const Transaction* t : {&held, &removed, &discarded, &probe, &probe2}) b.add(*t);
    StatsReport r = b.finish();
    CHECK(r.transactions == 5);
    CHECK(r.received == 3);  // not the probes
    CHECK(r.headless == 0);  // a headless probe is a probe
    CHECK(r.distinct_senders == 1);
    CHECK(r.held.messages == 2);
    CHECK(r.held.recipients == 2);
    CHECK(r.removed.messages == 1);
    CHECK(r.discarded.messages == 1);
    CHECK(r.discarded.recipients == 2);
    CHECK(r.delivered.messages == 1);
    CHECK(r.delivered.recipients == 1);
    CHECK(r.bounced.messages == 0); // an undeliverable probe result is no bounce
    CHECK(r.probes_undeliverable.messages == 1);
    CHECK(r.probes_deliverable.messages == 1);
    CHECK(r.bounce_reasons.empty());
    REQUIRE(r.relays.size() == 1);
    CHECK(r.relays[0].second == 1); // probes are not sent mail
    REQUIRE(r.filter_verdicts.size() == 2);
    CHECK(r.filter_verdicts[0] == std::pair<std::string, std::uint64_t>{"amavis: Passed CLEAN", 2});
    CHECK(r.filter_verdicts[1] == std::pair<std::string, std::uint64_t>{"opendkim: verified", 1});
    CHECK(verdict_group("rspamd: no action, score -0.5") == "rspamd: no action");
    CHECK(verdict_group("opendkim: verified") == "opendkim: verified");
}

namespace {
/// Every field of a report as text, to compare two reports whole.
std::string dump(const StatsReport& r) {
    std::string s;
    auto n = [&](const char* k, std::uint64_t v) { s += std::string(k) + "=" + std::to_string(v) + "\n"; };
    n("transactions", r.transactions);
    n("received", r.received);
    n("reinjected", r.reinjected);
    n("headless", r.headless);
    for (const auto* o : {&r.delivered, &r.forwarded, &r.deferred, &r.bounced, &r.expired, &r.rejected})
        n("outcome", o->messages * 1000000 + o->recipients);
    n("deferrals", r.deferrals);
    n("filtered", r.filtered);
    n("bytes", r.bytes_received * 1000000 + r.bytes_delivered);
    n("first", static_cast<std::uint64_t>(r.first_time.value_or(-1)));
    n("last", static_cast<std::uint64_t>(r.last_time.value_or(-1)));
    for (const auto& h : r.per_hour) n("hour", h.received + 10 * h.delivered + 100 * h.deferred + 1000 * h.bounced + 10000 * h.rejected);
    for (const auto& [d, h] : r.per_day) s += d + " " + std::to_string(h.received) + " " + std::to_string(h.delivered) + "\n";
    for (const auto* t : {&r.senders, &r.sender_domains, &r.recipients, &r.recipient_domains, &r.clients, &r.relays})
        for (const auto& [k, v] : *t) s += k + ":" + std::to_string(v) + "\n";
    n("distinct", r.distinct_senders * 1000 + r.distinct_recipients);
    for (const auto* rs : {&r.deferral_reasons, &r.bounce_reasons, &r.reject_reasons})
        for (const auto& x : *rs) s += x.group + "|" + std::to_string(x.count) + "|" + x.example + "\n";
    s += std::to_string(r.delay.count) + " " + std::to_string(r.delay.p50) + " " + std::to_string(r.delay.p90) + " " +
         std::to_string(r.delay.p99) + " " + std::to_string(r.delay.max) + "\n";
    for (const auto& [k, d] : r.delay_by_relay) s += k + " " + std::to_string(d.count) + " " + std::to_string(d.p90) + "\n";
    for (const auto& d : r.deferred_longest) s += d.queue_id + " " + std::to_string(d.seconds) + " " + d.reason + "\n";
    return s;
}
} // namespace

TEST_CASE("StatsBuilder: blobs of disjoint parts merge to the report of the whole, in any order") {
    // a few days of made-up traffic: hand-offs to a content filter whose re-injection falls in
    // another part, deferrals with different texts of one group, delays, rejects
    std::vector<Transaction> all;
    const Micros day = 86400 * kSec;
    for (int i = 0; i < 60; ++i) {
        Transaction t;
        t.id = 100 + i;
        t.host = i % 3 ? "mx1" : "mx2";
        t.queue_id = "Q" + std::to_string(1000 + i);
        t.first_time = day * 19800 + i * 4 * 3600 * kSec + (i % 7) * 61 * kSec;
        t.last_time = t.first_time + 30 * kSec;
        t.sender = "s" + std::to_string(i % 5) + "@Example.COM";
        t.client_name = i % 4 == 1 ? "localhost" : "c" + std::to_string(i % 3) + ".example.net";
        t.client_ip = i % 4 == 1 ? "127.0.0.1" : "192.0.2." + std::to_string(i % 3);
        t.size = 100 + i;
        if (i % 4 == 0) { // hand-off to the filter; the re-injection is transaction i + 1 (loopback client)
            t.host = "mx1";
            t.attempts.push_back(attempt(t.first_time + kSec, "r@example.org", "127.0.0.1[127.0.0.1]:10024", Status::sent, 1,
                                         "250 2.0.0 Ok: queued as Q" + std::to_string(1000 + i + 1)));
        } else {
            if (i % 4 == 1) t.host = "mx1";
            if (i % 5 == 0)
                t.attempts.push_back(attempt(t.first_time + 2 * kSec, "d" + std::to_string(i) + "@example.org", "mx.example.org[198.51.100.2]:25",
                                             Status::deferred, 2, "connect to mx.example.org[198.51.100." + std::to_string(i) + "]:25: timed out"));
            t.attempts.push_back(attempt(t.first_time + (10 + i) * kSec, "d" + std::to_string(i % 9) + "@example.org",
                                         i % 2 ? "mx.example.org[198.51.100.2]:25" : "mx.other.org[198.51.100.3]:25",
                                         i % 11 == 0 ? Status::bounced : Status::sent, 0.5 * (i % 6), "250 ok"));
        }
        all.push_back(std::move(t));
    }
    Zone berlin("Europe/Berlin");
    StatsBuilder whole(&berlin, 4, true);
    for (const auto& t : all) whole.add(t);
    const std::string want = dump(whole.finish());
    // parts: one per (host, UTC day), as the rollups cut them; merged in reverse order, one part added directly
    std::map<std::pair<std::string, Micros>, std::vector<const Transaction*>> parts;
    for (const auto& t : all) parts[{t.host, t.first_time / day}].push_back(&t);
    REQUIRE(parts.size() > 4);
    // an in-memory dictionary, as the store keeps one
    std::map<std::string, std::uint64_t, std::less<>> ids;
    std::vector<std::string> values{""};
    auto intern = [&](std::string_view v) -> std::uint64_t {
        auto it = ids.find(v);
        if (it != ids.end()) return it->second;
        values.emplace_back(v);
        return ids[std::string(v)] = values.size() - 1;
    };
    StatsDictionary dict;
    dict.id_of = [&](std::string_view v) -> std::uint64_t {
        auto it = ids.find(v);
        return it == ids.end() ? 0 : it->second;
    };
    dict.value_of = [&](std::uint64_t id) { return values.at(id); };
    std::vector<std::string> blobs;
    for (const auto& [k, ts] : parts) {
        StatsBuilder p(nullptr, kStatsRollupTop);
        for (auto* t : ts) p.add(*t);
        blobs.push_back(p.serialize(intern));
        StatsBuilder again(nullptr, kStatsRollupTop); // deterministic
        for (auto* t : ts) again.add(*t);
        CHECK(again.serialize(intern) == blobs.back());
    }
    StatsBuilder merged(&berlin, 4);
    for (const Transaction* t : parts.begin()->second) merged.add(*t);
    for (std::size_t i = blobs.size(); i-- > 1;) CHECK(merged.merge(blobs[i]));
    CHECK(merged.hours_exact());
    CHECK(dump(merged.finish(&dict)) == want);
    // and with --top 1: ties at the last count are ordered by value, as top_of does
    StatsBuilder whole1(&berlin, 1, true);
    for (const auto& t : all) whole1.add(t);
    StatsBuilder merged1(&berlin, 1);
    for (const Transaction* t : parts.begin()->second) merged1.add(*t);
    for (std::size_t i = blobs.size(); i-- > 1;) CHECK(merged1.merge(blobs[i]));
    CHECK(dump(merged1.finish(&dict)) == dump(whole1.finish()));
    // a builder asking for more than a blob keeps, or another format, is refused, unchanged
    StatsBuilder big(nullptr, kStatsRollupTop + 1);
    CHECK_FALSE(big.merge(blobs[0]));
    std::string other = blobs[0];
    other[4] = static_cast<char>(kStatsBlobVersion + 1);
    StatsBuilder v(nullptr, 4);
    CHECK_FALSE(v.merge(other));
    CHECK(v.finish().transactions == 0);
    // a cut blob is damage
    StatsBuilder cut(nullptr, 4);
    CHECK_THROWS_AS(cut.merge(std::string_view(blobs[0]).substr(0, blobs[0].size() / 2)), Error);
    // a zone of local mean time is not whole quarter hours: finish() could not place the hours
    Zone lmt("Asia/Kolkata");
    StatsBuilder old(&lmt, 4);
    Transaction t = all[2];
    t.first_time = t.last_time = -2200000000LL * kSec; // 1900: Madras time, +5:21:10
    t.attempts.clear();
    old.add(t);
    CHECK_FALSE(old.hours_exact());
}

TEST_CASE("StatsBuilder: many values tied at the last count of a merged top list are ordered by value") {
    // 300 senders once each over 3 blobs, and one added transaction: the top 5 are the 5 smallest
    std::map<std::string, std::uint64_t, std::less<>> ids;
    std::vector<std::string> values{""};
    auto intern = [&](std::string_view v) -> std::uint64_t {
        auto it = ids.find(v);
        if (it != ids.end()) return it->second;
        values.emplace_back(v);
        return ids[std::string(v)] = values.size() - 1;
    };
    StatsDictionary dict;
    dict.id_of = [&](std::string_view v) -> std::uint64_t {
        auto it = ids.find(v);
        return it == ids.end() ? 0 : it->second;
    };
    std::size_t lookups = 0;
    dict.value_of = [&](std::uint64_t id) { ++lookups; return values.at(id); };
    dict.in_order = [&](const std::function<bool(std::uint64_t, std::string_view)>& f) {
        for (const auto& [v, id] : ids)
            if (!f(id, v)) break;
    };
    auto txn = [](int i) {
        Transaction t;
        t.id = i + 1;
        t.host = "mx";
        t.queue_id = "Q" + std::to_string(i);
        t.first_time = t.last_time = (1000 + i) * kSec;
        t.sender = "u" + std::to_string((i * 7919) % 1000) + "@example.org"; // not in ID order
        t.client_name = "c.example.net";
        return t;
    };
    StatsBuilder whole(nullptr, 5, true), merged(nullptr, 5);
    for (int part = 0; part < 3; ++part) {
        StatsBuilder p(nullptr, kStatsRollupTop);
        for (int i = part * 100; i < part * 100 + 100; ++i) p.add(txn(i)), whole.add(txn(i));
        CHECK(merged.merge(p.serialize(intern)));
    }
    Transaction extra = txn(300);
    extra.sender = "a-first@example.org"; // not in the dictionary: competes by value too
    whole.add(extra);
    merged.add(extra);
    StatsReport a = whole.finish(), b = merged.finish(&dict);
    CHECK(b.senders == a.senders);
    REQUIRE(b.senders.size() == 5);
    CHECK(b.senders[0].first == "a-first@example.org");
    CHECK(b.distinct_senders == 301);
    CHECK(b.clients == a.clients);
    CHECK(lookups < 20); // the tied values came from the ordered walk, not a lookup each
}

TEST_CASE("refresh_stats_rollups: a small dictionary cache gives the same blobs, and the same dictionary") {
    TmpDir tmp;
    Store w(tmp.path, Store::Mode::write);
    const Micros day_us = 86400 * kMicrosPerSecond;
    const std::int64_t d0 = seconds_from_civil(2024, 3, 1, 0, 0, 0) * kMicrosPerSecond / day_us;
    // three days of one host; senders, recipients and relays repeat within and across days
    for (int i = 0; i < 60; ++i) {
        auto t = std::make_unique<Transaction>();
        t->host = "smtp";
        t->mta = Mta::postfix;
        t->queue_id = "Q" + std::to_string(i);
        t->first_time = (d0 + i % 3) * day_us + (i + 1) * 60 * kMicrosPerSecond;
        t->last_time = t->first_time + kMicrosPerSecond;
        t->sender = "user" + std::to_string(i % 7) + "@foo" + std::to_string(i % 2) + ".com";
        t->client_name = "ws" + std::to_string(i % 5) + ".foo.com";
        t->client_ip = "192.0.2." + std::to_string(i % 5);
        t->size = 1000 + i;
        t->nrcpt = 1;
        t->complete = true;
        Attempt a;
        a.time = t->last_time;
        a.recipient = "rcpt" + std::to_string(i % 11) + "@bar.com";
        a.relay = "mx" + std::to_string(i % 3) + ".bar.com[198.51.100." + std::to_string(i % 3) + "]:25";
        a.status = i % 4 ? Status::sent : Status::deferred;
        a.dsn = i % 4 ? "2.0.0" : "4.4.1";
        a.text = i % 4 ? "250 2.0.0 Ok" : "connect to mx.bar.com[198.51.100.9]:25: Connection timed out";
        t->attempts.push_back(a);
        w.put(std::move(t));
    }
    w.commit();
    auto blobs = [&] {
        std::vector<std::string> r;
        for (int d = 0; d < 3; ++d) r.push_back(w.rollup_blob("smtp", d0 + d));
        return r;
    };
    auto dictionary = [&] {
        std::vector<std::string> r;
        w.rollup_dict_in_order([&](std::uint64_t id, std::string_view v) {
            r.push_back(std::to_string(id) + "=" + std::string(v));
            return true;
        });
        return r;
    };
    // a cache of one value: nearly every value is looked up in SQLite again
    CHECK(refresh_stats_rollups(w, false, {}, 1).buckets == 3);
    const auto small = blobs();
    const auto dict = dictionary();
    CHECK(dict.size() > 20);
    for (const auto& b : small) CHECK_FALSE(b.empty());
    // everything again with the default cache: the same blobs, no value added twice
    CHECK(refresh_stats_rollups(w, true).buckets == 3);
    CHECK(blobs() == small);
    CHECK(dictionary() == dict);
}
