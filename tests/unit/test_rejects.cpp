// SPDX-License-Identifier: GPL-3.0-or-later
// Pre-queue rejects (Postfix NOQUEUE, postscreen, milter-reject; Exim "rejected ..."): each form
// parses to a reject record with client, sender, recipient, DSN and text; the reducer makes one
// record per line, never merged (a burst of identical rejects stays a burst).
#include "mxtrace/mta/events.hpp"
#include "mxtrace/reduce/links.hpp"
#include "mxtrace/reduce/reducer.hpp"
#include "mta/parse_util.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

using namespace mxtrace;

namespace {
Event pf(std::string_view program, std::string_view msg) {
    Event ev;
    CHECK(parse_mail_line(program, msg, ev) == LineClass::noqueue);
    CHECK(ev.kind == EventKind::reject_record);
    CHECK(ev.status == Status::rejected);
    CHECK(ev.mta == Mta::postfix);
    return ev;
}
Event ex(std::string_view msg) {
    Event ev;
    CHECK(parse_mail_line("exim", msg, ev) == LineClass::noqueue);
    CHECK(ev.kind == EventKind::reject_record);
    CHECK(ev.shape == Shape::exim_reject);
    CHECK(ev.status == Status::rejected);
    return ev;
}
} // namespace

TEST_CASE("Postfix NOQUEUE rejects at every stage") {
    SUBCASE("RCPT") {
        auto e = pf("postfix/smtpd", "NOQUEUE: reject: RCPT from unknown[203.0.113.9]: 554 5.7.1 <spam@bar.com>: Relay "
                                     "access denied; from=<x@example.net> to=<spam@bar.com> proto=ESMTP helo=<x>");
        CHECK(e.client_name == "unknown");
        CHECK(e.client_ip == "203.0.113.9");
        CHECK(e.has_sender);
        CHECK(e.sender == "x@example.net");
        REQUIRE(e.recipients.size() == 1);
        CHECK(e.recipients[0] == "spam@bar.com");
        CHECK(e.dsn == "5.7.1");
        CHECK(e.text.starts_with("RCPT from unknown[203.0.113.9]: 554 5.7.1"));
    }
    SUBCASE("CONNECT: no sender, no recipient") {
        auto e = pf("postfix/smtpd", "NOQUEUE: reject: CONNECT from bad.example.org[198.51.100.66]: 554 5.7.1 "
                                     "<bad.example.org[198.51.100.66]>: Client host rejected: Access denied; proto=SMTP");
        CHECK(e.client_name == "bad.example.org");
        CHECK(e.client_ip == "198.51.100.66");
        CHECK_FALSE(e.has_sender);
        CHECK(e.recipients.empty());
    }
    SUBCASE("EHLO, MAIL, DATA (submission), END-OF-MESSAGE, VRFY") {
        CHECK(pf("postfix/smtpd", "NOQUEUE: reject: EHLO from unknown[203.0.113.10]: 504 5.5.2 <localhost>: Helo "
                                  "command rejected: need fully-qualified hostname; proto=SMTP helo=<localhost>")
                  .dsn == "5.5.2");
        auto m = pf("postfix/smtpd", "NOQUEUE: reject: MAIL from unknown[203.0.113.11]: 553 5.7.1 <spoof@bar.com>: "
                                     "Sender address rejected: not logged in; from=<spoof@bar.com> proto=ESMTP helo=<pc11>");
        CHECK(m.sender == "spoof@bar.com");
        CHECK(m.recipients.empty());
        auto d = pf("postfix/submission/smtpd", "NOQUEUE: reject: DATA from unknown[203.0.113.12]: 550 5.5.3 <DATA>: "
                                                "Data command rejected: Multi-recipient bounce; from=<> proto=ESMTP helo=<pc12>");
        CHECK(d.has_sender);
        CHECK(d.sender.empty());
        CHECK(d.client_ip == "203.0.113.12");
        auto eom = pf("postfix/smtpd", "NOQUEUE: reject: END-OF-MESSAGE from unknown[203.0.113.13]: 550 5.7.1 "
                                       "<END-OF-MESSAGE>: End-of-data rejected: x; from=<a@example.com> to=<bob@bar.com> "
                                       "proto=ESMTP helo=<pc13>");
        REQUIRE(eom.recipients.size() == 1);
        CHECK(eom.recipients[0] == "bob@bar.com");
        auto v = pf("postfix/smtpd", "NOQUEUE: reject: VRFY from unknown[203.0.113.14]: 550 5.1.1 <nobody@bar.com>: "
                                     "Recipient address rejected: User unknown; to=<nobody@bar.com> proto=SMTP");
        CHECK_FALSE(v.has_sender);
        REQUIRE(v.recipients.size() == 1);
        CHECK(v.recipients[0] == "nobody@bar.com");
    }
    SUBCASE("milter-reject") {
        auto e = pf("postfix/smtpd", "NOQUEUE: milter-reject: RCPT from mail.example.com[192.0.2.77]: 451 4.7.1 "
                                     "Greylisting in action; from=<alice@example.com> to=<bob@bar.com> proto=ESMTP "
                                     "helo=<mail.example.com>");
        CHECK(e.client_name == "mail.example.com");
        CHECK(e.dsn == "4.7.1");
        CHECK(e.sender == "alice@example.com");
    }
    SUBCASE("postscreen: [addr]:port, comma-separated tail") {
        auto e = pf("postfix/postscreen", "NOQUEUE: reject: RCPT from [198.51.100.99]:40000: 550 5.7.1 Service "
                                          "unavailable; client [198.51.100.99] blocked using zen.spamhaus.org; "
                                          "from=<win@lottery.example>, to=<bob@bar.com>, proto=ESMTP, helo=<spam>");
        CHECK(e.client_name.empty());
        CHECK(e.client_ip == "198.51.100.99");
        CHECK(e.sender == "win@lottery.example");
        REQUIRE(e.recipients.size() == 1);
        CHECK(e.recipients[0] == "bob@bar.com");
    }
    SUBCASE("postscreen verdicts PREGREET and DNSBL are records; other NOQUEUE lines are not") {
        Event ev;
        CHECK(parse_mail_line("postfix/postscreen", "PREGREET 11 after 0.1 from [198.51.100.99]:40000: EHLO x\\r\\n", ev) ==
              LineClass::noqueue);
        CHECK(ev.kind == EventKind::reject_record);
        CHECK(ev.shape == Shape::pf_postscreen_verdict);
        CHECK(ev.client_ip == "198.51.100.99");
        CHECK(ev.text.starts_with("PREGREET 11 after 0.1"));
        CHECK(ev.code.empty());
        ev.clear();
        CHECK(parse_mail_line("postfix/postscreen", "DNSBL rank 3 for [2001:db8::7]:40000", ev) == LineClass::noqueue);
        CHECK(ev.kind == EventKind::reject_record);
        CHECK(ev.client_ip == "2001:db8::7");
        ev.clear();
        // the same words from another daemon are not postscreen's verdict
        CHECK(parse_mail_line("postfix/smtpd", "DNSBL rank 3 for [198.51.100.99]:40000", ev) == LineClass::noqueue);
        CHECK(ev.kind != EventKind::reject_record);
        ev.clear();
        CHECK(parse_mail_line("postfix/postscreen", "HANGUP after 0.5 from [198.51.100.99]:40000 in tests before SMTP handshake", ev) ==
              LineClass::noqueue);
        CHECK(ev.kind != EventKind::reject_record);
        ev.clear();
        CHECK(parse_mail_line("postfix/smtpd", "NOQUEUE: filter: RCPT from x[192.0.2.1]: <a@b>: Sender address "
                                               "triggers FILTER smtp:[127.0.0.1]:10025",
                              ev) == LineClass::noqueue);
        CHECK(ev.kind != EventKind::reject_record);
    }
    SUBCASE("HELO name and SMTP reply code") {
        auto e = pf("postfix/smtpd", "NOQUEUE: reject: RCPT from unknown[203.0.113.9]: 554 5.7.1 <spam@bar.com>: Relay "
                                     "access denied; from=<x@example.net> to=<spam@bar.com> proto=ESMTP helo=<pc9.example>");
        CHECK(e.helo == "pc9.example");
        CHECK(e.code == "554");
        auto m = pf("postfix/cleanup", "NOQUEUE: milter-reject: END-OF-MESSAGE from x[192.0.2.1]: 5.7.1 Spam; from=<a@b> "
                                       "to=<c@d> proto=ESMTP helo=<h>");
        CHECK(m.code.empty()); // milter replies are logged with the DSN only
        CHECK(m.dsn == "5.7.1");
    }
}

