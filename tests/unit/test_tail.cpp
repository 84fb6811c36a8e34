// SPDX-License-Identifier: GPL-3.0-or-later
// The long tail of Postfix and Sendmail lines (issue 10, parts 3 and 5): discard, hold, postsuper,
// address verification probes, several Sendmail DSNs, Sendmail queue return time.
#include "mxtrace/reduce/links.hpp"
#include "mxtrace/reduce/reducer.hpp"
#include "mxtrace/read/syslog.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <vector>

using namespace mxtrace;

namespace {
Event parse(std::string_view program, std::string_view msg) {
    Event ev;
    REQUIRE(parse_mail_line(program, msg, ev) == LineClass::event);
    return ev;
}

/// Syslog lines through the parsers into a reducer; flushed transactions in `out`.
struct Feed {
    Zone zone{"UTC"};
    SyslogParser syslog{zone, 2011};
    std::vector<std::unique_ptr<Transaction>> out;
    Reducer reducer{[this](std::unique_ptr<Transaction> t) { out.push_back(std::move(t)); }, nullptr};
    void feed(std::initializer_list<std::string_view> lines) {
        for (auto l : lines) {
            SyslogLine sl;
            REQUIRE(syslog.parse(l, sl));
            Event ev;
            REQUIRE(parse_mail_line(sl.program, sl.message, ev) == LineClass::event);
            reducer.apply(sl.host, sl.time, ev);
        }
        reducer.flush();
    }
};
} // namespace

TEST_CASE("status names round-trip, new classes included") {
    for (Status s : {Status::sent, Status::deferred, Status::bounced, Status::expired, Status::rejected,
                     Status::discarded, Status::held, Status::removed, Status::deliverable, Status::undeliverable}) {
        CHECK(!status_name(s).empty());
        CHECK(status_from_name(status_name(s)) == s);
    }
    CHECK(status_from_name("quarantined") == Status::none);
}

TEST_CASE("Postfix address verification probes are not deliveries") {
    // postfix-grok-patterns test/error_0002.yaml; modoboa mail.log
    auto u = parse("postfix/error", "3E29030F8637E: to=<user@yahoo.com>, relay=none, delay=0.01, delays=0.01/0/0/0, "
                                    "dsn=5.1.1, status=undeliverable-but-not-cached (User unknown in virtual alias table)");
    CHECK(u.status == Status::undeliverable);
    CHECK(u.text == "User unknown in virtual alias table");
    auto d = parse("postfix/smtp", "2847EE008E: to=<info@test2.com>, relay=mail.domain.test[94.23.191.34]:25, delay=6.3, "
                                   "delays=0.04/0.01/6/0.19, dsn=2.1.5, status=deliverable (250 2.1.5 Ok)");
    CHECK(d.status == Status::deliverable);
}

