// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/store/fields.hpp"
#include "mxtrace/output/output.hpp"
#include "mxtrace/output/columns.hpp"

#include <doctest/doctest.h>

using namespace mxtrace;

namespace {
std::string text(std::string_view s) {
    std::string o;
    escape_text(s, o);
    return o;
}
std::string json(std::string_view s) {
    std::string o;
    escape_json(s, o);
    return o;
}
} // namespace

TEST_CASE("escaping log content") {
    CHECK(text("plain <a@b> text") == "plain <a@b> text");
    CHECK(text("bell\a esc\x1b[31m") == "bell\\x07 esc\\x1b[31m");
    CHECK(text("caf\xc3\xa9") == "caf\xc3\xa9");
    CHECK(text("bad \xff\xfe") == "bad \\xff\\xfe");
    CHECK(text("c1 \xc2\x9b") == "c1 \\xc2\\x9b");
    CHECK(text("trunc \xe2\x82") == "trunc \\xe2\\x82");
    CHECK(text(std::string_view("nul\0x", 5)) == "nul\\x00x");
    CHECK(json("q\"b\\n\nt\t\x01") == "q\\\"b\\\\\\\\n\\nt\\t\\u0001");
    CHECK(json("bad \xff") == "bad \\\\xff");
    // a log that held a backslash and "xff" is never shown like the byte 0xff
    CHECK(text("lit \\xff") == "lit \\\\xff");
    CHECK(text("lit \\xff") != text("lit \xff"));
    CHECK(json("lit \\xff") == "lit \\\\\\\\xff"); // decoded: the text output's "\\xff"
    CHECK(json("lit \\xff") != json("lit \xff"));
    CHECK(text("C:\\dir") == "C:\\\\dir");
}

TEST_CASE("transaction block and JSON") {
    Transaction t;
    t.id = 7;
    t.host = "smtp";
    t.mta = Mta::sendmail;
    t.queue_id = "pBFERI8l019936";
    t.first_time = 1323959238 * kMicrosPerSecond;
    t.last_time = t.first_time + 2 * kMicrosPerSecond;
    t.sender = "bob@foo.com";
    t.client_name = "ws12.foo.com";
    t.client_ip = "192.0.2.10";
    t.message_id = "m1@foo.com";
    t.size = 2417;
    t.nrcpt = 1;
    t.complete = true;
    Attempt a;
    a.time = t.last_time;
    a.recipient = "alice@bar.com";
    a.relay = "smtp.bar.com. [198.51.100.25]";
    a.status = Status::sent;
    a.dsn = "2.0.0";
    a.delay = 2;
    a.text = "Sent (pBFERKa1001234 Message accepted \x1b[2J for delivery)";
    t.attempts.push_back(a);
    CHECK(format_text(t, nullptr) ==
          "transaction: pBFERI8l019936\n"
          "client: ws12.foo.com[192.0.2.10]\n"
          "from: bob@foo.com\n"
          "msgid: m1@foo.com\n"
          "date: 2011-12-15 14:27:18\n"
          "to: recipient=alice@bar.com, relay=smtp.bar.com. [198.51.100.25], status=sent, dsn=2.0.0, delay=2, date=2011-12-15 "
          "14:27:20 (Sent (pBFERKa1001234 Message accepted \\x1b[2J for delivery))\n"
          "status: sent, complete=true, size=2417, nrcpt=1, last_time=2011-12-15 14:27:20, mta=sendmail, id=7\n"
          "host: smtp\n\n");
    CHECK(format_json(t) ==
          "{\"id\":7,\"host\":\"smtp\",\"mta\":\"sendmail\",\"queue_id\":\"pBFERI8l019936\",\"first_time\":\"2011-12-15T14:27:18Z\","
          "\"last_time\":\"2011-12-15T14:27:20Z\",\"sender\":\"bob@foo.com\",\"client\":{\"name\":\"ws12.foo.com\",\"ip\":\"192.0.2.10\",\"sasl_username\":\"\",\"helo\":\"\"},"
          "\"message_id\":\"m1@foo.com\",\"size\":2417,\"nrcpt\":1,\"complete\":true,\"status\":\"sent\",\"notification_queue_id\":\"\",\"verdict\":\"\","
          "\"attempts\":[{\"time\":\"2011-12-15T14:27:20Z\",\"recipient\":\"alice@bar.com\",\"orig_recipient\":\"\","
          "\"relay\":\"smtp.bar.com. [198.51.100.25]\",\"status\":\"sent\",\"dsn\":\"2.0.0\",\"code\":\"\",\"delay\":2,"
          "\"text\":\"Sent (pBFERKa1001234 Message accepted \\u001b[2J for delivery)\",\"queued_as\":\"\"}]}\n");
    t.sender = std::string();
    CHECK(format_text(t, nullptr).find("from: <>\n") != std::string::npos);
    t.sender.reset();
    CHECK(format_json(t).find("\"sender\":null") != std::string::npos);
}

