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