TEST_CASE("Postfix discard and hold actions") {
    SUBCASE("cleanup header check discard") {
        auto ev = parse("postfix/cleanup",
                        "4A5B6C7D8E: discard: header Subject: cheap pills from unknown[203.0.113.9]; from=<x@example.net> "
                        "to=<y@bar.com> proto=ESMTP helo=<x>: spam subject");
        CHECK(ev.kind == EventKind::reject);
        CHECK(ev.status == Status::discarded);
        CHECK(ev.sender == "x@example.net");
        REQUIRE(ev.recipients.size() == 1);
        CHECK(ev.recipients[0] == "y@bar.com");
    }
    SUBCASE("milter-hold") {
        auto ev = parse("postfix/cleanup",
                        "4A5B6C7D8E: milter-hold: END-OF-MESSAGE from unknown[203.0.113.9]: milter triggers HOLD action; "
                        "from=<x@example.net> to=<y@bar.com> proto=ESMTP helo=<x>");
        CHECK(ev.status == Status::held);
    }
    SUBCASE("milter-discard") {
        auto ev = parse("postfix/cleanup",
                        "4A5B6C7D8E: milter-discard: END-OF-MESSAGE from unknown[203.0.113.9]: milter triggers DISCARD "
                        "action; from=<x@example.net> to=<y@bar.com> proto=ESMTP helo=<x>");
        CHECK(ev.status == Status::discarded);
    }
    SUBCASE("the discard transport") {
        auto ev = parse("postfix/discard", "4A5B6C7D8E: to=<y@bar.com>, relay=none, delay=0.1, delays=0.1/0/0/0, dsn=2.0.0, "
                                           "status=sent (spam trap)");
        CHECK(ev.status == Status::discarded);
        // the same text from another transport is a delivery
        auto s = parse("postfix/local", "4A5B6C7D8E: to=<y@bar.com>, relay=local, delay=0.1, delays=0.1/0/0/0, dsn=2.0.0, "
                                        "status=sent (delivered to mailbox)");
        CHECK(s.status == Status::sent);
    }
    SUBCASE("postsuper") {
        // postfix-grok-patterns test/postsuper_0003.yaml
        auto h = parse("postfix/postsuper", "D4F2023DB: placed on hold");
        CHECK(h.status == Status::held);
        auto r = parse("postfix/postsuper", "D4F2023DB: removed");
        CHECK(r.kind == EventKind::removed);
        CHECK(r.status == Status::removed);
        auto q = parse("postfix/qmgr", "D4F2023DB: removed");
        CHECK(q.kind == EventKind::removed);
        CHECK(q.status == Status::none);
    }
}

TEST_CASE("a held message released and delivered is sent; one deleted by postsuper is removed") {
    Feed f;
    f.feed({
        "Dec 10 10:00:00 mx1 postfix/pickup[1]: 9C8D7E6F50: uid=1000 from=<carol@bar.com>",
        "Dec 10 10:00:00 mx1 postfix/cleanup[2]: 9C8D7E6F50: hold: header X-Spam-Flag: YES from local; from=<carol@bar.com> to=<x@example.net>",
        "Dec 10 10:05:00 mx1 postfix/postsuper[4]: 9C8D7E6F50: released from hold",
        "Dec 10 10:05:01 mx1 postfix/qmgr[3]: 9C8D7E6F50: from=<carol@bar.com>, size=10, nrcpt=1 (queue active)",
        "Dec 10 10:05:02 mx1 postfix/smtp[5]: 9C8D7E6F50: to=<x@example.net>, relay=mx.example.net[198.51.100.7]:25, delay=302, delays=301/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 5B6C7D8E9F)",
        "Dec 10 10:05:02 mx1 postfix/qmgr[3]: 9C8D7E6F50: removed",
        "Dec 10 11:00:00 mx1 postfix/pickup[1]: 1A2B3C4D5E: uid=1000 from=<carol@bar.com>",
        "Dec 10 11:00:01 mx1 postfix/postsuper[6]: 1A2B3C4D5E: placed on hold",
        "Dec 10 11:30:00 mx1 postfix/postsuper[7]: 1A2B3C4D5E: removed",
    });
    REQUIRE(f.out.size() == 2);
    const Transaction& a = *f.out[0];
    CHECK(a.queue_id == "9C8D7E6F50");
    REQUIRE(a.attempts.size() == 2);
    CHECK(a.attempts[0].status == Status::held);
    CHECK(a.summary_status() == Status::sent);
    const Transaction& b = *f.out[1];
    CHECK(b.complete);
    CHECK(b.summary_status() == Status::removed);
    CHECK(b.attempts.back().text == "removed by postsuper");
}

