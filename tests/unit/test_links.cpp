// SPDX-License-Identifier: GPL-3.0-or-later
// The hop link rules: every rule's sample (a real log line) yields its queue ID through the
// same path the indexer takes (syslog envelope -> MTA parser -> reducer -> hop_links).
#include "mxtrace/mta/events.hpp"
#include "mxtrace/read/syslog.hpp"
#include "mxtrace/reduce/links.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace mxtrace;

namespace {
/// A one-line transaction built from a parsed delivery or notification line.
Transaction from_line(std::string_view line) {
    Zone utc("UTC");
    SyslogParser sp(utc, 2011);
    SyslogLine sl;
    REQUIRE(sp.parse(line, sl));
    Event ev;
    REQUIRE(parse_mail_line(sl.program, sl.message, ev) == LineClass::event);
    Transaction t;
    t.host = std::string(sl.host);
    t.mta = ev.mta;
    t.queue_id = std::string(ev.queue_id);
    if (ev.kind == EventKind::notification) t.notification_queue_id = std::string(ev.child_queue_id);
    if (ev.kind == EventKind::delivery) {
        Attempt a;
        a.time = sl.time;
        a.recipient = ev.recipients.empty() ? std::string() : std::string(ev.recipients[0]);
        a.relay = std::string(ev.relay);
        a.status = ev.status;
        a.text = std::string(ev.text);
        t.attempts.push_back(a);
    }
    return t;
}
} // namespace

TEST_CASE("every link rule finds its queue ID in its real sample line") {
    std::set<std::string_view> names;
    for (const auto& r : link_rules()) {
        CAPTURE(r.name);
        CHECK(names.insert(r.name).second);
        if (r.name == "exim-id") {
            // no Exim parser yet: the rule reads the reply text Exim logs as C="..."
            std::string_view s = r.sample;
            auto p = s.find("C=\"");
            REQUIRE(p != std::string_view::npos);
            std::string_view reply = s.substr(p + 3, s.size() - p - 4);
            const LinkRule* got = nullptr;
            CHECK(next_hop_id(reply, &got) == r.sample_id);
            CHECK(got == &r);
            continue;
        }
        if (r.source == "lookup") {
            // retry-after-reject: found at trace time (test_rejects.cpp), never a stored hop link;
            // its sample is a reject record
            Zone utc("UTC");
            SyslogParser sp(utc, 2011);
            SyslogLine sl;
            REQUIRE(sp.parse(r.sample, sl));
            Event ev;
            CHECK(parse_mail_line(sl.program, sl.message, ev) == LineClass::noqueue);
            CHECK(ev.kind == EventKind::reject_record);
            CHECK(r.sample_id.empty());
            continue;
        }
        Transaction t = from_line(r.sample);
        auto links = hop_links(t);
        REQUIRE(links.size() == 1);
        CHECK(links[0].rule == r.name);
        CHECK(links[0].next_queue_id == r.sample_id);
        if (r.source == "notification") CHECK(links[0].kind == LinkKind::notification);
    }
    CHECK(names.size() == 6);
}

