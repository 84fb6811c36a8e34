// SPDX-License-Identifier: GPL-3.0-or-later
// The Exim parser's fields: every flag, both message ID eras, log_selector variants.
#include "mxtrace/mta/events.hpp"

#include <doctest/doctest.h>

using namespace mxtrace;

namespace {
Event parse(std::string_view msg, LineClass expect = LineClass::event) {
    Event ev;
    CHECK(parse_mail_line("exim", msg, ev) == expect);
    return ev;
}
} // namespace

TEST_CASE("Exim message IDs of both eras") {
    CHECK(is_exim_message_id("1hHB5F-0002Ui-Lq"));
    CHECK(is_exim_message_id("1rvHyI-000000001mA-0aKd"));
    CHECK(is_exim_message_id("10HmaX-000000005vi-0000"));
    CHECK_FALSE(is_exim_message_id("1hHB5F-0002Ui-L"));
    CHECK_FALSE(is_exim_message_id("1rvHyI-00000000-mA-0aKd"));
    CHECK_FALSE(is_exim_message_id("4PbC4x469Jz3tBr"));
    CHECK(mta_of_program("exim") == Mta::exim);
    CHECK(mta_of_program("exim4") == Mta::exim);
    CHECK(mta_name(Mta::exim) == "exim");
}

TEST_CASE("Exim arrival") {
    auto ev = parse("1rvHyI-000000001mA-0aKd <= alice@example.org H=mail.example.org (helo.example.org) "
                    "[192.0.2.25]:41234 I=[198.51.100.1]:25 P=esmtps A=dovecot_plain:alice S=2417 "
                    "id=E1rvHyI@example.org T=\"Re: \\\"x\\\" y\" for bob@example.net carol@example.net");
    CHECK(ev.shape == Shape::exim_arrival);
    CHECK(ev.kind == EventKind::queued);
    CHECK(ev.queue_id == "1rvHyI-000000001mA-0aKd");
    CHECK(ev.has_sender);
    CHECK(ev.sender == "alice@example.org");
    CHECK(ev.client_name == "mail.example.org");
    CHECK(ev.client_ip == "192.0.2.25");
    CHECK(ev.sasl_username == "alice");
    CHECK(ev.size == 2417);
    CHECK(ev.message_id == "E1rvHyI@example.org");
    REQUIRE(ev.recipients.size() == 2);
    CHECK(ev.recipients[1] == "carol@example.net");

    SUBCASE("HELO name only, fields in another order, +millisec stamp and [pid] inside the message") {
        auto e2 = parse("2024-03-21 09:18:51.123 [7326] 1hHB5F-0002Ui-Lq <= x@example.net S=12 P=esmtp "
                        "H=(helo.example.net) [2001:db8::5]:25 id=<abc@example.net>");
        CHECK(e2.queue_id == "1hHB5F-0002Ui-Lq");
        CHECK(e2.client_name == "");
        CHECK(e2.client_ip == "2001:db8::5");
        CHECK(e2.message_id == "abc@example.net");
        CHECK(e2.size == 12);
    }
    SUBCASE("bounce with its parent") {
        auto b = parse("1hHB5J-0002Uk-Nm <= <> R=1hHB5F-0002Ui-Lq U=Debian-exim P=local S=2230");
        CHECK(b.shape == Shape::exim_bounce_arrival);
        CHECK(b.has_sender);
        CHECK(b.sender.empty());
        CHECK(b.child_queue_id == "1hHB5F-0002Ui-Lq");
    }
}

