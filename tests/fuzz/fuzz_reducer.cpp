// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz target: the reducer fed a random sequence of log lines, the way the indexer feeds it
// (src/index/indexer.cpp classify()): syslog envelope or Exim main log stamp, Exim pieces joined,
// the MTA parsers, Reducer::apply with the line as evidence, idle eviction every few lines, and
// a store stand-in that hands evicted transactions back as Store::take_open does.
// Input: log lines separated by '\n'.
#include "fuzz_util.hpp"

#include "mxtrace/read/exim_pieces.hpp"
#include "mxtrace/read/syslog.hpp"
#include "mxtrace/reduce/reducer.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace mxtrace;

namespace {
void check_transaction(const Transaction& t) {
    if (t.queue_id.empty()) fuzz::fail("a transaction without a queue ID");
    // only a transaction known from a content filter's verdict alone has no MTA
    if (t.mta == Mta::none && (t.verdict.empty() || !t.attempts.empty()))
        fuzz::fail("a transaction without an MTA");
    if (t.first_time > t.last_time) fuzz::fail("a transaction whose first line is after its last");
    for (std::size_t i = 1; i < t.attempts.size(); ++i)
        if (t.attempts[i].time < t.attempts[i - 1].time) fuzz::fail("attempts out of time order");
    for (const auto& r : t.raw)
        if (r.text.empty()) fuzz::fail("an empty raw line kept as evidence");
    (void)t.summary_status();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Zone utc("UTC");
    std::string_view in = fuzz::as_view(data, size);
    SyslogParser syslog(utc, 2023);
    // the store stand-in: transactions handed out, by host + queue ID
    std::map<std::string, std::vector<std::unique_ptr<Transaction>>> stored;
    std::size_t handed_out = 0;
    Reducer reducer(
        [&](std::unique_ptr<Transaction> t) {
            check_transaction(*t);
            ++handed_out;
            stored[t->host + '\0' + t->queue_id].push_back(std::move(t));
        },
        [&](std::string_view host, std::string_view qid, Micros at, bool starts) -> std::unique_ptr<Transaction> {
            auto it = stored.find(std::string(host) + '\0' + std::string(qid));
            if (it == stored.end() || it->second.empty()) return nullptr;
            auto& v = it->second;
            for (auto t = v.begin(); t != v.end(); ++t)
                if ((*t)->first_time <= at && at <= (*t)->last_time) {
                    auto out = std::move(*t);
                    v.erase(t);
                    return out;
                }
            if (starts) return nullptr;
            auto newest = v.end();
            for (auto t = v.begin(); t != v.end(); ++t)
                if (!(*t)->complete && (newest == v.end() || (*t)->first_time > (*newest)->first_time)) newest = t;
            if (newest == v.end()) return nullptr;
            auto out = std::move(*newest);
            v.erase(newest);
            return out;
        });
    EximPieces pieces;
    Event ev;
    SyslogLine sl;
    Micros newest = INT64_MIN;
    std::uint64_t line_no = 0;
    while (!in.empty()) {
        std::string_view text = fuzz::next_line(in);
        ++line_no;
        if (text.empty()) continue;
        const bool parsed = SyslogParser::is_exim_mainlog(text) ? syslog.parse_exim_mainlog(text, sl) : syslog.parse(text, sl);
        if (!parsed) continue;
        if (sl.host.empty()) sl.host = "mainlog-host";
        if (sl.time > newest) newest = sl.time;
        if (mta_of_program(sl.program) == Mta::exim) {
            std::string_view whole;
            const auto r = pieces.feed(sl.host, sl.pid, sl.message, whole);
            (void)pieces.take_dropped();
            if (r == EximPieces::Result::held) continue;
            sl.message = whole;
        }
        ev.clear();
        const LineClass c = parse_mail_line(sl.program, sl.message, ev);
        fuzz::check_event(c, ev);
        if (c != LineClass::event) continue;
        LineSource source{1, line_no, text};
        reducer.apply(sl.host, sl.time, ev, &source);
        if (line_no % 8 == 0) reducer.evict_idle(newest, 3600 * kMicrosPerSecond);
    }
    reducer.flush();
    if (reducer.open_count() != 0) fuzz::fail("transactions left in memory after flush()");
    return 0;
}