TEST_CASE("Postfix NOQUEUE rejects cut short are unparsed, not empty records") {
    for (std::string_view m : {"NOQUEUE: reject:", "NOQUEUE: reject: ", "NOQUEUE: reject: RCPT from",
                               "NOQUEUE: reject: RCPT from unknown[192.0.2.1]", "NOQUEUE: reject: RCPT from unknown[192.0.2.1]:",
                               "NOQUEUE: milter-reject:", "NOQUEUE: milter-reject: END-OF-MESSAGE from x[192.0.2.1]: "}) {
        CAPTURE(m);
        Event ev;
        CHECK(parse_mail_line("postfix/smtpd", m, ev) == LineClass::unparsed);
        REQUIRE(ev.reason != nullptr);
        CHECK(std::string_view(ev.reason).find("cut short") != std::string_view::npos);
        CHECK(ev.kind != EventKind::reject_record);
    }
    // other NOQUEUE lines stay what they were
    Event f;
    CHECK(parse_mail_line("postfix/cleanup", "NOQUEUE: filter: RCPT from x[192.0.2.1]: <a>: Sender address triggers FILTER", f) ==
          LineClass::noqueue);
    CHECK(f.kind != EventKind::reject_record);
    // the shortest whole one is a record
    auto ev = pf("postfix/smtpd", "NOQUEUE: reject: CONNECT from x[192.0.2.1]: 554 5.7.1 go away");
    CHECK(ev.client_ip == "192.0.2.1");
    CHECK(ev.code == "554");
}