TEST_CASE("Exim deliveries, deferrals, failures") {
    SUBCASE("remote delivery with the next hop's ID") {
        auto ev = parse("1rvHyI-000000001mA-0aKd => bob@example.net <list@example.net> R=dnslookup T=remote_smtp "
                        "H=mx.example.net [203.0.113.25]:25 X=TLS1.2:x:256 CV=yes K C=\"250 OK id=1rvHyK-000000001mC-1bLe\" "
                        "QT=2s DT=1s");
        CHECK(ev.shape == Shape::exim_delivery);
        CHECK(ev.kind == EventKind::delivery);
        CHECK(ev.status == Status::sent);
        REQUIRE(ev.recipients.size() == 1);
        CHECK(ev.recipients[0] == "bob@example.net");
        CHECK(ev.orig_recipient == "list@example.net");
        CHECK(ev.relay == "mx.example.net [203.0.113.25]:25");
        CHECK(ev.text == "250 OK id=1rvHyK-000000001mC-1bLe");
        CHECK(ev.child_queue_id == "1rvHyK-000000001mC-1bLe");
    }
    SUBCASE("Postfix next hop") {
        auto ev = parse("1hHB5F-0002Ui-Lq -> c@example.net R=dnslookup T=remote_smtp H=mx.example.net [203.0.113.25] "
                        "C=\"250 2.0.0 Ok: queued as 4PbC4z6W5Qz3tG3\"");
        CHECK(ev.shape == Shape::exim_delivery_more);
        CHECK(ev.dsn == "2.0.0");
        CHECK(ev.child_queue_id == "4PbC4z6W5Qz3tG3");
    }
    SUBCASE("local delivery: the transport is the relay") {
        auto ev = parse("1hHB5F-0002Ui-Lq => alice <alice@example.org> R=local_user T=mail_spool");
        CHECK(ev.recipients[0] == "alice");
        CHECK(ev.orig_recipient == "alice@example.org");
        CHECK(ev.relay == "mail_spool");
    }
    SUBCASE("cutthrough, suppressed") {
        CHECK(parse("1hHB5F-0002Ui-Lq >> b@example.net P=<a@example.org> R=all T=smtp H=127.0.0.1 [127.0.0.1] C=\"250 OK\"")
                  .shape == Shape::exim_cutthrough);
        auto s = parse("1hHB5F-0002Ui-Lq *> accept <accept@example.net> R=accept T=appendfile");
        CHECK(s.shape == Shape::exim_suppressed);
        CHECK(s.text == "delivery suppressed");
    }
    SUBCASE("failure with an SMTP reply") {
        auto ev = parse("1hHB5F-0002Ui-Lq ** nobody@example.net R=dnslookup T=remote_smtp H=mx.example.net "
                        "[203.0.113.25]:25 I=[198.51.100.1]:10001 : SMTP error from remote mail server after RCPT "
                        "TO:<nobody@example.net>: 550 5.1.1 <nobody@example.net>: User unknown");
        CHECK(ev.shape == Shape::exim_failure);
        CHECK(ev.status == Status::bounced);
        CHECK(ev.relay == "mx.example.net [203.0.113.25]:25");
        CHECK(ev.dsn == "5.1.1");
        CHECK(ev.text.starts_with("SMTP error from remote mail server after RCPT"));
    }
    SUBCASE("failure without a router") {
        auto ev = parse("1hHB5F-0002Ui-Lq ** someone@bad.example : Unrouteable address");
        CHECK(ev.text == "Unrouteable address");
        CHECK(ev.recipients[0] == "someone@bad.example");
    }
    SUBCASE("failure: the text follows the first \": \" after the address and its fields") {
        auto a = parse("1rvHyL-000000001mA-0aKd ** bob@x.com R=dnslookup T=remote_smtp H=mx.x.com [198.51.100.2]: SMTP "
                       "error from remote mail server after RCPT TO:<bob@x.com>: 550 5.1.1 User unknown");
        CHECK(a.recipients.at(0) == "bob@x.com");
        CHECK(a.relay == "mx.x.com [198.51.100.2]");
        CHECK(a.text == "SMTP error from remote mail server after RCPT TO:<bob@x.com>: 550 5.1.1 User unknown");
        CHECK(a.dsn == "5.1.1");
        CHECK(a.code == "550");
        auto b = parse("1rvHyM-000000001mA-0aKd ** carol@x.com: Unrouteable address");
        CHECK(b.recipients.at(0) == "carol@x.com");
        CHECK(b.text == "Unrouteable address");
        CHECK(b.relay == "");
        CHECK(b.code == "");
        auto c = parse("1rvHyJ-000000001mA-0aKd ** n@foo.com R=local_user T=local_delivery: Unrouteable address");
        CHECK(c.relay == "local_delivery");
        CHECK(c.text == "Unrouteable address");
        auto d = parse("1rvHyJ-000000001mA-0aKd ** n@foo.com <list@foo.com> R=r T=remote_smtp H=mx.foo.com [192.0.2.1]:25 "
                       "X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes DN=\"C=US, O=a: b\": SMTP error from remote mail "
                       "server after end of data: 552 5.3.4 Message too big");
        CHECK(d.orig_recipient == "list@foo.com");
        CHECK(d.relay == "mx.foo.com [192.0.2.1]:25");
        CHECK(d.text == "SMTP error from remote mail server after end of data: 552 5.3.4 Message too big");
        CHECK(d.dsn == "5.3.4");
        CHECK(d.code == "552");
        auto e = parse("1rvHyJ-000000001mA-0aKd ** n@foo.com R=r T=local_delivery:");
        CHECK(e.relay == "local_delivery");
        CHECK(e.text == "");
        auto f = parse("1rvHyJ-000000001mA-0aKd ** n@foo.com R=r T=t: Connection refused: no host answered");
        CHECK(f.text == "Connection refused: no host answered");
        auto g = parse("1rvHyJ-000000001mA-0aKd == n@foo.com R=r T=remote_smtp defer (-44) H=mx.foo.com [192.0.2.1]:25: "
                       "SMTP error from remote mail server after RCPT TO:<n@foo.com>: 451-4.7.1 Greylisted");
        CHECK(g.relay == "mx.foo.com [192.0.2.1]:25");
        CHECK(g.text.starts_with("SMTP error"));
        CHECK(g.dsn == "4.7.1");
        CHECK(g.code == "451");
    }
    SUBCASE("failure and deferral: whole error text, its DSN and SMTP code; no colon left on recipient or relay") {
        auto a = parse("1rvHyL-000000001mA-0aKd ** bob@x.com R=dnslookup T=remote_smtp H=mx.x.com [1.2.3.4]: SMTP error "
                       "from remote mail server after RCPT TO:<bob@x.com>: 550 5.1.1 User unknown");
        CHECK(a.shape == Shape::exim_failure);
        CHECK(a.status == Status::bounced);
        REQUIRE(a.recipients.size() == 1);
        CHECK(a.recipients[0] == "bob@x.com");
        CHECK(a.relay == "mx.x.com [1.2.3.4]");
        CHECK(a.text == "SMTP error from remote mail server after RCPT TO:<bob@x.com>: 550 5.1.1 User unknown");
        CHECK(a.dsn == "5.1.1");
        CHECK(a.code == "550");

        auto b = parse("1rvHyM-000000001mA-0aKd ** carol@x.com: Unrouteable address");
        CHECK(b.status == Status::bounced);
        REQUIRE(b.recipients.size() == 1);
        CHECK(b.recipients[0] == "carol@x.com"); // not "carol@x.com:"
        CHECK(b.text == "Unrouteable address");
        CHECK(b.relay.empty());
        CHECK(b.dsn.empty());
        CHECK(b.code.empty());

        auto c = parse("1rvHyN-000000001mA-0aKd == bob@x.com R=dnslookup T=remote_smtp defer (-44) H=mx.x.com [1.2.3.4]: "
                       "SMTP error from remote mail server after RCPT TO:<bob@x.com>: 451 4.7.1 Greylisted, try later");
        CHECK(c.status == Status::deferred);
        REQUIRE(c.recipients.size() == 1);
        CHECK(c.recipients[0] == "bob@x.com");
        CHECK(c.relay == "mx.x.com [1.2.3.4]");
        CHECK(c.text == "SMTP error from remote mail server after RCPT TO:<bob@x.com>: 451 4.7.1 Greylisted, try later");
        CHECK(c.dsn == "4.7.1");
        CHECK(c.code == "451");

        auto d = parse("1rvHyO-000000001mA-0aKd == carol@x.com: retry time not reached");
        CHECK(d.status == Status::deferred);
        REQUIRE(d.recipients.size() == 1);
        CHECK(d.recipients[0] == "carol@x.com");
        CHECK(d.text == "retry time not reached");
        CHECK(d.relay.empty());
        CHECK(d.code.empty());

        auto e = parse("1rvHyP-000000001mA-0aKd == dave@x.com R=dnslookup T=remote_smtp H=mx.x.com [1.2.3.4]:2525: Connection "
                       "timed out");
        CHECK(e.relay == "mx.x.com [1.2.3.4]:2525");
        CHECK(e.text == "Connection timed out");
        CHECK(e.code.empty()); // no reply from the server: no SMTP code, no DSN
        CHECK(e.dsn.empty());

        // a delivery ("=>") keeps its colon-free relay and gets no error text
        auto f = parse("1rvHyQ-000000001mA-0aKd => bob@x.com R=dnslookup T=remote_smtp H=mx.x.com [1.2.3.4] C=\"250 2.0.0 Ok: "
                       "queued as 4F9D3C2B1A\"");
        CHECK(f.status == Status::sent);
        CHECK(f.relay == "mx.x.com [1.2.3.4]");
        CHECK(f.code.empty());
    }
    SUBCASE("pipe recipient with blanks") {
        auto ev = parse("1hHB5F-0002Ui-Lq ** |/usr/bin/procmail -d x <pipe@example.net> R=system_aliases "
                        "T=address_pipe : return message generated");
        CHECK(ev.recipients[0] == "|/usr/bin/procmail -d x");
        CHECK(ev.orig_recipient == "pipe@example.net");
        CHECK(ev.text == "return message generated");
    }
    SUBCASE("deferral after a host") {
        auto ev = parse("1hHB5F-0002Ui-Lq == bob@example.net R=dnslookup T=remote_smtp defer (-44) H=mx.example.net "
                        "[203.0.113.25]: SMTP error from remote mail server after RCPT TO:<bob@example.net>: 451 4.7.1 "
                        "Greylisted");
        CHECK(ev.shape == Shape::exim_deferral);
        CHECK(ev.status == Status::deferred);
        CHECK(ev.relay == "mx.example.net [203.0.113.25]");
        CHECK(ev.dsn == "4.7.1");
        CHECK(ev.text.starts_with("SMTP error"));
    }
    SUBCASE("deferral without a host") {
        auto ev = parse("1hHB5F-0002Ui-Lq == bob@example.net R=dnslookup T=remote_smtp defer (111): Connection refused");
        CHECK(ev.text == "Connection refused");
        CHECK(ev.relay == "remote_smtp");
        auto r = parse("1hHB5F-0002Ui-Lq == x@example.net routing defer (-51): retry time not reached");
        CHECK(r.shape == Shape::exim_retry_not_reached);
        CHECK(r.text == "retry time not reached");
    }
}

