// SPDX-License-Identifier: GPL-3.0-or-later
// The query language's pieces: checker (tokens, caret errors), value forms, IP/CIDR, time
// ranges, and Store::search with a query string (ANDed with the flags).
#include "mxtrace/base/error.hpp"
#include "mxtrace/store/query.hpp"
#include "mxtrace/store/store.hpp"
#include "store/query_parser.hpp"
#include "tmpdir.hpp"

#include <doctest/doctest.h>

#include <tuple>

using namespace mxtrace;

namespace {
Zone& utc() {
    static Zone z("UTC");
    return z;
}
const Micros kNow = seconds_from_civil(2011, 12, 17, 12, 0, 0) * kMicrosPerSecond;

/// The error a query gives: message, and the caret line (second line of the detail).
std::pair<std::string, std::string> error_of(std::string_view q) {
    try {
        check_query(q, utc(), kNow);
    } catch (const Error& e) {
        std::string d = e.detail();
        std::size_t nl = d.find('\n');
        std::string carets = d.substr(nl + 1);
        if (!carets.empty() && carets.back() == '\n') carets.pop_back();
        CHECK(e.code() == ExitCode::usage);
        return {e.what(), carets};
    }
    return {"", ""};
}
} // namespace

TEST_CASE("query checker: tokens") {
    using K = QueryToken::Kind;
    auto t = check_query("from:bob@foo.com (to:*@bar.com OR qid:ABC) NOT \"timed out\" deferred", utc(), kNow);
    REQUIRE(t.size() == 9);
    CHECK(t[0].kind == K::field);
    CHECK(t[0].field->name == "from");
    CHECK(t[0].value == "bob@foo.com");
    CHECK(t[0].value_pos == 5);
    CHECK(t[1].kind == K::lparen);
    CHECK(t[3].kind == K::op_or);
    CHECK(t[4].field->name == "queue_id"); // by its alias
    CHECK(t[5].kind == K::rparen);
    CHECK(t[6].kind == K::op_not);
    CHECK(t[7].kind == K::phrase);
    CHECK(t[7].value == "timed out");
    CHECK(t[8].kind == K::word);
    // a quoted value; a word ending in ':' before a space is a word
    t = check_query("sasl:\"carol@bar.com\" Deferred: x", utc(), kNow);
    REQUIRE(t.size() == 3);
    CHECK(t[0].value == "carol@bar.com");
    CHECK(t[1].kind == K::word);
    // IPv6 values keep their colons
    t = check_query("client:2001:db8::/32", utc(), kNow);
    REQUIRE(t.size() == 1);
    CHECK(t[0].value == "2001:db8::/32");
}

TEST_CASE("query checker: errors point at the place") {
    CHECK(error_of("(a b").second == "  ^");
    CHECK(error_of("a b)").second == "     ^");
    CHECK(error_of("x \"a b").second == "    ^");
    auto [msg, carets] = error_of("to:x@y.z frm:bob");
    CHECK(msg.find("unknown field 'frm'") != std::string::npos);
    CHECK(carets == "           ^^^");
    CHECK(error_of("from: x").second == "      ^");
    CHECK(error_of("a AND").second == "    ^^^");
    CHECK(error_of("AND a").second == "  ^^^");
    CHECK(error_of("a OR OR b").second == "       ^^");
    CHECK(error_of("a ()").second == "    ^^");
    CHECK(error_of("date:2011-12-01..2011-02-30").second == "                   ^^^^^^^^^^");
    CHECK(error_of("status:lost").first.find("unknown status") != std::string::npos);
    CHECK(error_of("client:10.0.0.0/40").second == "         ^^^^^^^^^^^");
    CHECK(error_of("to:*@*.bar.com").second == "       ^^^^^^^^^");
    // control characters are echoed escaped and the carets follow them
    CHECK(error_of("host:\"\x01\" frm:x").second == std::string(14, ' ') + "^^^");
    // bytes that are not UTF-8, and C1 controls, are echoed as \xNN too
    CHECK(error_of("host:\"\xc2\x9b\" frm:x").second == std::string(18, ' ') + "^^^");
    CHECK(error_of("host:\xc3\xa9 (").second == std::string(9, ' ') + "^");
    // nothing wrong: no error
    CHECK(error_of("NOT host:smtp AND (a OR b) XOR c").first.empty());
}