TEST_CASE("client name[addr]: the address is the last bracket that ends the value") {
    using detail::split_host_addr;
    std::string_view n, a;
    auto split = [&](std::string_view s) { split_host_addr(s, n, a); };
    split("a[b].example.org[192.0.2.25]");
    CHECK(n == "a[b].example.org");
    CHECK(a == "192.0.2.25");
    split("mail.example.org[192.0.2.25]:2525");
    CHECK(n == "mail.example.org");
    CHECK(a == "192.0.2.25");
    split("unknown[unknown]");
    CHECK(n == "unknown");
    CHECK(a == "unknown");
    split("v6.example.org[2001:db8::1]");
    CHECK(a == "2001:db8::1");
    split("[2001:db8::1]:25");
    CHECK(n == "");
    CHECK(a == "2001:db8::1");
    split("ll[fe80::1%eth0]");
    CHECK(a == "fe80::1%eth0");
    split("host.example.org [IPv6:2001:db8::5]"); // Sendmail
    CHECK(n == "host.example.org");
    CHECK(a == "IPv6:2001:db8::5");
    split("[192.0.2.9]");
    CHECK(n == "");
    CHECK(a == "192.0.2.9");
    // no address: the whole value is the name
    split("odd[name].example.org");
    CHECK(n == "odd[name].example.org");
    CHECK(a == "");
    split("x[b]");
    CHECK(n == "x[b]");
    CHECK(a == "");
    split("x[192.0.2.300");
    CHECK(n == "x[192.0.2.300");
    CHECK(a == "");
    split("x[192.0.2]");
    CHECK(a == "");
    split("x[1234.0.2.1]");
    CHECK(a == "");
    split("x[192.0.2.1]junk");
    CHECK(n == "x[192.0.2.1]junk");
    CHECK(a == "");
    split("localhost");
    CHECK(n == "localhost");
    CHECK(a == "");
    CHECK(detail::looks_like_ip("::1"));
    CHECK_FALSE(detail::looks_like_ip("b"));
    CHECK_FALSE(detail::looks_like_ip("dead:beef")); // one colon: not IPv6
    CHECK_FALSE(detail::looks_like_ip("fe80::1%"));

    Event c;
    CHECK(parse_mail_line("postfix/smtpd", "4F9D3C2B1A: client=a[b].example.org[192.0.2.25], sasl_method=PLAIN, sasl_username=u", c) ==
          LineClass::event);
    CHECK(c.client_name == "a[b].example.org");
    CHECK(c.client_ip == "192.0.2.25");
    CHECK(c.sasl_username == "u");
    auto r = pf("postfix/smtpd", "NOQUEUE: reject: RCPT from a[b].example.org[192.0.2.25]: 554 5.7.1 <x@y>: Relay access "
                                 "denied; from=<a@b> to=<x@y> proto=ESMTP helo=<h>");
    CHECK(r.client_name == "a[b].example.org");
    CHECK(r.client_ip == "192.0.2.25");
    Event s;
    CHECK(parse_mail_line("sm-mta", "pBFERI8l019936: from=<a@b.c>, size=10, class=0, nrcpts=1, msgid=<m@b.c>, "
                                      "proto=ESMTP, daemon=MTA, relay=a[b].example.org [192.0.2.25] (may be forged)", s) ==
          LineClass::event);
    CHECK(s.client_name == "a[b].example.org");
    CHECK(s.client_ip == "192.0.2.25");
}