TEST_CASE("Exim lines without a queued message") {
    auto r = parse("H=mail.example.net [192.0.2.36]:41584 F=<a@example.net> rejected RCPT <b@example.org>: relay not permitted",
                   LineClass::noqueue);
    CHECK(r.shape == Shape::exim_reject);
    CHECK(r.status == Status::rejected);
    auto d = parse("1hHB5F-0002Ui-Lq H=(x) [192.0.2.36] F=<x@example.net> rejected after DATA: spam", LineClass::noqueue);
    CHECK(d.shape == Shape::exim_reject);
    CHECK(d.queue_id.empty());
    CHECK(parse("Start queue run: pid=1234", LineClass::noqueue).shape == Shape::exim_session);
    CHECK(parse("1hHB5F-0002Ui-Lq Completed").kind == EventKind::removed);
    CHECK(parse("1hHB5F-0002Ui-Lq Message is frozen").shape == Shape::exim_frozen);
    CHECK(parse("1hHB5F-0002Ui-Lq", LineClass::unparsed).reason != nullptr);
}

#include "mxtrace/read/exim_pieces.hpp"
#include "mxtrace/read/syslog.hpp"

TEST_CASE("Exim syslog pieces are joined per host and pid") {
    EximPieces p;
    std::string_view out;
    CHECK(p.feed("mx1", "7400", "1hHB5F-0002Ui-Lq Completed", out) == EximPieces::Result::whole);
    CHECK(out == "1hHB5F-0002Ui-Lq Completed");
    CHECK(p.feed("mx1", "7400", "[1/3] 1hHB5F-0002Ui-Lq <= a@example.org H=mail.exa", out) == EximPieces::Result::held);
    // another process's line in between
    CHECK(p.feed("mx1", "7401", "[1\\2] 1hHB5G-0002Uj-Aa ** b@example.net : SMTP error", out) == EximPieces::Result::held);
    CHECK(p.held() == 2);
    CHECK(p.feed("mx1", "7400", "[2/3] mple.org [192.0.2.1] P=esmtp S=12", out) == EximPieces::Result::held);
    CHECK(p.feed("mx1", "7400", "[3/3]  id=m@example.org", out) == EximPieces::Result::joined);
    CHECK(out == "1hHB5F-0002Ui-Lq <= a@example.org H=mail.example.org [192.0.2.1] P=esmtp S=12 id=m@example.org");
    CHECK(p.feed("mx1", "7401", "[2/2]   SMTP<< 550 no", out) == EximPieces::Result::joined);
    CHECK(out == "1hHB5G-0002Uj-Aa ** b@example.net : SMTP error\n  SMTP<< 550 no");
    CHECK(p.held() == 0);
    CHECK(p.take_dropped() == 0);
    SUBCASE("a lost piece drops what was held") {
        CHECK(p.feed("mx1", "9", "[1/3] x", out) == EximPieces::Result::held);
        CHECK(p.feed("mx1", "9", "[3/3] z", out) == EximPieces::Result::held);
        CHECK(p.take_dropped() == 2);
        CHECK(p.held() == 0);
    }
    SUBCASE("pieces left at the end of an input") {
        CHECK(p.feed("mx2", "9", "[1/2] x", out) == EximPieces::Result::held);
        p.clear();
        CHECK(p.take_dropped() == 1);
    }
    SUBCASE("pieces held at the end of a run are saved and joined by the next") {
        CHECK(p.feed("mx2", "9", "[1\\3] first line", out) == EximPieces::Result::held);
        CHECK(p.feed("mx2", "9", "[2/3] second", out) == EximPieces::Result::held);
        CHECK(p.feed("mx3", std::string_view("1\0 2", 4), "[1/2] a", out) == EximPieces::Result::held);
        const std::string saved = p.save();
        EximPieces next;
        next.load(saved);
        CHECK(next.held() == 3);
        CHECK(next.save().size() == saved.size());
        CHECK(next.feed("mx2", "9", "[3/3]  line", out) == EximPieces::Result::joined);
        CHECK(out == "first line\nsecond line");
        // a restored entry that is broken off counts apart (its run counted its pieces)
        CHECK(next.feed("mx3", std::string_view("1\0 2", 4), "[1/2] new", out) == EximPieces::Result::held);
        CHECK(next.take_dropped() == 0);
        CHECK(next.take_dropped_restored() == 1);
    }
    SUBCASE("what load() does not know holds nothing") {
        for (std::string_view bad : {"x", "3:mx1 1:a 2 3 1 0", "5:mx1\0009 1:a 9 3 1 0\n", "5:mx1\0009 99:a 2 3 1 0\n",
                                     "5:mx1\0009 1:a 2 3 1 2\n", "5:mx1\0009 1:a 2 3 0 0\n"}) {
            EximPieces q;
            q.load(bad);
            CHECK(q.held() == 0);
        }
        EximPieces q;
        q.load(std::string_view("5:mx1\0009 1:a 2 3 1 0\n", 20));
        CHECK(q.held() == 1);
    }
    unsigned i = 0, n = 0;
    char sep = 0;
    std::string_view text;
    CHECK_FALSE(EximPieces::split("[1/1] x", i, sep, n, text));
    CHECK_FALSE(EximPieces::split("[7326] 1hHB5F-0002Ui-Lq Completed", i, sep, n, text));
}

