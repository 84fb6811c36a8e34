// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/reduce/reducer.hpp"
#include "mxtrace/read/syslog.hpp"

#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <vector>

using namespace mxtrace;

namespace {
/// Feeds syslog lines through the parsers into a reducer; keeps what the sink receives.
struct Harness {
    Zone zone{"UTC"};
    SyslogParser syslog{zone, 2011};
    std::vector<std::unique_ptr<Transaction>> out;
    std::map<std::string, std::unique_ptr<Transaction>> stored; // what a store would hold, by host/qid
    Reducer reducer{[this](std::unique_ptr<Transaction> t) {
                        out.push_back(std::make_unique<Transaction>(*t));
                        stored[t->host + "/" + t->queue_id] = std::move(t);
                    },
                    [this](std::string_view host, std::string_view qid, Micros at, bool starts) -> std::unique_ptr<Transaction> {
                        auto it = stored.find(std::string(host) + "/" + std::string(qid));
                        if (it == stored.end() || !it->second) return nullptr;
                        const Transaction& t = *it->second;
                        bool inside = at >= t.first_time && at <= t.last_time;
                        if (!inside && (starts || t.complete)) return nullptr;
                        return std::move(it->second);
                    }};
    void feed(std::initializer_list<std::string_view> lines) {
        for (auto l : lines) {
            SyslogLine sl;
            REQUIRE(syslog.parse(l, sl));
            Event ev;
            REQUIRE(parse_mail_line(sl.program, sl.message, ev) == LineClass::event);
            reducer.apply(sl.host, sl.time, ev);
        }
    }
};
Micros at(int d, int h, int m, int s) { return seconds_from_civil(2011, 12, d, h, m, s) * kMicrosPerSecond; }
} // namespace

TEST_CASE("a Postfix message from client= to removed") {
    Harness h;
    h.feed({
        "Dec 15 14:27:21 mx1 postfix/smtpd[2211]: 3F1A2B4C5D: client=smtp.foo.com[192.0.2.5]",
        "Dec 15 14:27:21 mx1 postfix/cleanup[2212]: 3F1A2B4C5D: message-id=<abc@foo.com>",
        "Dec 15 14:27:21 mx1 postfix/qmgr[900]: 3F1A2B4C5D: from=<bob@foo.com>, size=2417, nrcpt=2 (queue active)",
        "Dec 15 14:27:22 mx1 postfix/lmtp[2213]: 3F1A2B4C5D: to=<alice@bar.com>, relay=mail.bar.com[private/dovecot-lmtp], delay=0.2, delays=0.1/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Saved)",
        "Dec 15 14:27:22 mx1 postfix/lmtp[2213]: 3F1A2B4C5D: to=<carol@bar.com>, relay=mail.bar.com[private/dovecot-lmtp], delay=0.2, delays=0.1/0/0/0.1, dsn=5.1.1, status=bounced (550 5.1.1 no such user)",
        "Dec 15 14:27:22 mx1 postfix/bounce[2214]: 3F1A2B4C5D: sender non-delivery notification: 4A5B6C7D8E",
        "Dec 15 14:27:22 mx1 postfix/qmgr[900]: 3F1A2B4C5D: removed",
    });
    REQUIRE(h.out.size() == 1);
    const Transaction& t = *h.out[0];
    CHECK(t.host == "mx1");
    CHECK(t.mta == Mta::postfix);
    CHECK(t.queue_id == "3F1A2B4C5D");
    CHECK(t.client_name == "smtp.foo.com");
    CHECK(t.client_ip == "192.0.2.5");
    CHECK(t.message_id == "abc@foo.com");
    CHECK(t.sender == "bob@foo.com");
    CHECK(t.size == 2417);
    CHECK(t.nrcpt == 2);
    CHECK(t.complete);
    CHECK_FALSE(t.headless);
    CHECK(t.first_time == at(15, 14, 27, 21));
    CHECK(t.last_time == at(15, 14, 27, 22));
    CHECK(t.notification_queue_id == "4A5B6C7D8E");
    REQUIRE(t.attempts.size() == 2);
    CHECK(t.attempts[0].recipient == "alice@bar.com");
    CHECK(t.attempts[1].status == Status::bounced);
    CHECK(t.summary_status() == Status::bounced);
    CHECK(h.reducer.open_count() == 0);
}