TEST_CASE("client name[addr]: brackets in the name, several bracketed addresses, IPv6 forms") {
    using detail::split_host_addr;
    std::string_view n, a;
    auto split = [&](std::string_view s) { split_host_addr(s, n, a); };
    // two bracketed addresses: the last one is the address, the rest the name
    split("mail.example[1.2.3.4][5.6.7.8]");
    CHECK(n == "mail.example[1.2.3.4]");
    CHECK(a == "5.6.7.8");
    split("mail.example[1.2.3.4][5.6.7.8]:25");
    CHECK(n == "mail.example[1.2.3.4]");
    CHECK(a == "5.6.7.8");
    split("mail.example[2001:db8::1][2001:db8::2]");
    CHECK(n == "mail.example[2001:db8::1]");
    CHECK(a == "2001:db8::2");
    // the last bracket holds no address: no address at all, not the one before it
    split("mail.example[1.2.3.4][x]");
    CHECK(n == "mail.example[1.2.3.4][x]");
    CHECK(a == "");
    split("mail.example[1.2.3.4][]");
    CHECK(a == "");
    // IPv4 parts over 255, or too few/many parts, are no address
    split("x[256.1.1.1]");
    CHECK(n == "x[256.1.1.1]");
    CHECK(a == "");
    split("x[1.2.3.4.5]");
    CHECK(a == "");
    split("x[1.2.3.]");
    CHECK(a == "");
    split("x[255.255.255.255]");
    CHECK(a == "255.255.255.255");
    // IPv6: compressed, full, embedded IPv4, zone, Sendmail's prefix, with a port
    split("v6[::1]");
    CHECK(n == "v6");
    CHECK(a == "::1");
    split("v6[2001:0db8:0000:0000:0000:ff00:0042:8329]");
    CHECK(a == "2001:0db8:0000:0000:0000:ff00:0042:8329");
    split("mapped.example[::ffff:192.0.2.1]");
    CHECK(n == "mapped.example");
    CHECK(a == "::ffff:192.0.2.1");
    split("ll.example[fe80::1%25]:2525");
    CHECK(n == "ll.example");
    CHECK(a == "fe80::1%25");
    split("mx.example.org [IPv6:2001:db8::25]");
    CHECK(n == "mx.example.org");
    CHECK(a == "IPv6:2001:db8::25");
    split("[IPv6:::1]");
    CHECK(n == "");
    CHECK(a == "IPv6:::1");
    // not IPv6: two "::", too many groups, a non-hex digit, an empty zone, a bad zone
    for (std::string_view bad : {"x[2001::db8::1]", "x[1:2:3:4:5:6:7:8:9]", "x[2001:db8::g]", "x[fe80::1%]", "x[fe80::1%a b]",
                                 "x[:::]", "x[IPv6:]", "x[::ffff:192.0.2.256]"}) {
        CAPTURE(bad);
        split(bad);
        CHECK(n == bad);
        CHECK(a == "");
    }
    // a port that is not all digits is no port: the value ends in no bracket
    split("x[192.0.2.1]:smtp");
    CHECK(n == "x[192.0.2.1]:smtp");
    CHECK(a == "");

    // as the Postfix parser uses it
    auto r = pf("postfix/smtpd", "NOQUEUE: reject: RCPT from mail.example[1.2.3.4][5.6.7.8]: 554 5.7.1 <x@y>: Relay access "
                                 "denied; from=<a@b> to=<x@y> proto=ESMTP helo=<h>");
    CHECK(r.client_name == "mail.example[1.2.3.4]");
    CHECK(r.client_ip == "5.6.7.8");
    CHECK(r.dsn == "5.7.1");
    auto v6 = pf("postfix/smtpd", "NOQUEUE: reject: RCPT from v6.example.org[2001:db8::1]: 450 4.7.1 <x@y>: Recipient "
                                  "address rejected: Greylisted; from=<a@b> to=<x@y> proto=ESMTP helo=<h>");
    CHECK(v6.client_name == "v6.example.org");
    CHECK(v6.client_ip == "2001:db8::1");
    CHECK(v6.code == "450");
}