TEST_CASE("Exim main log stamps") {
    Zone berlin("Europe/Berlin");
    SyslogParser sp(berlin, 0);
    SyslogLine l;
    REQUIRE(sp.parse_exim_mainlog("2024-03-21 09:18:51.123 [7326] 1hHB5F-0002Ui-Lq Completed", l));
    CHECK(l.has_year);
    CHECK(format_rfc3339(l.time) == "2024-03-21T08:18:51.123000Z");
    CHECK(l.pid == "7326");
    CHECK(l.program == "exim");
    CHECK(l.host.empty());
    CHECK(l.message == "1hHB5F-0002Ui-Lq Completed");
    REQUIRE(sp.parse_exim_mainlog("2024-03-21 09:18:51 -0500 1hHB5F-0002Ui-Lq Completed", l));
    CHECK(format_rfc3339(l.time) == "2024-03-21T14:18:51Z");
    CHECK(l.pid.empty());
    CHECK_FALSE(sp.parse_exim_mainlog("Mar 21 09:18:51 mx1 exim[1]: x", l));

    CHECK(SyslogParser::is_exim_mainlog("2013-06-10 10:10:59 H=x.example (y) [192.0.2.1] sender verify fail for <a@b>"));
    CHECK(SyslogParser::is_exim_mainlog("2013-06-10 18:33:32 [10099] H=(x) [192.0.2.1]:3755 rejected RCPT a@b"));
    CHECK(SyslogParser::is_exim_mainlog("1999-03-02 09:44:33 10HmaX-000000005vi-0000 <= a@b U=CALLER P=local S=sss"));
    CHECK(SyslogParser::is_exim_mainlog("1999-03-02 09:44:33 rcpt acl: macro1 is here"));
    CHECK(SyslogParser::is_exim_mainlog("2013-06-12 03:57:58 login authenticator failed for (ylmf-pc) [192.0.2.45]: 535"));
    CHECK_FALSE(SyslogParser::is_exim_mainlog("2019-10-22 03:39:17 mx1.fqdn.local exim[29786]: dovecot_login x"));
    CHECK_FALSE(SyslogParser::is_exim_mainlog("2023-03-14T00:00:31.185246+01:00 helga postfix/smtpd[1]: x"));
    CHECK_FALSE(SyslogParser::is_exim_mainlog("Jun 29 16:04:19 server exim[1234]: x"));
}

TEST_CASE("Exim words with a '=' that starts no field end (fuzz finding: the parser looped forever)") {
    // a word starting with '=', and one whose key is longer than 8 characters
    auto ev = parse("1hHB5J-0002Uk-Nm <= <> R=1hHB52-0002Ui-Lq =x U=Debian-exim Received-SPF=pass S=1115");
    CHECK(ev.queue_id == "1hHB5J-0002Uk-Nm");
    CHECK(ev.size == 1115);
    auto ev2 = parse("1hHB5J-0002Uk-Nm <= bob@foo.com averyverylongkey=1 == S=12 id=x@y");
    CHECK(ev2.size == 12);
    CHECK(ev2.message_id == "x@y");
}
