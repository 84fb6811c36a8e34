// SPDX-License-Identifier: GPL-3.0-or-later
// Every line shape the MTA parsers know has a sample, and every sample parses to its shape.
#include "mxtrace/mta/events.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace mxtrace;

TEST_CASE("every shape has a sample and every sample parses to its shape") {
    std::set<Shape> seen;
    for (const auto& s : line_shapes()) {
        CAPTURE(s.name);
        CAPTURE(s.message);
        Event ev;
        LineClass c = parse_mail_line(s.program, s.message, ev);
        CHECK(c != LineClass::unparsed);
        CHECK(c != LineClass::not_mine);
        CHECK(ev.shape == s.shape);
        CHECK(shape_name(ev.shape) == s.name);
        seen.insert(s.shape);
    }
    for (int i = 1; i < static_cast<int>(Shape::count_); ++i) {
        CAPTURE(i);
        CHECK(seen.count(static_cast<Shape>(i)) == 1);
    }
}

namespace {
Event parse(std::string_view program, std::string_view msg, LineClass expect = LineClass::event) {
    Event ev;
    CHECK(parse_mail_line(program, msg, ev) == expect);
    return ev;
}
} // namespace

TEST_CASE("MTA of a syslog tag") {
    CHECK(mta_of_program("postfix/smtpd") == Mta::postfix);
    CHECK(mta_of_program("postfix-out/smtp") == Mta::postfix);
    CHECK(mta_of_program("postfix/submission/smtpd") == Mta::postfix);
    CHECK(mta_of_program("postfixadmin") == Mta::none);
    CHECK(mta_of_program("sm-mta") == Mta::sendmail);
    CHECK(mta_of_program("sendmail") == Mta::sendmail);
    CHECK(mta_of_program("sm-msp-queue") == Mta::sendmail);
    CHECK(mta_of_program("sshd") == Mta::none);
    CHECK(mta_of_program("") == Mta::none);
}