TEST_CASE("Exim rejects without a queued message") {
    auto r = ex("H=(pc20) [203.0.113.20]:51000 F=<x@example.net> rejected RCPT <nobody@bar.com>: Unrouteable address");
    CHECK(r.client_name.empty()); // a name in parentheses is the HELO name, not a verified name
    CHECK(r.client_ip == "203.0.113.20");
    CHECK(r.sender == "x@example.net");
    REQUIRE(r.recipients.size() == 1);
    CHECK(r.recipients[0] == "nobody@bar.com");
    auto c = ex("H=bad.example.org [198.51.100.66]:51001 rejected connection in \"connect\" ACL: listed");
    CHECK(c.client_name == "bad.example.org");
    CHECK(c.client_ip == "198.51.100.66");
    CHECK_FALSE(c.has_sender);
    CHECK(r.helo == "pc20");
    CHECK(r.code.empty()); // Exim logs no code for an unrouteable recipient
    auto h = ex("H=(localhost) [203.0.113.21]:51002 rejected EHLO or HELO localhost: 550 5.7.1 no");
    CHECK(h.dsn == "5.7.1");
    CHECK(h.code == "550");
    CHECK(h.helo == "localhost");
    CHECK(ex("H=mx.example.org (helo.example.org) [192.0.2.5] F=<a@b> rejected RCPT <c@d>: x").helo == "helo.example.org");
    auto d = ex("1rvHyI-000000001mA-0aKd H=(pc23) [203.0.113.23]:51004 F=<a@example.com> rejected after DATA: spam");
    CHECK(d.queue_id.empty());
    CHECK(d.client_ip == "203.0.113.23");
    CHECK(d.sender == "a@example.com");
}

TEST_CASE("each reject line is its own complete record") {
    std::vector<std::unique_ptr<Transaction>> out;
    Reducer r([&](std::unique_ptr<Transaction> t) { out.push_back(std::move(t)); }, nullptr);
    const std::string_view line =
        "NOQUEUE: reject: RCPT from unknown[203.0.113.9]: 554 5.7.1 <spam@bar.com>: Relay access denied; "
        "from=<x@example.net> to=<spam@bar.com> proto=ESMTP helo=<x>";
    Event ev;
    REQUIRE(parse_mail_line("postfix/smtpd", line, ev) == LineClass::noqueue);
    LineSource a{7, 41, line}, b{7, 42, line};
    r.apply("mx1", 1'000'000, ev, &a);
    r.apply("mx1", 1'000'000, ev, &b); // the same reject again in the same second: a second record
    CHECK(r.open_count() == 0);
    REQUIRE(out.size() == 2);
    CHECK(out[0]->queue_id == "NOQUEUE-7.41");
    CHECK(out[1]->queue_id == "NOQUEUE-7.42");
    CHECK(out[0]->complete);
    CHECK(out[0]->summary_status() == Status::rejected);
    CHECK(out[0]->client_ip == "203.0.113.9");
    REQUIRE(out[0]->sender.has_value());
    CHECK(*out[0]->sender == "x@example.net");
    REQUIRE(out[0]->attempts.size() == 1);
    CHECK(out[0]->attempts[0].recipient == "spam@bar.com");
    CHECK(out[0]->attempts[0].dsn == "5.7.1");
    REQUIRE(out[0]->raw.size() == 1);
    CHECK(out[0]->raw[0].line == 41);
    CHECK(reject_record_id(&a) == "NOQUEUE-7.41");
    CHECK(reject_record_id(nullptr) == "NOQUEUE");
    CHECK(out[0]->helo == "x");
    CHECK(out[0]->attempts[0].code == "554");
    // the indexer names records by content (ev.queue_id): the reducer takes that name
    ev.queue_id = "NOQUEUE-0123456789ab";
    r.apply("mx1", 2'000'000, ev, &a);
    REQUIRE(out.size() == 3);
    CHECK(out[2]->queue_id == "NOQUEUE-0123456789ab");
}