TEST_CASE("query checker: what Xapian would run differently is an error") {
    // Xapian ends an unquoted value at a control character and splits words there
    auto [msg, carets] = error_of("host:smtp\x0b" "foo");
    CHECK(msg.find("control character (\\x0b)") != std::string::npos);
    CHECK(carets == std::string(2 + 9, ' ') + "^^^^");
    CHECK(error_of("host:\x1b[31mx").first.find("control character") != std::string::npos);
    CHECK(error_of("foo\x01").first.find("control character") != std::string::npos);
    CHECK(error_of("host:\"a\x1b" "b\"").first.empty()); // quoted: Xapian keeps every byte
    CHECK(error_of("a\tb\r\nc").first.empty());           // white space separates
    // Xapian takes a byte that is not UTF-8 as Latin-1: the term would never match the raw bytes
    std::tie(msg, carets) = error_of("from:c\xe9@x.com");
    CHECK(msg.find("not UTF-8 (at byte 7)") != std::string::npos);
    CHECK(error_of("\"\xc3\"").first.find("not UTF-8") != std::string::npos);
    CHECK(error_of("host:\xed\xa0\x80").first.find("not UTF-8") != std::string::npos); // a surrogate
    CHECK(error_of("host:h\xc3\xa9").first.empty());
    // NEAR and ADJ are Xapian operators on word positions, which the index does not keep
    CHECK(error_of("a NEAR b").second == "    ^^^^");
    CHECK(error_of("a NEAR/3 b").first.find("NEAR/3 is not supported") != std::string::npos);
    CHECK(error_of("a ADJ b").first.find("ADJ") != std::string::npos);
    CHECK(error_of("a \"NEAR\" b").first.empty());
    // NOT NOT: Xapian's own error has no place
    CHECK(error_of("a AND NOT NOT b").second == std::string(2 + 10, ' ') + "^^^");
    CHECK(error_of("NOT (NOT a)").first.empty());
    // a quoted value reads "" as one '"', as Xapian does
    auto t = check_query("to:\"a\"\"b\" c", utc(), kNow);
    REQUIRE(t.size() == 2);
    CHECK(t[0].value == "a\"b");
    CHECK(t[1].value == "c");
    // queue IDs and domains take no wildcard (it would be looked up as written)
    CHECK(error_of("qid:pBE8*").second == std::string(2 + 8, ' ') + "^");
    CHECK(error_of("to_domain:*.com").first.find("no wildcard") != std::string::npos);
    CHECK(error_of("from_domain:foo.*").first.find("no wildcard") != std::string::npos);
    // free text has no wildcard: Xapian would drop the '*' and look the word up whole
    CHECK(error_of("conn*").second == "      ^");
    CHECK(error_of("\"timed out*\"").second == std::string(2 + 10, ' ') + "^");
    CHECK(error_of("text:time*").second == std::string(2 + 9, ' ') + "^");
    CHECK(error_of("*").first.find("no wildcard") != std::string::npos);
    CHECK(error_of("host:mx* to:bob@*").first.empty());
    // Xapian reads an operator directly before '(' as a word: NOT(a) ran as "not AND a"
    CHECK(error_of("NOT(a)").second == "  ^^^");
    CHECK(error_of("a AND(b)").first.find("would be read as the word \"and\"") != std::string::npos);
    CHECK(error_of("x (a)OR(b)").second == std::string(2 + 5, ' ') + "^^");
    CHECK(error_of("(a)AND b").first.empty()); // after ')' it is the operator
    CHECK(error_of("a OR \"b\"").first.empty());
    // a long query is echoed around the place, with ... for what is left out
    {
        const std::string open(100000, '(');
        std::string detail;
        try {
            check_query(open, utc(), kNow);
        } catch (const Error& e) {
            detail = e.detail();
        }
        CHECK(detail == "  ..." + std::string(61, '(') + "\n" + std::string(5 + 60, ' ') + "^\n"); // the last '('
        const std::string words = std::string(200, 'a') + " frm:x " + std::string(200, 'b');
        std::tie(msg, carets) = error_of(words);
        CHECK(carets == std::string(5 + 60, ' ') + "^^^");
        try {
            check_query(words, utc(), kNow);
        } catch (const Error& e) {
            CHECK(e.detail().starts_with("  ..." + std::string(59, 'a') + " frm:x " + std::string(57, 'b') + "...\n"));
        }
    }
    // relative dates too far back: an error, not a signed overflow
    CHECK(error_of("date:-999999999w..now").first.find("10000 years") != std::string::npos);
    CHECK(error_of("date:99999999999999w..").first.find("cannot read time") != std::string::npos);
    // a relative time alone is one instant: an error, not a search for that microsecond
    CHECK(error_of("date:-2d").first.find("one instant; write date:-2d.. for since then") != std::string::npos);
    CHECK(error_of("date:now").first.find("one instant") != std::string::npos);
    CHECK(error_of("date:2h").first.find("one instant") != std::string::npos);
    CHECK(error_of("date:today").first.empty());
    CHECK(error_of("date:-2d..").first.empty());
}