TEST_CASE("Postfix fields") {
    SUBCASE("client with port and SASL") {
        auto ev = parse("postfix/submission/smtpd",
                        "3F1A2B4C5D: client=unknown[2001:db8::5]:52114, sasl_method=PLAIN, sasl_username=carol@bar.com");
        CHECK(ev.kind == EventKind::client);
        CHECK(ev.queue_id == "3F1A2B4C5D");
        CHECK(ev.client_name == "unknown");
        CHECK(ev.client_ip == "2001:db8::5");
        CHECK(ev.sasl_username == "carol@bar.com");
    }
    SUBCASE("SASL user followed by sasl_sender, and a client without one") {
        auto ev = parse("postfix/smtpd",
                        "3F1A2B4C5E: client=h.example[192.0.2.9], sasl_method=LOGIN, sasl_username=bob, sasl_sender=b@x.org");
        CHECK(ev.sasl_username == "bob");
        auto plain = parse("postfix/smtpd", "3F1A2B4C5F: client=h.example[192.0.2.9]");
        CHECK(plain.sasl_username.empty());
    }
    SUBCASE("qmgr from") {
        auto ev = parse("postfix/qmgr", "4PbC4x469Jz3tBr: from=<ajm@example.net>, size=175061, nrcpt=3 (queue active)");
        CHECK(ev.kind == EventKind::queued);
        CHECK(ev.sender == "ajm@example.net");
        CHECK(ev.size == 175061);
        CHECK(ev.nrcpt == 3);
        auto nul = parse("postfix/qmgr", "2D1C3B4A59: from=<>, size=3207, nrcpt=1 (queue active)");
        CHECK(nul.has_sender);
        CHECK(nul.sender.empty());
    }
    SUBCASE("delivery with orig_to and queued as") {
        auto ev = parse("postfix/amavis/smtp",
                        "4PbC4x469Jz3tBr: to=<user01@bar.com>, orig_to=<frank@bar.com>, relay=127.0.0.1[127.0.0.1]:10024, "
                        "delay=2.4, delays=0.29/0.02/0.01/2.1, dsn=2.0.0, status=sent (250 2.0.0 from "
                        "MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 4PbC4z6W5Qz3tG3)");
        REQUIRE(ev.recipients.size() == 1);
        CHECK(ev.recipients[0] == "user01@bar.com");
        CHECK(ev.orig_recipient == "frank@bar.com");
        CHECK(ev.relay == "127.0.0.1[127.0.0.1]:10024");
        CHECK(ev.delay == doctest::Approx(2.4));
        CHECK(ev.dsn == "2.0.0");
        CHECK(ev.status == Status::sent);
        CHECK(ev.text == "250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 4PbC4z6W5Qz3tG3");
        CHECK(ev.child_queue_id == "4PbC4z6W5Qz3tG3");
    }
    SUBCASE("deferred with commas in the text") {
        auto ev = parse("postfix/smtp",
                        "6A7B8C9D0E: to=<x@example.net>, relay=none, delay=3600, delays=3600/0/0/0, dsn=4.4.1, "
                        "status=deferred (connect to mx.example.net[198.51.100.77]:25: Connection timed out, later, a=b)");
        CHECK(ev.status == Status::deferred);
        CHECK(ev.text == "connect to mx.example.net[198.51.100.77]:25: Connection timed out, later, a=b");
    }
    SUBCASE("local delivery without angle brackets") {
        auto ev = parse("postfix/local",
                        "892A0205B6: to=ghd@localhost, relay=local, delay=0.05, delays=0.02/0/0/0.02, dsn=5.1.1, "
                        "status=bounced (unknown user: \"ghd\")");
        REQUIRE(ev.recipients.size() == 1);
        CHECK(ev.recipients[0] == "ghd@localhost");
        CHECK(ev.status == Status::bounced);
    }
    SUBCASE("expired") {
        auto ev = parse("postfix/qmgr", "A1B2C3D4E5: from=<dave@bar.com>, status=expired, returned to sender");
        CHECK(ev.kind == EventKind::expired);
        CHECK(ev.sender == "dave@bar.com");
    }
    SUBCASE("reject with queue ID") {
        auto ev = parse("postfix/smtpd",
                        "3D4E5F6A7B: reject: RCPT from unknown[203.0.113.9]: 550 5.1.1 <no@bar.com>: Recipient address "
                        "rejected: User unknown; from=<x@example.net> to=<no@bar.com> proto=ESMTP helo=<x>");
        CHECK(ev.kind == EventKind::reject);
        CHECK(ev.status == Status::rejected);
        CHECK(ev.sender == "x@example.net");
        REQUIRE(ev.recipients.size() == 1);
        CHECK(ev.recipients[0] == "no@bar.com");
        CHECK(ev.dsn == "5.1.1");
    }
    SUBCASE("bounce notification") {
        auto ev = parse("postfix/bounce", "5E6F7A8B9C: sender non-delivery notification: 7F8E9D0C1B");
        CHECK(ev.kind == EventKind::notification);
        CHECK(ev.child_queue_id == "7F8E9D0C1B");
    }
    SUBCASE("queue IDs") {
        // long IDs may hold 'z' in their time part; the last 'z' separates the inode number
        CHECK(parse("postfix/cleanup", "4PbC4z6W5Qz3tG3: message-id=<a@b>").queue_id == "4PbC4z6W5Qz3tG3");
        CHECK(parse("postfix/qmgr", "3mPVKl3YVXz2pS5Z: removed").kind == EventKind::removed);
        parse("postfix/smtpd", "NOQUEUE: reject: RCPT from x[1.2.3.4]: 554 5.7.1 no", LineClass::noqueue);
        parse("postfix/smtpd", "warning: hostname x does not resolve", LineClass::noqueue);
        parse("postfix/anvil", "statistics: max cache size 1 at Oct 26 18:13:50", LineClass::noqueue);
    }
    SUBCASE("unknown line with a queue ID is unparsed, with a reason") {
        Event ev;
        CHECK(parse_mail_line("postfix/qmgr", "4PbC4x469Jz3tBr: something new", ev) == LineClass::unparsed);
        CHECK(ev.reason != nullptr);
        CHECK(parse_mail_line("postfix/smtp", "4PbC4x469Jz3tBr: to=<a@b>, relay=x, status=weird (x)", ev) ==
              LineClass::unparsed);
    }
}