TEST_CASE("Sendmail: queue return time reached expires the recipient; every DSN is linked") {
    Feed f;
    f.feed({
        "Dec 10 10:00:00 smtp sm-mta[100]: pBAA00a1000100: from=<carol@bar.com>, size=900, class=0, nrcpts=2, "
        "msgid=<a1@bar.com>, proto=ESMTP, daemon=MTA, relay=ws1.bar.com [192.0.2.10]",
        "Dec 10 10:00:05 smtp sm-mta[101]: pBAA00a1000100: to=<x@example.net>, delay=00:00:05, xdelay=00:00:05, "
        "mailer=esmtp, pri=120900, relay=mx.example.net. [198.51.100.7], dsn=4.0.0, stat=Deferred: Connection refused by mx.example.net.",
        "Dec 10 10:00:06 smtp sm-mta[101]: pBAA00a1000100: to=<nobody@example.org>, delay=00:00:06, xdelay=00:00:01, "
        "mailer=esmtp, pri=120900, relay=mx.example.org. [203.0.113.5], dsn=5.1.1, stat=User unknown",
        "Dec 10 10:00:06 smtp sm-mta[101]: pBAA00a1000100: pBAA00a2000101: DSN: User unknown",
        "Dec 15 10:00:10 smtp sm-mta[300]: pBAA00a1000100: pBFA00a3000300: DSN: Cannot send message for 5 days",
    });
    REQUIRE(f.out.size() == 1);
    const Transaction& t = *f.out[0];
    CHECK(t.notification_queue_id == "pBAA00a2000101 pBFA00a3000300");
    bool expired = false;
    for (const auto& a : t.attempts)
        if (a.recipient == "x@example.net" && a.status == Status::expired) expired = true;
    CHECK(expired);
    CHECK(t.summary_status() == Status::bounced);
    auto links = hop_links(t);
    REQUIRE(links.size() == 2);
    CHECK(links[0].next_queue_id == "pBAA00a2000101");
    CHECK(links[1].next_queue_id == "pBFA00a3000300");
    CHECK(links[1].rule == "sendmail-dsn");
}

TEST_CASE("add_notification keeps each ID once, in order") {
    Transaction t;
    add_notification(t, "A1");
    add_notification(t, "B2");
    add_notification(t, "A1");
    add_notification(t, "");
    CHECK(t.notification_queue_id == "A1 B2");
}

TEST_CASE("Postfix status=expired on a delivery line, and notifications to the postmaster") {
    auto e = parse("postfix/error", "nVcQ4qCLfzz4jr: to=<x@example.net>, relay=none, delay=432000, delays=431999/0.1/0/0, "
                                    "dsn=4.4.1, status=expired, returned to sender (connect to mx.example.net[198.51.100.77]:25: "
                                    "Connection timed out)");
    CHECK(e.queue_id == "nVcQ4qCLfzz4jr"); // enable_long_queue_ids
    CHECK(e.status == Status::expired);
    CHECK(e.text == "returned to sender (connect to mx.example.net[198.51.100.77]:25: Connection timed out)");
    auto n = parse("postfix/bounce", "5E6F7A8B9C: postmaster non-delivery notification: 7F8E9D0C2B");
    CHECK(n.kind == EventKind::notification);
    CHECK(n.child_queue_id == "7F8E9D0C2B");
}

TEST_CASE("Postfix syslog_name variants are Postfix") {
    CHECK(mta_of_program("postfix-out/smtp") == Mta::postfix);
    CHECK(mta_of_program("postfix-in/submission/smtpd") == Mta::postfix);
    CHECK(mta_of_program("postfix/10025/smtpd") == Mta::postfix);
    CHECK(mta_of_program("postfix-") == Mta::none);
    auto c = parse("postfix-in/submission/smtpd", "nVcQ4qCLfzz4jr: client=ws2.bar.com[192.0.2.11]");
    CHECK(c.kind == EventKind::client);
}

