// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace stats --html: the page is self-contained (no external src/href, no script), every
// log-derived string is escaped, and the SVG charts are there.
#include "mxtrace/output/stats_html.hpp"

#include <doctest/doctest.h>

#include <regex>
#include <string>

using namespace mxtrace;

namespace {
StatsReport hostile_report() {
    StatsReport r;
    r.transactions = 7;
    r.first_time = 1323700000LL * 1000000;
    r.last_time = 1323800000LL * 1000000;
    r.received = 5;
    r.delivered = {4, 6};
    r.deferred = {1, 1};
    r.deferrals = 3;
    r.bounced = {1, 2};
    r.rejected = {2, 2};
    r.bytes_received = 123456;
    r.per_day = {{"2011-12-12", Traffic{3, 4, 1, 1, 1}}, {"2011-12-13", Traffic{2, 2, 2, 1, 1}}};
    r.per_hour[14] = Traffic{5, 6, 3, 2, 2};
    r.senders = {{"<script>@x", 3}, {"a\"b'c&d@example.org", 2}, {"", 1}};
    r.recipients = {{"bob@example.net", 6}};
    r.relays = {{"mx.example.net[192.0.2.1]:25", 6}};
    r.clients = {{"evil<img src=http://attacker.example/x.png>[198.51.100.1]", 5}};
    r.reject_reasons = {{"RCPT: 554 5.7.1 <<addr>>: Relay access denied", 2,
                         "RCPT from x[198.51.100.1]: 554 5.7.1 <a@b>: Relay access denied\x1b[31m"}};
    r.delay.count = 6;
    r.delay.p50 = 0.5;
    r.delay.p90 = 2;
    r.delay.p99 = 300;
    r.delay.max = 4000;
    r.delay_by_relay = {{"mx.example.net[192.0.2.1]:25", r.delay}};
    return r;
}
} // namespace

TEST_CASE("escape_html escapes markup and control characters") {
    std::string o;
    escape_html("<script>@x", o);
    CHECK(o == "&lt;script&gt;@x");
    o.clear();
    escape_html("a\"b'c&d\x1b[0m\\", o);
    CHECK(o == "a&quot;b&#39;c&amp;d\\x1b[0m\\\\");
}

TEST_CASE("the HTML report is self-contained, escaped and holds its charts") {
    HtmlReportScope scope{{"mx1", "<b>mx2</b>"}};
    const std::string html = format_stats_html(hostile_report(), scope, nullptr);
    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(html.find("</html>\n") == html.size() - 8);
    // nothing fetched from elsewhere, nothing that runs
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("<img") == std::string::npos);
    CHECK(html.find("<link") == std::string::npos);
    // no tag carries a src or href (log text may say "src=", but only as escaped text: no "<" of the log survives)
    CHECK(!std::regex_search(html, std::regex(R"(<[^>]*\s(src|href|xlink:href|action|data)\s*=)", std::regex::icase)));
    CHECK(html.find("url(") == std::string::npos);
    CHECK(html.find("@import") == std::string::npos);
    CHECK(!std::regex_search(html, std::regex(R"(<[^>]*\son[a-z]+\s*=)", std::regex::icase))); // no event handler attribute
    // log-derived text escaped
    CHECK(html.find("&lt;script&gt;@x") != std::string::npos);
    CHECK(html.find("a&quot;b&#39;c&amp;d@example.org") != std::string::npos);
    CHECK(html.find("evil&lt;img src=http://attacker.example/x.png&gt;[198.51.100.1]") != std::string::npos);
    CHECK(html.find("Relay access denied\\x1b[31m") != std::string::npos);
    CHECK(html.find('\x1b') == std::string::npos);
    CHECK(html.find("Hosts: mx1, &lt;b&gt;mx2&lt;/b&gt;") != std::string::npos);
    CHECK(html.find("<td class=\"t\"><em>(empty)</em></td>") != std::string::npos); // an empty key is marked, not blank
    // the charts: traffic per day (two days), outcome mix, delay percentiles
    CHECK(html.find("<h2>Traffic per day</h2>") != std::string::npos);
    CHECK(html.find("aria-label=\"traffic per day stacked by outcome\"") != std::string::npos);
    CHECK(html.find("aria-label=\"outcome mix of recipients\"") != std::string::npos);
    CHECK(html.find("aria-label=\"delivery delay percentiles\"") != std::string::npos);
    CHECK(html.find("<polyline") != std::string::npos);
    CHECK(html.find("@media print") != std::string::npos);
    // the totals
    CHECK(html.find("<tr><td>delivered</td><td class=\"n\">4</td><td class=\"n\">6</td></tr>") != std::string::npos);
    CHECK(html.find("<tr><td>received</td><td class=\"n\">5</td>") != std::string::npos);
    // deterministic
    CHECK(html == format_stats_html(hostile_report(), scope, nullptr));
}

TEST_CASE("the HTML report of one day is per hour; an empty report still renders") {
    StatsReport r = hostile_report();
    r.per_day.resize(1);
    const std::string html = format_stats_html(r, {}, nullptr);
    CHECK(html.find("<h2>Traffic per hour of 2011-12-12</h2>") != std::string::npos);
    CHECK(html.find("Hosts: none") != std::string::npos);
    const std::string empty = format_stats_html(StatsReport{}, {}, nullptr);
    CHECK(empty.find("Mail report: no transactions") != std::string::npos);
    CHECK(empty.find("No recipient outcomes") != std::string::npos);
    CHECK(empty.find("No delivered recipient with a logged delay") != std::string::npos);
    CHECK(empty.find("src=") == std::string::npos);
}