TEST_CASE("hand-off kinds: a relay to another host, a loop through a content filter") {
    // postfix-logsums: amavis at 127.0.0.1:10024 re-injects on the same host -> loop
    Transaction amavis = from_line(link_rules()[0].sample);
    CHECK(hop_links(amavis)[0].kind == LinkKind::loop);
    CHECK(hop_links(amavis)[0].relay_addr == "127.0.0.1");
    // a real Postfix relay to another host (lograptor corpus), three recipients on one hand-off -> one link
    Transaction out = from_line("Jan 31 09:50:03 raptor postfix/smtp[14010]: ED36AD08054: to=<stegosaurus@ceratops.dinos.test>, "
                                "relay=antispam.dinos.test[192.168.9.10]:25, delay=1.5, delays=0.05/0/0.14/1.3, dsn=2.0.0, "
                                "status=sent (250 Ok: queued as 73635C808F)");
    out.attempts.push_back(out.attempts[0]);
    out.attempts.back().recipient = "oviraptor@ceratops.dinos.test";
    auto l = hop_links(out);
    REQUIRE(l.size() == 1);
    CHECK(l[0].kind == LinkKind::relay);
    CHECK(l[0].relay_name == "antispam.dinos.test");
    CHECK(l[0].relay_addr == "192.168.9.10");
    CHECK(l[0].next_queue_id == "73635C808F");
    // Sendmail relay to another host, "Ok: queued as" of a Postfix next hop (the bundled sample)
    Transaction sm = from_line("Dec 16 09:12:34 smtp sm-mta[22281]: pBG9CXlZ022280: to=<alice@bar.com>, delay=00:00:01, "
                               "xdelay=00:00:01, mailer=esmtp, pri=36650, relay=smtp.bar.com. [198.51.100.25], dsn=2.0.0, "
                               "stat=Sent (Ok: queued as 382413987C)");
    auto s = hop_links(sm);
    REQUIRE(s.size() == 1);
    CHECK(s[0].relay_name == "smtp.bar.com");
    CHECK(s[0].next_queue_id == "382413987C");
    CHECK(s[0].kind == LinkKind::relay);
}

TEST_CASE("replies without a next queue ID link nothing") {
    CHECK(next_hop_id("250 2.0.0 <alice@bar.com> tiDZ5szYmtI9s/yLDgCCw/ Saved").empty());
    CHECK(next_hop_id("ok:  Message 40279894 accepted").empty()); // fluent-plugin-sendmail: no queue ID form
    CHECK(next_hop_id("250 2.0.0 6FVIjIMwUJwU66FVIjAEB0 mail accepted for delivery").empty());
    CHECK(next_hop_id("Ok: queued as ").empty());
    CHECK(next_hop_id("OK id=1RaV3V-0003kE-32") == "1RaV3V-0003kE-32");
    // a deferral never links, even if its text names an ID
    Transaction t;
    Attempt a;
    a.status = Status::deferred;
    a.text = "451 queued as ABCDE12345 but failed";
    t.attempts.push_back(a);
    CHECK(hop_links(t).empty());
}

#include "mxtrace/output/trace_output.hpp"
#include "mxtrace/query/trace.hpp"

TEST_CASE("trace keys: Message-ID, queue ID, host:queue ID, query") {
    auto k = parse_trace_key("<4EEB083B.9180226@foo.com>");
    CHECK(k.kind == TraceKey::Kind::message_id);
    CHECK(k.value == "4EEB083B.9180226@foo.com");
    CHECK(parse_trace_key("4EEB083B.9180226@foo.com").kind == TraceKey::Kind::message_id);
    k = parse_trace_key("smtp:pBG9CXlZ022280");
    CHECK(k.kind == TraceKey::Kind::queue_id);
    CHECK(k.host == "smtp");
    CHECK(k.value == "pBG9CXlZ022280");
    k = parse_trace_key("382413987C");
    CHECK(k.kind == TraceKey::Kind::queue_id);
    CHECK(k.host.empty());
    CHECK(parse_trace_key("1RaV3V-0003kE-32").kind == TraceKey::Kind::queue_id);
    // field prefixes of the query language, spaces, quotes: a query
    CHECK(parse_trace_key("status:deferred").kind == TraceKey::Kind::query);
    CHECK(parse_trace_key("from:bob@foo.com").kind == TraceKey::Kind::query);
    CHECK(parse_trace_key("to:@bar.com host:smtp").kind == TraceKey::Kind::query);
    CHECK(parse_trace_key("\"timed out\"").kind == TraceKey::Kind::query);
    CHECK(parse_trace_key("abc").kind == TraceKey::Kind::query); // too short for a queue ID
}

TEST_CASE("durations are printed as measured, negative ones too") {
    CHECK(format_duration(1.23) == "1.230s");
    CHECK(format_duration(-88.930351) == "-1m29s");
    CHECK(format_duration(-2.1) == "-2.100s");
    CHECK(format_duration(302) == "5m02s");
    CHECK(format_duration(91543) == "1d01h25m"); // days: the minutes are cut, not rounded
    CHECK(format_duration(3 * 3600 + 130) == "3h02m10s");
}
