// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/store/fields.hpp"
#include "mxtrace/output/output.hpp"

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
    CHECK(json("q\"b\\n\nt\t\x01") == "q\\\"b\\\\n\\nt\\t\\u0001");
    CHECK(json("bad \xff") == "bad \\\\xff");
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
          "to: recipient=alice@bar.com, relay=smtp.bar.com. [198.51.100.25], status=sent, dsn=2.0.0, date=2011-12-15 "
          "14:27:20 (Sent (pBFERKa1001234 Message accepted \\x1b[2J for delivery))\n"
          "host: smtp\n\n");
    CHECK(format_json(t) ==
          "{\"id\":7,\"host\":\"smtp\",\"mta\":\"sendmail\",\"queue_id\":\"pBFERI8l019936\",\"first_time\":\"2011-12-15T14:27:18Z\","
          "\"last_time\":\"2011-12-15T14:27:20Z\",\"sender\":\"bob@foo.com\",\"client\":{\"name\":\"ws12.foo.com\",\"ip\":\"192.0.2.10\",\"sasl_username\":\"\"},"
          "\"message_id\":\"m1@foo.com\",\"size\":2417,\"nrcpt\":1,\"complete\":true,\"status\":\"sent\",\"notification_queue_id\":\"\",\"verdict\":\"\","
          "\"attempts\":[{\"time\":\"2011-12-15T14:27:20Z\",\"recipient\":\"alice@bar.com\",\"orig_recipient\":\"\","
          "\"relay\":\"smtp.bar.com. [198.51.100.25]\",\"status\":\"sent\",\"dsn\":\"2.0.0\",\"delay\":2,"
          "\"text\":\"Sent (pBFERKa1001234 Message accepted \\u001b[2J for delivery)\",\"queued_as\":\"\"}]}\n");
    t.sender = std::string();
    CHECK(format_text(t, nullptr).find("from: <>\n") != std::string::npos);
    t.sender.reset();
    CHECK(format_json(t).find("\"sender\":null") != std::string::npos);
}

TEST_CASE("FNV-1a 64 test vectors") {
    CHECK(fnv1a_hex("") == "cbf29ce484222325");
    CHECK(fnv1a_hex("a") == "af63dc4c8601ec8c");
    CHECK(fnv1a_hex("foobar") == "85944171f73967e8");
    CHECK(make_term("XMSGID", std::string(300, 'x')).size() == 6 + 200 + 16);
}