TEST_CASE("query values") {
    std::string why;
    std::size_t at = 0;
    using PK = ValuePattern::Kind;
    const Field& to = field("to");
    const Field& from = field("from");
    auto v = parse_value(to, "*@Bar.COM", &why, &at);
    REQUIRE(v);
    CHECK(v->kind == PK::domain);
    CHECK(v->value == "bar.com");
    v = parse_value(to, "@bar.com", &why, &at);
    CHECK((v && v->kind == PK::domain && v->value == "bar.com"));
    v = parse_value(from, "Bob@*", &why, &at);
    CHECK((v && v->kind == PK::prefix && v->value == "bob@"));
    v = parse_value(from, "<Bob@Foo.com>", &why, &at);
    CHECK((v && v->kind == PK::exact && v->value == "bob@foo.com"));
    v = parse_value(from, "<>", &why, &at);
    CHECK((v && v->kind == PK::null_sender));
    CHECK_FALSE(parse_value(to, "<>", &why, &at));
    CHECK_FALSE(parse_value(from, "b*b@foo.com", &why, &at));
    CHECK(at == 1);
    CHECK_FALSE(parse_value(from, "*", &why, &at));
    v = parse_value(field("relay"), "smtp.bar.com.", &why, &at);
    CHECK((v && v->value == "smtp.bar.com"));
    v = parse_value(field("queue_id"), "pBE8FUjJ016161", &why, &at);
    CHECK((v && v->value == "pBE8FUjJ016161")); // case kept
    v = parse_value(field("message_id"), "<a@b>", &why, &at);
    CHECK((v && v->value == "a@b"));
    v = parse_value(field("client"), "192.0.2.0/24", &why, &at);
    REQUIRE(v);
    CHECK(v->kind == PK::network);
    CHECK(ip_text(v->net.lo) == "192.0.2.0");
    CHECK(ip_text(v->net.hi) == "192.0.2.255");
}

TEST_CASE("IP addresses and CIDR networks") {
    auto a = parse_ip("192.0.2.7");
    REQUIRE(a);
    CHECK((*a)[10] == 0xff);
    CHECK((*a)[15] == 7);
    CHECK(ip_text(*a) == "192.0.2.7");
    auto b = parse_ip("IPv6:2001:DB8::0:1");
    REQUIRE(b);
    CHECK(ip_text(*b) == "2001:db8::1");
    CHECK_FALSE(parse_ip("192.0.2.256"));
    CHECK_FALSE(parse_ip("unknown"));
    CHECK_FALSE(parse_ip(""));
    auto n = parse_cidr("2001:db8:42::1a/48");
    REQUIRE(n);
    CHECK(ip_text(n->lo) == "2001:db8:42::");
    CHECK(ip_text(n->hi) == "2001:db8:42:ffff:ffff:ffff:ffff:ffff");
    n = parse_cidr("192.0.2.77/0");
    REQUIRE(n);
    CHECK(ip_text(n->lo) == "0.0.0.0");
    CHECK(ip_text(n->hi) == "255.255.255.255");
    n = parse_cidr("192.0.2.77/32");
    REQUIRE(n);
    CHECK(n->lo == n->hi);
    CHECK_FALSE(parse_cidr("192.0.2.0/33"));
    CHECK_FALSE(parse_cidr("2001:db8::/129"));
    CHECK_FALSE(parse_cidr("192.0.2.0/"));
    CHECK_FALSE(parse_cidr("192.0.2.0/2x"));
    // the IPv6: tag of an IPv4 address does not make its length an IPv6 one (it gave ::/24)
    n = parse_cidr("IPv6:192.0.2.77/24");
    REQUIRE(n);
    CHECK(ip_text(n->lo) == "192.0.2.0");
    CHECK(ip_text(n->hi) == "192.0.2.255");
    CHECK_FALSE(parse_cidr("IPv6:192.0.2.0/33"));
    CHECK_FALSE(parse_cidr("fe80::1%eth0/64"));
    CHECK_FALSE(parse_cidr("300.1.1.1/24"));
    n = parse_cidr("::ffff:192.0.2.77/120");
    REQUIRE(n);
    CHECK(ip_text(n->lo) == "192.0.2.0");
    CHECK(ip_text(n->hi) == "192.0.2.255");
    // byte order is address order: a network is a value range
    const IpBytes nine = *parse_ip("192.0.2.9"), ten = *parse_ip("192.0.2.10");
    CHECK(std::string(nine.begin(), nine.end()) < std::string(ten.begin(), ten.end()));
}

