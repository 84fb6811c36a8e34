// SPDX-License-Identifier: GPL-3.0-or-later
// The raw-line blob (src/store/raw_codec.*): both formats, appended segments, damage.
#include "mxtrace/base/error.hpp"
#include "mxtrace/store/store.hpp"
#include "store/raw_codec.hpp"
#include "tmpdir.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

using namespace mxtrace;

namespace {
RawLine line(std::int64_t input, std::uint64_t n, Micros t, std::string text) { return RawLine{input, n, t, std::move(text)}; }

std::vector<RawLine> sample() {
    std::vector<RawLine> v = {
        line(1, 3, 1'000'000, "Dec 14 00:00:00 smtp postfix/qmgr[12]: Q1: from=<bob@foo.com>, size=1, nrcpt=1 (queue active)"),
        line(2, 1, 1'000'000, std::string("with a NUL \0 and \x1b and \r", 26)),
        line(1, 900, 5'000'000, ""),
        line(1, 901, -7, "before the epoch"),
    };
    v.push_back(line(3, 1u << 20, 9'000'000, std::string(70'000, 'x'))); // longer than any window
    normalise_raw(v);
    return v;
}

void check_bad(RawCodec& c, std::string_view blob, std::uint64_t size, int which) {
    INFO("damage ", which);
    std::vector<RawLine> out;
    try {
        c.decode(blob, size, out);
        FAIL("decoded a damaged blob");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::damaged);
        CHECK(std::string(e.what()).find("raw lines of a transaction are damaged") != std::string::npos);
    }
}
} // namespace

TEST_CASE("raw codec: format 2 and format 1 round trip byte for byte") {
    RawCodec c;
    const auto lines = sample();
    std::uint64_t size = 0, size1 = 0;
    const std::string b2 = c.encode(lines, size);
    const std::string b1 = c.encode_v1(lines, size1);
    CHECK(b2[0] == kRawFormatZstdSegments);
    CHECK(b1[0] == kRawFormatZlibDict1);
    CHECK(size == size1);
    for (int i = 0; i < 2; ++i) { // twice: the contexts are reused
        std::vector<RawLine> out2, out1;
        c.decode(b2, size, out2);
        c.decode(b1, size1, out1);
        CHECK(out2 == lines);
        CHECK(out1 == lines);
    }
    std::vector<RawLine> none;
    std::uint64_t zero = 1;
    const std::string empty = c.encode(none, zero);
    CHECK(zero == 0);
    c.decode(empty, 0, none);
    CHECK(none.empty());
}

TEST_CASE("raw codec: later lines are appended as a segment, others are refused") {
    RawCodec c;
    std::vector<RawLine> first = {line(1, 10, 100, "a"), line(1, 12, 200, "b")};
    std::uint64_t size = 0, added = 0;
    std::string blob = c.encode(first, size), next;
    // line 11 lies inside the stored range of input 1: it may be a stored line read again
    CHECK_FALSE(c.try_append(blob, {line(1, 11, 300, "c")}, next, added));
    // earlier than (or equal to) the last stored key
    CHECK_FALSE(c.try_append(blob, {line(2, 1, 150, "c")}, next, added));
    CHECK_FALSE(c.try_append(blob, {line(1, 12, 200, "b")}, next, added));
    // after the last line, from another input and past the range: appended
    std::vector<RawLine> more = {line(2, 5, 200, "same time, later input"), line(1, 13, 300, "d")};
    normalise_raw(more);
    REQUIRE(c.try_append(blob, more, next, added));
    CHECK(next.compare(0, 1, blob, 0, 1) == 0);
    std::vector<RawLine> out;
    c.decode(next, size + added, out);
    std::vector<RawLine> want = first;
    want.insert(want.end(), more.begin(), more.end());
    CHECK(out == want);
    // the header now covers input 2 line 5
    std::string third;
    CHECK_FALSE(c.try_append(next, {line(2, 5, 400, "again")}, third, added));
    // a format 1 blob is never appended to
    std::uint64_t s1 = 0;
    CHECK_FALSE(c.try_append(c.encode_v1(first, s1), {line(1, 99, 999, "z")}, third, added));
    // the number of segments is bounded
    std::string b = c.encode(first, size);
    std::uint64_t total = size;
    std::size_t n = 1;
    for (std::uint64_t i = 0;; ++i) {
        std::string nb;
        if (!c.try_append(b, {line(1, 100 + i, 1000 + static_cast<Micros>(i), "x")}, nb, added)) break;
        b = std::move(nb);
        total += added;
        ++n;
    }
    CHECK(n == RawCodec::kMaxSegments);
    out.clear();
    c.decode(b, total, out);
    CHECK(out.size() == first.size() + RawCodec::kMaxSegments - 1);
}

TEST_CASE("raw codec: a damaged blob is a clear error") {
    RawCodec c;
    const auto lines = sample();
    std::uint64_t size = 0, size1 = 0;
    const std::string b2 = c.encode(lines, size);
    const std::string b1 = c.encode_v1(lines, size1);
    check_bad(c, "", 0, 1);
    check_bad(c, std::string(1, '\x07') + b2.substr(1), size, 2); // unknown format byte
    check_bad(c, b2, size + 1, 3);                                // size column disagrees
    check_bad(c, b2.substr(0, b2.size() - 1), size, 4);           // cut short
    check_bad(c, b2 + "x", size, 5);                              // trailing bytes
    check_bad(c, b1.substr(0, b1.size() - 3), size1, 6);
    std::string flip = b2;
    flip[flip.size() - 10] = static_cast<char>(flip[flip.size() - 10] ^ 0x20); // inside the frame: the checksum says so
    check_bad(c, flip, size, 7);
    std::string flip1 = b1;
    flip1[flip1.size() / 2] = static_cast<char>(flip1[flip1.size() / 2] ^ 0x20);
    check_bad(c, flip1, size1, 8);
    std::string out;
    std::uint64_t added = 0;
    CHECK_THROWS_AS(c.try_append(std::string(1, kRawFormatZstdSegments), {line(1, 1, 1, "x")}, out, added), Error);
}

TEST_CASE("store: a transaction continued in a later commit appends its lines; format 1 rows are still read") {
    TmpDir tmp;
    Checkpoint cp;
    cp.fp_hash = "00000000000000aa";
    cp.fp_len = 10;
    cp.path = "mail.log";
    std::int64_t id = 0;
    {
        Store w(tmp.path, Store::Mode::write);
        w.add_input(cp);
        auto t = std::make_unique<Transaction>();
        t->host = "mx";
        t->mta = Mta::postfix;
        t->queue_id = "Q9";
        t->first_time = t->last_time = 1'000'000;
        t->raw = {line(cp.id, 1, 1'000'000, "one")};
        w.put(std::move(t));
        w.commit();
        auto again = w.take_open("mx", "Q9", 2'000'000);
        REQUIRE(again);
        id = again->id;
        again->last_time = 2'000'000;
        again->raw = {line(cp.id, 5, 2'000'000, "two")};
        w.put(std::move(again));
        w.commit();
        CHECK(w.stats().raw_appended == 1);
        CHECK(w.stats().raw_rewritten == 0);
        auto third = w.take_open("mx", "Q9", 2'000'000);
        REQUIRE(third);
        third->raw = {line(cp.id, 1, 1'000'000, "one"), line(cp.id, 7, 2'000'000, "three")}; // one read again
        w.put(std::move(third));
        w.commit();
        CHECK(w.stats().raw_rewritten == 1);
    }
    {
        Store r(tmp.path, Store::Mode::read);
        const auto raw = r.raw_lines(id);
        REQUIRE(raw.size() == 3);
        CHECK(raw[0].text == "one");
        CHECK(raw[1].text == "two");
        CHECK(raw[2].text == "three");
    }
    // a row written in format 1 (by mxtrace before format 2) reads the same
    RawCodec c;
    std::uint64_t size = 0;
    const std::string v1 = c.encode_v1({line(cp.id, 4, 3'000'000, "old format")}, size);
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((tmp.path / "mxtrace.sqlite").c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "UPDATE txn_raw SET nlines = 1, size = ?, data = ? WHERE txn_id = ?", -1, &st, nullptr) == SQLITE_OK);
    sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(size));
    sqlite3_bind_blob(st, 2, v1.data(), static_cast<int>(v1.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, id);
    REQUIRE(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
    {
        Store r(tmp.path, Store::Mode::read);
        const auto raw = r.raw_lines(id);
        REQUIRE(raw.size() == 1);
        CHECK(raw[0].text == "old format");
        CHECK(raw[0].line == 4);
    }
    {
        // and new lines for it merge with the format 1 lines into a format 2 row
        Store w(tmp.path, Store::Mode::write);
        auto t = w.take_open("mx", "Q9", 2'000'000);
        REQUIRE(t);
        t->raw = {line(cp.id, 8, 4'000'000, "new")};
        w.put(std::move(t));
        w.commit();
        CHECK(w.stats().raw_rewritten == 1);
    }
    Store r(tmp.path, Store::Mode::read);
    const auto raw = r.raw_lines(id);
    REQUIRE(raw.size() == 2);
    CHECK(raw[0].text == "old format");
    CHECK(raw[1].text == "new");
}