TEST_CASE("Sendmail fields") {
    SUBCASE("from") {
        auto ev = parse("sm-mta", "pBFERI8l019936: from=<bob@foo.com>, size=2417, class=0, nrcpts=2, "
                                  "msgid=<201112151427.pBFERI@foo.com>, proto=ESMTP, daemon=MTA, relay=ws12.foo.com [192.0.2.10] (may be forged)");
        CHECK(ev.kind == EventKind::queued);
        CHECK(ev.sender == "bob@foo.com");
        CHECK(ev.size == 2417);
        CHECK(ev.nrcpt == 2);
        CHECK(ev.message_id == "201112151427.pBFERI@foo.com");
        CHECK(ev.client_name == "ws12.foo.com");
        CHECK(ev.client_ip == "192.0.2.10");
        auto root = parse("sendmail", "jA9J1UvC004306: from=root, size=629060, class=0, nrcpts=1, msgid=<x@eadmin1>, relay=root@localhost");
        CHECK(root.sender == "root");
        CHECK(root.client_name == "root@localhost");
    }
    SUBCASE("to with several recipients and days in delay") {
        auto ev = parse("sendmail", "u31FFPtp032300: to=<a@example.com>,<b@example.com>, delay=1+00:00:15, xdelay=00:00:00, "
                                    "mailer=esmtp, pri=245938, relay=[93.184.216.34] [93.184.216.34], dsn=2.0.0, stat=Sent (ok, Message 40279894 accepted)");
        REQUIRE(ev.recipients.size() == 2);
        CHECK(ev.recipients[0] == "a@example.com");
        CHECK(ev.recipients[1] == "b@example.com");
        CHECK(ev.delay == doctest::Approx(86415));
        CHECK(ev.relay == "[93.184.216.34] [93.184.216.34]");
        CHECK(ev.status == Status::sent);
        CHECK(ev.text == "Sent (ok, Message 40279894 accepted)");
    }
    SUBCASE("to=root without brackets, local mailer") {
        auto ev = parse("sendmail", "u31FFPtp032300: to=root@localhost.localdomain, ctladdr=root@localhost.localdomain (0/0), "
                                    "delay=00:00:00, xdelay=00:00:00, mailer=local, pri=245938, dsn=2.0.0, stat=Sent");
        REQUIRE(ev.recipients.size() == 1);
        CHECK(ev.recipients[0] == "root@localhost.localdomain");
        CHECK(ev.relay == "local");
        CHECK(ev.status == Status::sent);
    }
    SUBCASE("deferred and bounced") {
        CHECK(parse("sm-mta", "jA9J1UvC004306: to=root, ctladdr=root (0/0), delay=00:00:01, xdelay=00:00:00, mailer=relay, "
                              "pri=659060, relay=[127.0.0.1] [127.0.0.1], dsn=4.0.0, stat=Deferred: Connection refused by [127.0.0.1]")
                  .status == Status::deferred);
        CHECK(parse("sm-mta", "pBFEB3Rj019921: to=<nobody@bar.com>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=30000, "
                              "relay=smtp.bar.com. [198.51.100.25], dsn=5.1.1, stat=User unknown")
                  .status == Status::bounced);
    }
    SUBCASE("DSN notification") {
        auto ev = parse("sm-mta", "pBFEB3Rj019921: pBFEB4Rj019922: DSN: User unknown");
        CHECK(ev.kind == EventKind::notification);
        CHECK(ev.queue_id == "pBFEB3Rj019921");
        CHECK(ev.child_queue_id == "pBFEB4Rj019922");
    }
    SUBCASE("ruleset reject") {
        auto ev = parse("sm-mta", "s1NLaDQT022248: ruleset=check_rcpt, arg1=<d@example.net>, relay=int0.example.net [198.51.100.119] "
                                  "(may be forged), reject=550 5.7.1 <d@example.net>... Relaying denied");
        CHECK(ev.kind == EventKind::reject);
        REQUIRE(ev.recipients.size() == 1);
        CHECK(ev.recipients[0] == "d@example.net");
        CHECK(ev.dsn == "5.7.1");
        CHECK(ev.client_ip == "198.51.100.119");
    }
    SUBCASE("session lines") {
        parse("sendmail", "unable to qualify my own domain name (eadmin1) -- using short name", LineClass::noqueue);
        parse("sm-mta", "s1R9r60D044307: rejecting commands from  [209.15.212.253] due to pre-greeting traffic", LineClass::noqueue);
    }
}