TEST_CASE("date ranges") {
    std::string why;
    std::size_t at = 0;
    auto r = parse_time_range("2011-12-15..2011-12-17", utc(), kNow, &why, &at);
    REQUIRE(r);
    CHECK(*r->since == seconds_from_civil(2011, 12, 15, 0, 0, 0) * kMicrosPerSecond);
    CHECK(*r->until == seconds_from_civil(2011, 12, 18, 0, 0, 0) * kMicrosPerSecond - 1); // rounded up
    r = parse_time_range("-2d..now", utc(), kNow, &why, &at);
    REQUIRE(r);
    CHECK(*r->since == kNow - 2 * 86400 * kMicrosPerSecond);
    CHECK(*r->until == kNow);
    r = parse_time_range("2d..", utc(), kNow, &why, &at);
    CHECK((r && *r->since == kNow - 2 * 86400 * kMicrosPerSecond && !r->until));
    r = parse_time_range("..2011-12-14T08:00", utc(), kNow, &why, &at);
    CHECK((r && !r->since && *r->until == seconds_from_civil(2011, 12, 14, 8, 1, 0) * kMicrosPerSecond - 1));
    r = parse_time_range("2011-12-15", utc(), kNow, &why, &at); // one day
    CHECK((r && *r->until - *r->since == 86400 * kMicrosPerSecond - 1));
    r = parse_time_range("2011-12-15T10:00+01:00..2011-12-15T10:00Z", utc(), kNow, &why, &at);
    CHECK((r && *r->until - *r->since == 3600 * kMicrosPerSecond + 60 * kMicrosPerSecond - 1));
    CHECK_FALSE(parse_time_range("..", utc(), kNow, &why, &at));
    CHECK_FALSE(parse_time_range("2011-12-17..2011-12-15", utc(), kNow, &why, &at));
    CHECK_FALSE(parse_time_range("2011-12-15..tuesday", utc(), kNow, &why, &at));
    CHECK(at == 12);
    // in another zone: local midnight
    Zone berlin("Europe/Berlin");
    r = parse_time_range("2011-12-15", berlin, kNow, &why, &at);
    CHECK((r && *r->since == seconds_from_civil(2011, 12, 14, 23, 0, 0) * kMicrosPerSecond));
}