TEST_CASE("a reused Postfix queue ID starts a new transaction") {
    Harness h;
    h.feed({
        "Dec 15 10:00:00 mx1 postfix/smtpd[1]: ABCDEF1234: client=a.example[192.0.2.1]",
        "Dec 15 10:00:01 mx1 postfix/qmgr[2]: ABCDEF1234: from=<a@example.org>, size=1, nrcpt=1 (queue active)",
        "Dec 15 10:00:02 mx1 postfix/qmgr[2]: ABCDEF1234: removed",
        "Dec 15 11:00:00 mx1 postfix/smtpd[1]: ABCDEF1234: client=b.example[192.0.2.2]",
        "Dec 15 11:00:01 mx1 postfix/qmgr[2]: ABCDEF1234: from=<b@example.org>, size=1, nrcpt=1 (queue active)",
        // the same ID on another host is another transaction
        "Dec 15 11:00:01 mx2 postfix/qmgr[2]: ABCDEF1234: from=<c@example.org>, size=1, nrcpt=1 (queue active)",
    });
    h.reducer.flush();
    REQUIRE(h.out.size() == 3);
    CHECK(h.out[0]->sender == "a@example.org");
    CHECK(h.out[0]->complete);
    CHECK(h.out[1]->host == "mx1");
    CHECK(h.out[1]->sender == "b@example.org");
    CHECK_FALSE(h.out[1]->complete);
    CHECK(h.out[2]->host == "mx2");
}

TEST_CASE("a Postfix client= without removed, then the same ID again, is also reuse") {
    Harness h;
    h.feed({
        "Dec 15 10:00:00 mx1 postfix/smtpd[1]: ABCDEF1234: client=a.example[192.0.2.1]",
        "Dec 15 12:00:00 mx1 postfix/smtpd[1]: ABCDEF1234: client=b.example[192.0.2.2]",
    });
    h.reducer.flush();
    REQUIRE(h.out.size() == 2);
    CHECK(h.out[0]->client_name == "a.example");
    CHECK(h.out[1]->client_name == "b.example");
}

TEST_CASE("Sendmail: several recipients, deferred then sent, evicted and picked up again") {
    Harness h;
    h.feed({
        "Dec 15 14:27:18 smtp sm-mta[19936]: pBFERI8l019936: from=<bob@foo.com>, size=2417, class=0, nrcpts=3, msgid=<m1@foo.com>, proto=ESMTP, daemon=MTA, relay=ws12.foo.com [192.0.2.10]",
        "Dec 15 14:27:20 smtp sm-mta[19937]: pBFERI8l019936: to=<a@bar.com>,<b@bar.com>, delay=00:00:02, xdelay=00:00:02, mailer=esmtp, pri=32417, relay=smtp.bar.com. [198.51.100.25], dsn=2.0.0, stat=Sent (ok)",
        "Dec 15 14:27:21 smtp sm-mta[19937]: pBFERI8l019936: to=<c@example.net>, delay=00:00:03, xdelay=00:00:01, mailer=esmtp, pri=32417, relay=mx.example.net. [198.51.100.77], dsn=4.0.0, stat=Deferred: Connection timed out",
    });
    CHECK(h.reducer.open_count() == 1);
    h.reducer.evict_idle(at(20, 0, 0, 0), Micros{86400} * kMicrosPerSecond);
    REQUIRE(h.out.size() == 1);
    CHECK_FALSE(h.out[0]->complete);
    h.feed({
        "Dec 16 16:30:01 smtp sm-mta[20001]: pBFERI8l019936: to=<c@example.net>, delay=1+02:02:43, xdelay=00:00:01, mailer=esmtp, pri=122417, relay=mx.example.net. [198.51.100.77], dsn=2.0.0, stat=Sent (queued)",
    });
    h.reducer.flush();
    REQUIRE(h.out.size() == 2);
    const Transaction& t = *h.out[1];
    CHECK(t.first_time == at(15, 14, 27, 18));
    CHECK(t.sender == "bob@foo.com");
    REQUIRE(t.attempts.size() == 4);
    CHECK(t.attempts[2].status == Status::deferred);
    CHECK(t.attempts[3].status == Status::sent);
    CHECK(t.attempts[3].delay == doctest::Approx(93763));
    CHECK(t.complete);
    CHECK(t.summary_status() == Status::sent);
}

