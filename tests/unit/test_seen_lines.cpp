// SPDX-License-Identifier: GPL-3.0-or-later
// Line identity in the writer: the batch's counts (SeenBatch), the spans of seconds
// (SeenSpans), and Store::seen across commits, hosts and an index from before the spans.
#include "mxtrace/store/store.hpp"
#include "store/seen_lines.hpp"
#include "tmpdir.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <map>
#include <string>
#include <utility>

using namespace mxtrace;
using detail::SeenBatch;
using detail::SeenSpans;

namespace {
std::map<std::int64_t, std::uint32_t> rows_of(const SeenBatch& b, std::int64_t sec, std::uint64_t hash) {
    std::map<std::int64_t, std::uint32_t> out;
    b.for_key(sec, hash, [&](std::int64_t in, std::uint32_t n) { out[in] = n; });
    return out;
}
} // namespace

TEST_CASE("seen lines: the batch keeps one count per key and input, through growth and forget") {
    SeenBatch b;
    CHECK(b.empty());
    b.put(100, 7, 1, 1);
    b.put(100, 7, 1, 2); // the same input again: the count is replaced
    b.put(100, 7, 2, 1); // another input holds the same line
    b.put(100, 8, 1, 1); // another line in the same second
    CHECK(b.size() == 3);
    CHECK(rows_of(b, 100, 7) == std::map<std::int64_t, std::uint32_t>{{1, 2}, {2, 1}});
    CHECK(rows_of(b, 100, 8) == std::map<std::int64_t, std::uint32_t>{{1, 1}});
    CHECK(rows_of(b, 101, 7).empty());

    // many keys (the index grows several times), each found again
    for (std::int64_t s = 0; s < 50000; ++s) b.put(1000 + s, static_cast<std::uint64_t>(s) * 31, 3, 1);
    CHECK(b.size() == 50003);
    bool all = true;
    for (std::int64_t s = 0; s < 50000; s += 997) all = all && rows_of(b, 1000 + s, static_cast<std::uint64_t>(s) * 31).size() == 1;
    CHECK(all);
    CHECK(rows_of(b, 100, 7).size() == 2);

    // sorted in seen_line's key order
    const auto rows = b.sorted();
    bool ordered = true;
    for (std::size_t i = 1; i < rows.size(); ++i)
        ordered = ordered && std::tie(rows[i - 1].sec, rows[i - 1].hash, rows[i - 1].input) <
                                 std::tie(rows[i].sec, rows[i].hash, rows[i].input);
    CHECK(ordered);

    b.forget(3);
    CHECK(b.size() == 3);
    CHECK(rows_of(b, 1000, 0).empty());
    b.forget(1);
    CHECK(rows_of(b, 100, 7) == std::map<std::int64_t, std::uint32_t>{{2, 1}});
    b.clear();
    CHECK(b.empty());
    CHECK(rows_of(b, 100, 7).empty());
}

TEST_CASE("seen lines: spans cover their host's seconds, host \"\" every host's") {
    SeenSpans s;
    CHECK_FALSE(s.covers("mx1", 10));
    s.widen("mx1", 1, 10, 20);
    s.widen("mx1", 1, 30, 30); // widened, not a second span
    CHECK(s.covers("mx1", 10));
    CHECK(s.covers("mx1", 25));
    CHECK(s.covers("mx1", 30));
    CHECK_FALSE(s.covers("mx1", 31));
    CHECK_FALSE(s.covers("mx1", 9));
    CHECK_FALSE(s.covers("mx2", 15)); // another host's lines never share a line identity
    s.widen("", 2, 100, 200);         // rows from before the spans were kept: every host
    CHECK(s.covers("mx2", 150));
    CHECK(s.covers("mx1", 150));
    CHECK_FALSE(s.covers("mx2", 99));
    int n = 0;
    s.for_each([&](std::string_view, const detail::SeenSpan&) { ++n; });
    CHECK(n == 2);
    s.clear();
    CHECK_FALSE(s.covers("mx2", 150));
}