TEST_CASE("Postfix proxy-accept / proxy-reject") {
    SUBCASE("before-queue proxy-accept names the queue ID the filter got") {
        auto ev = parse("postfix/smtpd",
                        "proxy-accept: END-OF-MESSAGE: 250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as "
                        "A0320E00C3; from=<news@example.net> to=<user@bar.com> proto=ESMTP helo=<mx.example.net>");
        CHECK(ev.queue_id == "A0320E00C3");
        CHECK(ev.kind == EventKind::info);
        CHECK(ev.shape == Shape::pf_proxy);
    }
    SUBCASE("without a queue ID anywhere it stays a line about no message") {
        Event ev;
        CHECK(parse_mail_line("postfix/smtpd", "proxy-reject: END-OF-MESSAGE: 554 5.7.0 Reject, id=31619-02 - spam; from=<> "
                                               "to=<u@bar.com> proto=SMTP helo=<h>", ev) == LineClass::noqueue);
        Event a;
        CHECK(parse_mail_line("postfix/smtpd", "proxy-accept: END-OF-MESSAGE: 250 2.5.0 OK (381C4E5DFA32622BFC4); "
                                               "from=<a@b.c> to=<d@e.f> proto=ESMTP helo=<h>", a) == LineClass::noqueue);
    }
    SUBCASE("proxy-reject with the smtpd's queue ID rejects the message") {
        auto ev = parse("postfix/smtpd", "3D4E5F6A7C: proxy-reject: END-OF-MESSAGE: 554 5.7.0 Reject, id=31619-02 - spam; "
                                         "from=<> to=<u@bar.com> proto=SMTP helo=<h>");
        CHECK(ev.status == Status::rejected);
        CHECK(ev.dsn == "5.7.0");
        REQUIRE(ev.recipients.size() == 1);
        CHECK(ev.recipients[0] == "u@bar.com");
        CHECK(ev.has_sender);
        CHECK(ev.sender.empty());
    }
}

TEST_CASE("Postfix lost connection / timeout with a queue ID") {
    auto lost = parse("postfix/smtpd", "3D4E5F6A7D: lost connection after DATA (0 bytes) from unknown[203.0.113.9]");
    CHECK(lost.kind == EventKind::removed); // the unfinished message is dropped
    CHECK(lost.shape == Shape::pf_lost_client);
    auto late = parse("postfix/smtpd", "3D4E5F6A7D: timeout after END-OF-MESSAGE from ws1.bar.com[192.0.2.10]");
    CHECK(late.kind == EventKind::info); // already queued
    auto bdat = parse("postfix/smtpd", "3D4E5F6A7D: timeout after BDAT from ws1.bar.com[192.0.2.10]");
    CHECK(bdat.kind == EventKind::removed);
}

TEST_CASE("Postfix redirect is a note with its sender and recipient") {
    auto ev = parse("postfix/smtpd", "4A5B6C7D8E: redirect: RCPT from unknown[203.0.113.9]: <y@bar.com>: Recipient address "
                                     "triggers REDIRECT abuse@bar.com; from=<x@example.net> to=<y@bar.com> proto=ESMTP helo=<x>");
    CHECK(ev.kind == EventKind::info);
    CHECK(ev.shape == Shape::pf_action);
    CHECK(ev.sender == "x@example.net");
}

TEST_CASE("Sendmail: quarantine, premature EOM, Losing, check_relay, clients") {
    auto q = parse("sm-mta", "pBFEB3Rj019923: quarantine=Suspicious attachment");
    CHECK(q.status == Status::held);
    CHECK(q.text == "Suspicious attachment");
    auto eom = parse("sm-mta", "pBFEB3Rj019924: collect: premature EOM: Connection reset by peer");
    CHECK(eom.kind == EventKind::removed);
    CHECK(eom.shape == Shape::sm_lost);
    auto losing = parse("sendmail", "pBFEB3Rj019925: Losing ./qfpBFEB3Rj019925: savemail panic");
    CHECK(losing.kind == EventKind::removed);
    auto relay = parse("sm-mta", "s1NLaDQT022249: ruleset=check_relay, arg1=dsl.example.net, arg2=198.51.100.44, "
                                 "relay=dsl.example.net [198.51.100.44], reject=554 5.7.1 Rejected 198.51.100.44 found in dnsbl");
    CHECK(relay.status == Status::rejected);
    CHECK(relay.recipients.empty()); // arg1 is the client's name, not a recipient
    CHECK(relay.client_name == "dsl.example.net");
    CHECK(relay.client_ip == "198.51.100.44");
    CHECK(relay.dsn == "5.7.1");
    auto local = parse("sendmail", "jA9J1UvC004306: from=root, size=629, class=0, nrcpts=1, msgid=<x@eadmin1>, relay=root@localhost");
    CHECK(local.client_name == "root@localhost");
    CHECK(local.client_ip.empty());
    auto ident = parse("sm-mta", "pBAA00a1000100: from=<carol@bar.com>, size=900, class=0, nrcpts=1, msgid=<a1@bar.com>, "
                                 "proto=ESMTP, daemon=MTA, relay=ident@ws1.bar.com [192.0.2.10]");
    CHECK(ident.client_name == "ws1.bar.com");
    CHECK(ident.client_ip == "192.0.2.10");
}

