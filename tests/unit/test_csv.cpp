// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/base/error.hpp"
#include "mxtrace/output/csv.hpp"
#include "mxtrace/output/output.hpp"
#include "mxtrace/output/printer.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace mxtrace;

namespace {
std::string q(std::string_view s) {
    std::string o;
    csv_quote(s, o);
    return o;
}

Transaction sample() {
    Transaction t;
    t.id = 3;
    t.host = "mx1";
    t.mta = Mta::postfix;
    t.queue_id = "E519447A96";
    t.first_time = 1323945687 * kMicrosPerSecond;
    t.last_time = t.first_time + 2 * kMicrosPerSecond;
    t.sender = "";
    t.client_name = "unknown";
    t.client_ip = "2001:db8::1";
    t.message_id = "a,b\"c@x";
    t.nrcpt = 2;
    Attempt a;
    a.time = t.first_time + kMicrosPerSecond;
    a.recipient = "nobody@example.org";
    a.status = Status::bounced;
    a.dsn = "5.1.1";
    a.delay = 1.5;
    a.text = "550 \"no\", said\r\nthe \x1b[2J host";
    t.attempts.push_back(a);
    a.recipient = "dan@example.org";
    a.status = Status::sent;
    a.delay = -1;
    a.text = "250 Ok";
    a.queued_as = "CF35C3FDDD";
    t.attempts.push_back(a);
    return t;
}
} // namespace

TEST_CASE("RFC 4180 quoting") {
    CHECK(q("") == "");
    CHECK(q("plain text; with [brackets] and 'single quotes'") == "plain text; with [brackets] and 'single quotes'");
    CHECK(q(" leading and trailing spaces ") == " leading and trailing spaces ");
    CHECK(q("a,b") == "\"a,b\"");
    CHECK(q("say \"hi\"") == "\"say \"\"hi\"\"\"");
    CHECK(q("\"") == "\"\"\"\"");
    CHECK(q("line\r\nbreak") == "\"line\r\nbreak\"");
    CHECK(q("lf\nonly") == "\"lf\nonly\"");
    CHECK(q("cr\ronly") == "\"cr\ronly\"");
    CHECK(q("\\x1b, escaped") == "\"\\x1b, escaped\"");
}

TEST_CASE("CSV rows: one per attempt, escaped then quoted, CRLF") {
    Transaction t = sample();
    Fields f = parse_fields("queue_id,sender,message_id,size,recipient,status,delay,text,queued_as");
    CHECK(csv_header(f) == "queue_id,sender,message_id,size,recipient,status,delay,text,queued_as\r\n");
    CHECK(format_csv(t, f) ==
          "E519447A96,<>,\"a,b\"\"c@x\",,nobody@example.org,bounced,1.5,"
          "\"550 \"\"no\"\", said\\x0d\\x0athe \\x1b[2J host\",\r\n"
          "E519447A96,<>,\"a,b\"\"c@x\",,dan@example.org,sent,,250 Ok,CF35C3FDDD\r\n");
    // transaction columns only: one row
    CHECK(format_csv(t, parse_fields("queue_id,summary_status,complete")) == "E519447A96,bounced,false\r\n");
    // no attempts: one row, attempt columns empty; unknown sender is empty
    t.attempts.clear();
    t.sender.reset();
    CHECK(format_csv(t, parse_fields("queue_id,sender,recipient,time,nrcpt")) == "E519447A96,,,,2\r\n");
    // every column by default, in table order
    CHECK(csv_header(all_fields()).starts_with("id,host,mta,queue_id,first_time,last_time,sender,client_name,"));
}

TEST_CASE("JSON with chosen members") {
    Transaction t = sample();
    CHECK(format_json(t, all_fields()) == format_json(t));
    CHECK(format_json(t, parse_fields("status,queue_id,client_ip")) ==
          "{\"attempts\":[{\"status\":\"bounced\"},{\"status\":\"sent\"}],\"queue_id\":\"E519447A96\","
          "\"client\":{\"ip\":\"2001:db8::1\"}}\n");
    CHECK(format_json(t, parse_fields("client_ip,summary_status,client_name,delay,sender")) ==
          "{\"client\":{\"ip\":\"2001:db8::1\",\"name\":\"unknown\"},\"status\":\"bounced\","
          "\"attempts\":[{\"delay\":1.5},{\"delay\":null}],\"sender\":\"\"}\n");
}

TEST_CASE("the column table and --fields") {
    std::set<std::string_view> names;
    bool attempts_started = false;
    for (const auto& c : columns()) {
        CHECK(names.insert(c.name).second); // unique
        CHECK(!c.description.empty());
        CHECK(c.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string_view::npos);
        // transaction columns first: the JSON object's order
        if (c.level == ColumnLevel::attempt) attempts_started = true;
        else CHECK(!attempts_started);
    }
    CHECK(parse_fields(" host , queue_id").size() == 2);
    CHECK_THROWS_AS(parse_fields("host,nosuch"), Error);
    CHECK_THROWS_AS(parse_fields(""), Error);
    CHECK_THROWS_AS(parse_fields("host,"), Error);
    CHECK_THROWS_AS(parse_fields("host,host"), Error);
    try {
        parse_fields("nosuch");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::usage);
        CHECK(std::string(e.what()).find("nosuch") != std::string::npos);
        CHECK(e.hint().find("queued_as") != std::string::npos);
    }
    CHECK_THROWS_AS(Printer("text", std::string("host"), nullptr), Error);
    CHECK_THROWS_AS(Printer("xml", std::nullopt, nullptr), Error);
    Printer p("csv", std::string("host,recipient"), nullptr);
    CHECK(p.header() == "host,recipient\r\n");
    CHECK(p.print(sample()) == "mx1,nobody@example.org\r\nmx1,dan@example.org\r\n");
    CHECK(Printer("json", std::nullopt, nullptr).header().empty());
}
