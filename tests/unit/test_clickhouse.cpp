// SPDX-License-Identifier: GPL-3.0-or-later
// The ClickHouse store's SQL quoting, filter translation and row reading (no server; the
// server-side tests are tests/clickhouse/).
#include "mxtrace/base/error.hpp"
#include "mxtrace/store/clickhouse.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>

using namespace mxtrace;
using namespace std::string_literals;

namespace {
/// Reads a ClickHouse string literal back as ClickHouse's parser does (readQuotedString: a
/// backslash escapes the next byte; \0 \b \f \n \r \t \xHH have their C meaning). Fails the test
/// if the literal ends early (an unescaped quote inside) or holds a raw control byte.
std::string unquote(const std::string& lit) {
    REQUIRE(lit.size() >= 2);
    REQUIRE(lit.front() == '\'');
    REQUIRE(lit.back() == '\'');
    std::string o;
    for (std::size_t i = 1; i + 1 < lit.size(); ++i) {
        const char c = lit[i];
        REQUIRE(c != '\'');                                     // would end the literal
        REQUIRE(!(static_cast<unsigned char>(c) < 0x20 || c == 0x7f)); // no raw control byte reaches SQL
        if (c != '\\') { o += c; continue; }
        REQUIRE(i + 2 < lit.size());
        const char e = lit[++i];
        if (e == '0') o += '\0';
        else if (e == 'x') {
            REQUIRE(i + 3 < lit.size());
            o += static_cast<char>(std::stoi(lit.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else if (e == 'n') o += '\n';
        else if (e == 't') o += '\t';
        else o += e; // \\ \'
    }
    return o;
}
} // namespace

TEST_CASE("ClickHouse string literals: quotes, backslashes, NUL and control bytes escaped") {
    using clickhouse::quote;
    CHECK(quote("") == "''");
    CHECK(quote("bob@example.com") == "'bob@example.com'");
    CHECK(quote("O'Brien") == "'O\\'Brien'");
    CHECK(quote("a\\b") == "'a\\\\b'");
    CHECK(quote("a\\'b") == "'a\\\\\\'b'");
    CHECK(quote("x\0y"s) == "'x\\0y'");
    CHECK(quote("tab\there\nline\r\x1b[31m\x7f") == "'tab\\x09here\\x0Aline\\x0D\\x1B[31m\\x7F'");
    CHECK(quote("'; DROP TABLE x; --") == "'\\'; DROP TABLE x; --'");
    CHECK(quote("\xc3\xa9t\xc3\xa9 \xff\xfe") == "'\xc3\xa9t\xc3\xa9 \xff\xfe'"); // UTF-8 and stray high bytes as they are
    for (const std::string& v : {"'; DROP TABLE x; --"s, "\\'"s, "'\\"s, "\\"s, "'"s, "\0'\0"s, "a' OR '1'='1"s})
        CHECK(unquote(quote(v)) == v);
}

TEST_CASE("ClickHouse string literals: every byte and long values round-trip") {
    std::string all;
    for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
    CHECK(unquote(clickhouse::quote(all)) == all);
    std::mt19937 rng(14);
    std::string big(100 * 1024, '\0');
    for (auto& c : big) c = static_cast<char>(rng() & 0xff);
    const std::string q = clickhouse::quote(big);
    CHECK(q.size() > big.size());
    CHECK(unquote(q) == big);
    const std::string quotes(100 * 1024, '\'');
    CHECK(unquote(clickhouse::quote(quotes)) == quotes);
}

TEST_CASE("ClickHouse identifiers are backquoted and escaped") {
    CHECK(clickhouse::quote_identifier("mxtrace") == "`mxtrace`");
    CHECK(clickhouse::quote_identifier("a`b\\c") == "`a\\`b\\\\c`");
}

TEST_CASE("JSON strings for JSONEachRow") {
    CHECK(clickhouse::json_string("a\"b\\c\n\x01") == "\"a\\\"b\\\\c\\u000a\\u0001\"");
    CHECK(clickhouse::json_string("\xff") == "\"\xff\"");
}

TEST_CASE("search filters become one WHERE condition with every value quoted") {
    SearchFilter f;
    CHECK(clickhouse::where_clause(f) == "1");
    f.from = "Bob@Example.COM";
    f.to = "@Bar.com";
    f.host = "MX1";
    f.queue_id = "ABC'; DROP TABLE transactions; --";
    f.status = Status::deferred;
    f.since = 1000;
    f.until = 2000;
    const std::string w = clickhouse::where_clause(f);
    CHECK(w == "s_from = 'bob@example.com' AND has(s_to_domain, 'bar.com') AND s_host = 'mx1' AND "
               "queue_id = 'ABC\\'; DROP TABLE transactions; --' AND has(s_status, 'deferred') AND last_us >= 1000 AND "
               "first_us <= 2000");
    SearchFilter n;
    n.from = "<>";
    n.message_id = "<id'\\@x>";
    n.client = "192.0.2.1";
    n.relay = "MX.Example.NET.";
    CHECK(clickhouse::where_clause(n) ==
          "s_from = '<>' AND message_id = 'id\\'\\\\@x' AND has(s_client, '192.0.2.1') AND has(s_relay, 'mx.example.net')");
    SearchFilter nul;
    nul.to = "a\0b@x"s;
    CHECK(clickhouse::where_clause(nul) == "has(s_to, 'a\\0b@x')");
}

TEST_CASE("free text: the words Xapian's QueryParser reads, all among s_words") {
    CHECK(clickhouse::text_terms("Connection TIMED out") == std::vector<std::string>{"connection", "out", "timed"});
    SearchFilter f;
    f.text = "timed out";
    CHECK(clickhouse::where_clause(f) == "hasAll(s_words, ['out', 'timed'])");
    f.text = "it's 'x'; DROP";
    const std::string w = clickhouse::where_clause(f);
    CHECK(w.find("'it\\'s'") != std::string::npos); // the apostrophe in a word goes through quote()
    f.text = "!!! ---";
    CHECK(clickhouse::where_clause(f) == "0"); // no word: nothing matches, as Xapian's empty query
}

TEST_CASE("query words are refused, not ignored") {
    SearchFilter q;
    q.query = "from:bob@x";
    try {
        clickhouse::where_clause(q);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::usage);
        CHECK(std::string(e.what()).find("--engine clickhouse") != std::string::npos);
    }
}

TEST_CASE("a JSONEachRow row becomes a transaction") {
    const std::string line =
        R"({"host":"mx1","queue_id":"Q1","first_us":"1000","last_us":"2000","local_id":"7","mta":"postfix",)"
        R"("sender":null,"client_name":"c\"x","client_ip":"192.0.2.1","sasl_username":"","helo":"",)"
        R"("message_id":"m\u0000\\\/id","size":"-1","nrcpt":2,"complete":1,"headless":0,"notification_queue_id":"",)"
        R"("verdict":"","a_time_us":["1500","1600"],"a_recipient":["a@x","b@x"],"a_orig_recipient":["",""],)"
        R"("a_relay":["r",""],"a_status":["sent","deferred"],"a_dsn":["2.0.0","4.4.1"],"a_delay":[1.5,-1],)"
        "\"a_text\":[\"ok \xff\",\"\\u00e9\\ud83d\\ude00\"],\"a_queued_as\":[\"\",\"\"],\"a_code\":[\"\",\"\"]}";
    const Transaction t = clickhouse::parse_row(line);
    CHECK(t.host == "mx1");
    CHECK(t.id == 7);
    CHECK(t.first_time == 1000);
    CHECK(!t.sender);
    CHECK(t.client_name == "c\"x");
    CHECK(t.message_id == "m\0\\/id"s);
    CHECK(t.size == -1);
    CHECK(t.nrcpt == 2);
    CHECK(t.complete);
    REQUIRE(t.attempts.size() == 2);
    CHECK(t.attempts[0].delay == 1.5);
    CHECK(t.attempts[1].delay == -1);
    CHECK(t.attempts[1].status == Status::deferred);
    CHECK(t.attempts[0].text == "ok \xff");
    CHECK(t.attempts[1].text == "\xc3\xa9\xf0\x9f\x98\x80");
    CHECK_THROWS_AS(clickhouse::parse_row(R"({"host":"mx1")"), Error);
    CHECK_THROWS_AS(clickhouse::parse_row("not json"), Error);
}