TEST_CASE("Exim command-line submission: the client is the local user") {
    Feed f;
    f.feed({"Jan 10 10:00:00 mx1 exim[9]: 1hHB5F-0002Ui-Lq <= root@mx1.bar.com U=root P=local S=1205",
            "Jan 10 10:00:01 mx1 exim[9]: 1hHB5F-0002Ui-Lq Completed",
            "Jan 10 10:01:00 mx1 exim[9]: 1hHB5G-0002Uj-Mn <= a@example.net H=mx.example.net [198.51.100.7] U=exim P=esmtp S=10",
            "Jan 10 10:01:01 mx1 exim[9]: 1hHB5G-0002Uj-Mn Completed"});
    REQUIRE(f.out.size() == 2);
    CHECK(f.out[0]->client_name == "root@localhost");
    CHECK(f.out[0]->client_ip.empty());
    CHECK(f.out[1]->client_name == "mx.example.net");
}

TEST_CASE("content filter verdicts") {
    SUBCASE("amavis with Queue-ID") {
        auto ev = parse("amavis", "(237978-11) Passed CLEAN {RelayedInbound}, [198.51.100.120]:41695 [203.0.113.146] "
                                  "ESMTP/ESMTP <a@example.net> -> <u@bar.com>, Queue-ID: 4PbC4x469Jz3tBr, Message-ID: <m@x>, "
                                  "mail_id: V, b: _d, Hits: 2.913, size: 175061, queued_as: 4PbC4z6W5Qz3tG3, 2131 ms");
        CHECK(ev.kind == EventKind::verdict);
        CHECK(ev.queue_id == "4PbC4x469Jz3tBr");
        CHECK(ev.verdict == "Passed CLEAN");
        CHECK(ev.score == "2.913");
        CHECK(ev.filter == "amavis");
    }
    SUBCASE("amavis without Queue-ID names the re-injected message; no score") {
        auto ev = parse("amavis", "(21816-19) Passed CLEAN {RelayedInternal}, MYNETS LOCAL [127.0.0.1]:53903 <root@localhost> -> "
                                  "<admin@test.com>, Message-ID: <m@x>, Hits: -, size: 18043, queued_as: 8D1B3E008E, 102 ms");
        CHECK(ev.queue_id == "8D1B3E008E");
        CHECK(ev.score.empty());
    }
    SUBCASE("amavis blocked with a virus name") {
        auto ev = parse("amavis", "(4051607-09) Blocked INFECTED (Porcupine.Phishing.55542) {DiscardedInbound,Quarantined}, "
                                  "[192.0.2.1]:1434 [192.0.2.1] <a@x> -> <b@y>, quarantine: 2/virus, Queue-ID: 83B741009CD35, "
                                  "Message-ID: <m@x>, mail_id: 26W, Hits: -, size: 28646, 104 ms");
        CHECK(ev.verdict == "Blocked INFECTED (Porcupine.Phishing.55542)");
        CHECK(ev.queue_id == "83B741009CD35");
    }
    SUBCASE("rspamd") {
        auto ev = parse("rspamd", "<8f3a4c>; task; rspamd_task_write_log: id: <m@x>, qid: <4A5B6C7D8F>, ip: 203.0.113.9, "
                                  "from: <x@example.net>, (default: T (reject): [16.20/15.00] [BAYES_SPAM(5.10){99.9%;}]), len: 2048");
        CHECK(ev.queue_id == "4A5B6C7D8F");
        CHECK(ev.verdict == "reject");
        CHECK(ev.score == "16.20");
    }
    SUBCASE("opendkim") {
        auto ev = parse("opendkim", "4A5B6C7D90: DKIM-Signature field added (s=mail, d=bar.com)");
        CHECK(ev.verdict == "signed");
        CHECK(ev.queue_id == "4A5B6C7D90");
    }
    SUBCASE("lines without a queue ID or verdict belong to no message") {
        Event ev;
        CHECK(parse_mail_line("amavis", "(00301-01) Checking: SQiQ1cvjJ06R [127.0.0.1] <a@x> -> <b@y>", ev) == LineClass::not_mine);
        CHECK(parse_mail_line("rspamd", "<8f3a4c>; task; rspamd_task_write_log: id: <m@x>, qid: <>, ip: 203.0.113.9, "
                                        "(default: F (no action): [1.0/15.0] [])", ev) == LineClass::not_mine);
        CHECK(parse_mail_line("opendkim", "OpenDKIM Filter v2.11.0 starting", ev) == LineClass::not_mine);
        CHECK(parse_mail_line("opendkim", "4A5B6C7D90: s=mail d=bar.com SSL", ev) == LineClass::not_mine);
        CHECK(parse_mail_line("spamd", "(00301-01) Passed CLEAN, Queue-ID: 4A5B6C7D90", ev) == LineClass::not_mine);
    }
}