TEST_CASE("query_window: the date: filters ANDed at the top of a query, intersected") {
    const Micros d15 = seconds_from_civil(2011, 12, 15, 0, 0, 0) * kMicrosPerSecond;
    const Micros day = 86400 * kMicrosPerSecond;
    auto w = query_window("from:bob@foo.com host:smtp date:2011-12-15..2011-12-16", utc(), kNow);
    REQUIRE(w);
    CHECK(*w->since == d15);
    CHECK(*w->until == d15 + 2 * day - 1);
    // two ranges: their intersection; AND written out is still a conjunction
    w = query_window("date:2011-12-10..2011-12-16 AND to:*@bar.com date:2011-12-15..", utc(), kNow);
    REQUIRE(w);
    CHECK(*w->since == d15);
    CHECK(*w->until == d15 + 2 * day - 1);
    w = query_window("date:..2011-12-15 status:deferred", utc(), kNow);
    REQUIRE(w);
    CHECK_FALSE(w->since);
    CHECK(*w->until == d15 + day - 1);
    // no date:, or one an operator could let matches outside it through: nothing to take out
    CHECK_FALSE(query_window("from:bob@foo.com host:smtp", utc(), kNow));
    CHECK_FALSE(query_window("date:2011-12-15 OR host:smtp", utc(), kNow));
    CHECK_FALSE(query_window("host:smtp NOT date:2011-12-15", utc(), kNow));
    CHECK_FALSE(query_window("host:smtp XOR date:2011-12-15", utc(), kNow));
    CHECK_FALSE(query_window("(host:smtp date:2011-12-15)", utc(), kNow));
    // a malformed query: no window (parse_query_string reports it)
    CHECK_FALSE(query_window("date:2011-12-15..tuesday", utc(), kNow));
    CHECK_FALSE(query_window("host:smtp (date:2011-12-15", utc(), kNow));
}

TEST_CASE("store: a query string, ANDed with the flags") {
    TmpDir tmp;
    {
        Store w(tmp.path, Store::Mode::write);
        auto mk = [](std::string qid, std::string ip, std::string sasl, std::string to, Micros first, Status st) {
            auto t = std::make_unique<Transaction>();
            t->host = "mx1";
            t->mta = Mta::postfix;
            t->queue_id = std::move(qid);
            t->first_time = first;
            t->last_time = first + 60 * kMicrosPerSecond;
            t->sender = "carol@bar.com";
            t->client_name = "unknown";
            t->client_ip = std::move(ip);
            t->sasl_username = std::move(sasl);
            t->complete = true;
            Attempt a;
            a.time = t->last_time;
            a.recipient = std::move(to);
            a.status = st;
            a.text = st == Status::deferred ? "connect to x[192.0.2.1]:25: Connection timed out" : "250 Ok";
            t->attempts.push_back(a);
            return t;
        };
        const Micros d15 = seconds_from_civil(2011, 12, 15, 10, 0, 0) * kMicrosPerSecond;
        w.put(mk("A1", "192.0.2.5", "carol", "x@bar.com", d15, Status::sent));
        w.put(mk("A2", "2001:db8:42::1a", "Carol", "y@example.org", d15 + 86400 * kMicrosPerSecond, Status::deferred));
        w.put(mk("A3", "198.51.100.7", "", "z@bar.com", d15 + 2 * 86400 * kMicrosPerSecond, Status::sent));
        w.commit();
    }
    Store r(tmp.path, Store::Mode::read);
    auto qids = [&](std::string q, std::string host = {}) {
        SearchFilter f;
        f.query = std::move(q);
        f.host = std::move(host);
        f.zone = "UTC";
        f.now = kNow;
        std::string out;
        for (const auto& t : r.search(f)) out += t.queue_id + " ";
        return out;
    };
    CHECK(qids("sasl:carol") == "A2 A1 ");
    CHECK(qids("client:192.0.2.0/24") == "A1 ");
    CHECK(qids("client:2001:db8::/32") == "A2 ");
    CHECK(qids("client:0.0.0.0/0") == "A3 A1 ");
    CHECK(qids("client:2001:DB8:42:0::1A") == "A2 ");
    CHECK(qids("to:*@bar.com") == "A3 A1 ");
    CHECK(qids("to:*@bar.com date:2011-12-17") == "A3 ");
    CHECK(qids("date:2011-12-16.. to:@bar.com") == "A3 ");
    CHECK(qids("\"timed out\" OR client:198.51.100.7") == "A3 A2 ");
    CHECK(qids("NOT sasl:carol") == "A3 ");
    CHECK(qids("date:-2d..now") == "A3 A2 ");
    CHECK(qids("to:*@bar.com", "mx2").empty()); // the flags AND the query
    SearchFilter bad;
    bad.query = "from:";
    CHECK_THROWS_AS(r.search(bad), Error);
    std::vector<std::string> understood;
    SearchFilter f;
    f.query = "to:@bar.com";
    r.search(f, nullptr, nullptr, &understood);
    REQUIRE(understood.size() == 1);
    CHECK(understood[0] == "to:@bar.com -> domain term XTODbar.com");
}