TEST_CASE("Postfix expiry marks the deferred recipients expired") {
    Harness h;
    h.feed({
        "Dec 10 10:00:00 mx1 postfix/pickup[1]: 9C8D7E6F50: uid=1000 from=<carol@bar.com>",
        "Dec 10 10:00:01 mx1 postfix/qmgr[2]: 9C8D7E6F50: from=<carol@bar.com>, size=10, nrcpt=1 (queue active)",
        "Dec 10 10:00:05 mx1 postfix/smtp[3]: 9C8D7E6F50: to=<x@example.net>, relay=none, delay=4, delays=0/0/4/0, dsn=4.4.1, status=deferred (connect to mx.example.net[198.51.100.77]:25: Connection timed out)",
        "Dec 15 10:00:05 mx1 postfix/qmgr[2]: 9C8D7E6F50: from=<carol@bar.com>, status=expired, returned to sender",
        "Dec 15 10:00:06 mx1 postfix/qmgr[2]: 9C8D7E6F50: removed",
    });
    REQUIRE(h.out.size() == 1);
    const Transaction& t = *h.out[0];
    REQUIRE(t.attempts.size() == 2);
    CHECK(t.attempts[1].recipient == "x@example.net");
    CHECK(t.attempts[1].status == Status::expired);
    CHECK(t.summary_status() == Status::expired);
}

TEST_CASE("re-applying the same line adds no duplicate attempt") {
    Transaction t;
    Attempt a;
    a.time = 5;
    a.recipient = "x@y";
    a.status = Status::sent;
    add_attempt(t, a);
    add_attempt(t, a);
    CHECK(t.attempts.size() == 1);
    Attempt b = a;
    b.time = 3;
    add_attempt(t, b);
    REQUIRE(t.attempts.size() == 2);
    CHECK(t.attempts[0].time == 3);
}

TEST_CASE("Exim: arrival to Completed, a deferral then a delivery, a bounce linked to its parent") {
    Harness h;
    h.feed({
        "Dec 15 14:27:18 mx exim[100]: 1hHB5F-0002Ui-Lq <= alice@example.org H=mail.example.org [192.0.2.25] P=esmtpa "
        "A=plain:alice S=2417 id=m1@example.org",
        "Dec 15 14:27:19 mx exim[101]: 1hHB5F-0002Ui-Lq == bob@example.net R=dnslookup T=remote_smtp defer (-44) "
        "H=mx.example.net [203.0.113.25]: SMTP error from remote mail server after RCPT TO:<bob@example.net>: 451 4.7.1 "
        "Greylisted",
        "Dec 15 14:27:19 mx exim[101]: 1hHB5F-0002Ui-Lq ** nobody@example.net R=dnslookup T=remote_smtp "
        "H=mx.example.net [203.0.113.25] : SMTP error from remote mail server after RCPT TO:<nobody@example.net>: 550 "
        "5.1.1 User unknown",
        "Dec 15 14:27:19 mx exim[102]: 1hHB5J-0002Uk-Nm <= <> R=1hHB5F-0002Ui-Lq U=Debian-exim P=local S=2230",
        "Dec 15 14:27:20 mx exim[102]: 1hHB5J-0002Uk-Nm => alice@example.org R=dnslookup T=remote_smtp "
        "H=mail.example.org [192.0.2.25] C=\"250 OK id=1hHB5K-0002Ul-Aa\"",
        "Dec 15 14:27:20 mx exim[102]: 1hHB5J-0002Uk-Nm Completed",
        "Dec 15 14:57:19 mx exim[103]: 1hHB5F-0002Ui-Lq => bob@example.net R=dnslookup T=remote_smtp "
        "H=mx.example.net [203.0.113.25] C=\"250 2.0.0 Ok: queued as 4PbC4z6W5Qz3tG3\"",
        "Dec 15 14:57:19 mx exim[103]: 1hHB5F-0002Ui-Lq Completed",
    });
    REQUIRE(h.out.size() == 2); // both completed and handed on at once
    const Transaction& bounce = *h.out[0];
    const Transaction& t = *h.out[1];
    CHECK(bounce.queue_id == "1hHB5J-0002Uk-Nm");
    CHECK(bounce.sender == std::optional<std::string>(""));
    CHECK(bounce.attempts.at(0).queued_as == "1hHB5K-0002Ul-Aa");
    CHECK(t.mta == Mta::exim);
    CHECK(t.complete);
    CHECK_FALSE(t.headless);
    CHECK(t.sender == std::optional<std::string>("alice@example.org"));
    CHECK(t.client_ip == "192.0.2.25");
    CHECK(t.sasl_username == "alice");
    CHECK(t.message_id == "m1@example.org");
    CHECK(t.notification_queue_id == "1hHB5J-0002Uk-Nm");
    REQUIRE(t.attempts.size() == 3);
    CHECK(t.attempts[0].status == Status::deferred);
    CHECK(t.attempts[1].status == Status::bounced);
    CHECK(t.attempts[1].dsn == "5.1.1");
    CHECK(t.attempts[2].status == Status::sent);
    CHECK(t.attempts[2].queued_as == "4PbC4z6W5Qz3tG3");
    CHECK(t.summary_status() == Status::bounced);
}