TEST_CASE("the text block shows every field JSON has") {
    // A transaction with a distinct value in every field, so each column's value can be looked
    // for in the text block. A new column (columns.cpp) fails here until the sample fills it and
    // format_text() prints it.
    Transaction t;
    t.id = 4242;
    t.host = "hostvalue";
    t.mta = Mta::exim;
    t.queue_id = "1qZ9xQ-0001Ab-Cd";
    t.first_time = 1678788000 * kMicrosPerSecond + 579644;   // 2023-03-14 10:00:00.579644 UTC
    t.last_time = 1678791723 * kMicrosPerSecond;             // 2023-03-14 11:02:03 UTC
    t.sender = "sendervalue@example.org";
    t.client_name = "clientname.example.org";
    t.client_ip = "192.0.2.77";
    t.sasl_username = "saslvalue";
    t.helo = "helovalue.example.org";
    t.message_id = "msgidvalue@example.org";
    t.size = 987654;
    t.nrcpt = 31;
    t.complete = true;
    t.notification_queue_id = "1qZ9xR-0001Ab-Ef";
    t.verdict = "amavis: Passed CLEAN, score -1.2";
    Attempt a;
    a.time = 1678790096 * kMicrosPerSecond; // 2023-03-14 10:34:56 UTC
    a.recipient = "recipientvalue@example.net";
    a.orig_recipient = "origvalue@example.net";
    a.relay = "relayvalue.example.net[198.51.100.9]";
    a.status = Status::bounced;
    a.dsn = "5.7.1";
    a.code = "554";
    a.delay = 12.5;
    a.text = "textvalue said no";
    a.queued_as = "queuedasvalue";
    t.attempts.push_back(a);
    Zone utc("UTC");
    const std::string block = format_text(t, &utc);
    CAPTURE(block);
    for (const Column& c : columns()) {
        CAPTURE(c.name);
        const Cell cell = c.get(t, &t.attempts[0]);
        REQUIRE_MESSAGE(cell.kind != Cell::null, "the sample leaves this field unset");
        std::string want = cell.text;
        REQUIRE(!want.empty());
        // times: the text block writes them "YYYY-MM-DD HH:MM:SS" in the zone, JSON in RFC 3339
        if (c.name == "first_time") want = format_time(t.first_time, &utc);
        if (c.name == "last_time") want = format_time(t.last_time, &utc);
        if (c.name == "time") want = format_time(a.time, &utc);
        // each value appears once, where it belongs: "name=value" or "label: value"
        CHECK_MESSAGE(block.find(want) != std::string::npos, "the text block does not show " << c.name << " = " << want);
    }
    // the names of the new key=value pairs are JSON's
    for (const char* k : {", delay=12.5,", ", queued_as=queuedasvalue,", "status: bounced, complete=true, size=987654, nrcpt=31,",
                          ", last_time=2023-03-14 11:02:03, notification_queue_id=1qZ9xR-0001Ab-Ef, mta=exim, id=4242\n"})
        CHECK(block.find(k) != std::string::npos);
    // unknown size and nrcpt are left out, as JSON's null
    t.size = -1;
    t.nrcpt = -1;
    t.attempts.clear();
    CHECK(format_text(t, &utc).find("status: (no attempt), complete=true, last_time=") != std::string::npos);
}

TEST_CASE("FNV-1a 64 test vectors") {
    CHECK(fnv1a_hex("") == "cbf29ce484222325");
    CHECK(fnv1a_hex("a") == "af63dc4c8601ec8c");
    CHECK(fnv1a_hex("foobar") == "85944171f73967e8");
    CHECK(make_term("XMSGID", std::string(300, 'x')).size() == 6 + 200 + 16);
}