TEST_CASE("seen lines: the store counts another input's committed line, of the same host only") {
    TmpDir tmp;
    {
        Store w(tmp.path, Store::Mode::write);
        w.put_seen("mx1", 500, 42, 1, 1);
        // the batch's rows count before the commit, for the same host
        CHECK(w.seen("mx1", 500, 42, 2).others == 1);
        CHECK(w.seen("mx1", 500, 42, 1).mine == 1);
        w.commit();
        CHECK(w.seen("mx1", 500, 42, 2).others == 1);
        CHECK(w.seen("mx1", 500, 42, 2).mine == 0);
        CHECK(w.seen("mx1", 500, 42, 1).mine == 1);
        w.put_seen("mx1", 500, 42, 1, 2); // a second occurrence, in the batch: it supersedes the row
        CHECK(w.seen("mx1", 500, 42, 1).mine == 2);
        CHECK(w.seen("mx1", 500, 42, 2).others == 2);
        w.commit();
    }
    {
        Store w(tmp.path, Store::Mode::write); // a later run: the span is read back
        CHECK(w.seen("mx1", 500, 42, 2).others == 2);
        CHECK(w.seen("mx1", 500, 42, 1).mine == 2);
        CHECK(w.seen("mx2", 500, 42, 2).others == 0); // no span of mx2 (the hash would differ anyway)
    }
}

TEST_CASE("seen lines: an index from before the spans gets them from seen_line, for every host") {
    TmpDir tmp;
    {
        Store w(tmp.path, Store::Mode::write);
        w.put_seen("mx1", 700, 9, 4, 3);
        w.commit();
    }
    {
        // what an older mxtrace leaves: the rows, no span table
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open((tmp.path / "mxtrace.sqlite").c_str(), &db) == SQLITE_OK);
        REQUIRE(sqlite3_exec(db, "DROP TABLE seen_span", nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    {
        Store w(tmp.path, Store::Mode::write);
        CHECK(w.seen("mx1", 700, 9, 5).others == 3);
        CHECK(w.seen("any-host", 700, 9, 5).others == 3); // span of host "": the probe is made
        CHECK(w.seen("mx1", 701, 9, 5).others == 0);
    }
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((tmp.path / "mxtrace.sqlite").c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT input, host, lo, hi FROM seen_span", -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(sqlite3_column_int64(st, 0) == 4);
    CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 1))).empty());
    CHECK(sqlite3_column_int64(st, 2) == 700);
    CHECK(sqlite3_column_int64(st, 3) == 700);
    CHECK(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

TEST_CASE("seen lines: prune narrows the spans with the rows") {
    TmpDir tmp;
    const Micros day = 86400 * kMicrosPerSecond;
    const Micros t_new = seconds_from_civil(2024, 3, 30, 0, 0, 0) * kMicrosPerSecond;
    const Micros t_old = t_new - 20 * day;
    auto txn = [](std::string qid, Micros first) {
        auto t = std::make_unique<Transaction>();
        t->host = "mx1";
        t->mta = Mta::postfix;
        t->queue_id = std::move(qid);
        t->first_time = first;
        t->last_time = first;
        t->complete = true;
        return t;
    };
    Store w(tmp.path, Store::Mode::write);
    w.put(txn("OLD", t_old));
    w.put(txn("NEW", t_new));
    const std::int64_t s_old = t_old / kMicrosPerSecond, s_new = t_new / kMicrosPerSecond;
    w.put_seen("mx1", s_old, 1, 1, 1);     // input 1: from the old line to the new one
    w.put_seen("mx1", s_new, 2, 1, 1);
    w.put_seen("mx1", s_old + 60, 3, 2, 1); // input 2: old lines only
    w.commit();
    CHECK(w.seen("mx1", s_old, 1, 9).others == 1);
    const auto pr = w.prune(7, t_new, false);
    CHECK(pr.transactions == 1);
    CHECK(w.seen("mx1", s_old, 1, 9).others == 0);
    CHECK(w.seen("mx1", s_new, 2, 9).others == 1);
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((tmp.path / "mxtrace.sqlite").c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT input, lo, hi FROM seen_span", -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW); // input 2's span went with its rows
    CHECK(sqlite3_column_int64(st, 0) == 1);
    CHECK(sqlite3_column_int64(st, 1) == (t_new - 7 * day) / kMicrosPerSecond); // from the cutoff on
    CHECK(sqlite3_column_int64(st, 2) == s_new);
    CHECK(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
}