TEST_CASE("retry-after-reject: a reject and the accepted transaction that retried it") {
    Transaction rej;
    rej.queue_id = "NOQUEUE-0123456789ab";
    rej.first_time = rej.last_time = 1'000'000'000;
    rej.sender = "Alice@example.com";
    rej.client_ip = "192.0.2.77";
    Attempt ra;
    ra.recipient = "bob@bar.com";
    ra.status = Status::rejected;
    rej.attempts.push_back(ra);
    Transaction acc;
    acc.queue_id = "4F1A2B3C4D";
    acc.first_time = rej.first_time + Micros{291} * kMicrosPerSecond;
    acc.sender = "alice@example.com";
    acc.client_ip = "192.0.2.78"; // another address of the same /24: a pool of outgoing servers
    Attempt aa;
    aa.recipient = "Bob@bar.com";
    aa.status = Status::sent;
    acc.attempts.push_back(aa);
    const Micros hour = Micros{3600} * kMicrosPerSecond;
    CHECK(is_reject_record(rej));
    CHECK_FALSE(is_reject_record(acc));
    CHECK(retries_reject(rej, acc, hour));
    CHECK_FALSE(retries_reject(acc, rej, hour));
    CHECK_FALSE(retries_reject(rej, acc, Micros{60} * kMicrosPerSecond)); // outside the window
    CHECK_FALSE(retries_reject(rej, acc, 0));
    SUBCASE("another network, sender or recipient: no link") {
        acc.client_ip = "192.0.3.78";
        CHECK_FALSE(retries_reject(rej, acc, hour));
        acc.client_ip = "192.0.2.78";
        acc.sender = "mallory@example.com";
        CHECK_FALSE(retries_reject(rej, acc, hour));
        acc.sender = "";
        CHECK_FALSE(retries_reject(rej, acc, hour));
        acc.sender = "alice@example.com";
        acc.attempts[0].recipient = "carol@bar.com";
        CHECK_FALSE(retries_reject(rej, acc, hour));
        acc.attempts[0].orig_recipient = "bob@bar.com"; // rewritten after acceptance
        CHECK(retries_reject(rej, acc, hour));
    }
    SUBCASE("an accepted transaction before the reject, or one that rejected everything") {
        acc.first_time = rej.first_time - 1;
        CHECK_FALSE(retries_reject(rej, acc, hour));
        acc.first_time = rej.first_time + 1;
        acc.attempts[0].status = Status::rejected;
        CHECK_FALSE(retries_reject(rej, acc, hour));
    }
    SUBCASE("a reject without a recipient or client address never links") {
        rej.attempts[0].recipient.clear();
        CHECK_FALSE(retries_reject(rej, acc, hour));
        rej.attempts[0].recipient = "bob@bar.com";
        rej.client_ip.clear();
        CHECK_FALSE(retries_reject(rej, acc, hour));
    }
    CHECK(client_network("192.0.2.77") == "192.0.2.0/24");
    CHECK(client_network("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64");
    CHECK(client_network("IPv6:2001:db8::1") == "2001:db8::/64");
    CHECK(client_network("unknown").empty());
    CHECK(client_network("").empty());
}