TEST_CASE("verdicts attach to their transaction, once each") {
    Feed f;
    f.feed({
        "Dec 10 11:30:00 mx1 postfix/smtpd[212]: 3D4E5F6A7D: client=mail.example.com[198.51.100.20]",
        "Dec 10 11:30:02 mx1 opendkim[300]: 3D4E5F6A7D: DKIM verification successful",
        "Dec 10 11:30:03 mx1 amavis[301]: (00301-01) Blocked SPAM {DiscardedInbound}, [198.51.100.20]:1 [198.51.100.20] "
        "<n@example.com> -> <d@bar.com>, Queue-ID: 3D4E5F6A7D, Message-ID: <v@example.com>, Hits: 12.5, size: 2000, 800 ms",
        "Dec 10 11:30:03 mx1 amavis[301]: (00301-01) Blocked SPAM {DiscardedInbound}, [198.51.100.20]:1 [198.51.100.20] "
        "<n@example.com> -> <d@bar.com>, Queue-ID: 3D4E5F6A7D, Message-ID: <v@example.com>, Hits: 12.5, size: 2000, 800 ms",
        "Dec 10 11:30:03 mx1 rspamd[302]: <1>; task; rspamd_task_write_log: id: <v@example.com>, qid: <3D4E5F6A7D>, "
        "ip: 198.51.100.20, (default: F (no action): [-0.50/15.00] []), len: 1",
        "Dec 10 11:30:03 mx1 postfix/qmgr[203]: 3D4E5F6A7D: removed",
    });
    REQUIRE(f.out.size() == 1);
    CHECK(f.out[0]->verdict == "opendkim: verified; amavis: Blocked SPAM, score 12.5; rspamd: no action, score -0.50");
    CHECK(f.out[0]->mta == Mta::postfix);
}

TEST_CASE("a client lost during DATA ends the message; a reused queue ID is a new one") {
    Feed f;
    f.feed({
        "Dec 10 11:20:00 mx1 postfix/smtpd[211]: 3D4E5F6A7C: client=unknown[203.0.113.11]",
        "Dec 10 11:20:05 mx1 postfix/smtpd[211]: 3D4E5F6A7C: lost connection after DATA (0 bytes) from unknown[203.0.113.11]",
        "Dec 10 11:20:09 mx1 postfix/smtpd[211]: 3D4E5F6A7C: client=other.example[203.0.113.12]",
    });
    REQUIRE(f.out.size() == 2);
    CHECK(f.out[0]->complete);
    CHECK(f.out[1]->client_ip == "203.0.113.12");
}
