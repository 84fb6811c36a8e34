// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/base/error.hpp"
#include "mxtrace/store/check.hpp"
#include "mxtrace/store/fields.hpp"
#include "mxtrace/store/store.hpp"
#include "tmpdir.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <xapian.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/stat.h>

using namespace mxtrace;
namespace fs = std::filesystem;

namespace {
Micros at(int d, int h) { return seconds_from_civil(2011, 12, d, h, 0, 0) * kMicrosPerSecond; }

std::unique_ptr<Transaction> txn(std::string host, std::string qid, Micros first, std::string from, std::string to,
                                 Status st = Status::sent) {
    auto t = std::make_unique<Transaction>();
    t->host = std::move(host);
    t->mta = Mta::postfix;
    t->queue_id = std::move(qid);
    t->first_time = first;
    t->last_time = first + 3600 * kMicrosPerSecond;
    t->sender = std::move(from);
    t->client_name = "ws1.foo.com";
    t->client_ip = "192.0.2.10";
    t->message_id = t->queue_id + "@foo.com";
    t->complete = true;
    Attempt a;
    a.time = t->last_time;
    a.recipient = std::move(to);
    a.relay = "smtp.bar.com[198.51.100.25]:25";
    a.status = st;
    a.dsn = st == Status::sent ? "2.0.0" : "5.1.1";
    a.text = st == Status::sent ? "250 2.0.0 Ok: queued as ABC" : "550 5.1.1 mailbox unavailable";
    t->attempts.push_back(a);
    return t;
}

SearchFilter from(std::string a) {
    SearchFilter f;
    f.from = std::move(a);
    return f;
}

std::vector<std::string> qids(const std::vector<Transaction>& ts) {
    std::vector<std::string> r;
    for (const auto& t : ts) r.push_back(t.queue_id);
    return r;
}
} // namespace

TEST_CASE("store: write, search by every field, newest first") {
    TmpDir tmp;
    auto dir = tmp.path / "ix";
    {
        Store w(dir, Store::Mode::write);
        w.put(txn("smtp", "A1", at(13, 10), "bob@foo.com", "alice@bar.com"));
        w.put(txn("smtp", "A2", at(15, 10), "Bob@Foo.com", "carol@bar.com"));
        w.put(txn("mx1", "A3", at(15, 12), "bob@foo.com", "dave@example.org", Status::bounced));
        w.put(txn("smtp", "A4", at(16, 10), "", "bob@foo.com"));
        w.commit();
        CHECK(w.stats().added == 4);
    }
    struct stat st{};
    REQUIRE(::stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    REQUIRE(::stat((dir / "mxtrace.sqlite").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    Store r(dir, Store::Mode::read);
    CHECK(r.count() == 4);
    SearchFilter f;
    CHECK(qids(r.search(f)) == std::vector<std::string>{"A4", "A3", "A2", "A1"});
    f.from = "BOB@foo.com";
    CHECK(qids(r.search(f)) == std::vector<std::string>{"A3", "A2", "A1"});
    f.host = "SMTP";
    CHECK(qids(r.search(f)) == std::vector<std::string>{"A2", "A1"});
    f.max_results = 1;
    CHECK(qids(r.search(f)) == std::vector<std::string>{"A2"});
    f = {};
    f.since = at(15, 0);
    f.until = at(15, 23);
    CHECK(qids(r.search(f)) == std::vector<std::string>{"A3", "A2"});
    f = {};
    f.since = at(13, 10) + 3600 * kMicrosPerSecond; // A1's last line is exactly then
    CHECK(qids(r.search(f)).back() == "A1");
    f = {};
    f.to = "@bar.com";
    CHECK(qids(r.search(f)) == std::vector<std::string>{"A2", "A1"});
    f.to = "<alice@bar.com>";
    CHECK(qids(r.search(f)) == std::vector<std::string>{"A1"});
    f = {};
    f.from = "<>";
    CHECK(qids(r.search(f)) == std::vector<std::string>{"A4"});
    f = {};
    f.from = "@foo.com";
    CHECK(r.search(f).size() == 3);
    f = {};
    f.message_id = "<A2@foo.com>";
    CHECK(qids(r.search(f)) == std::vector<std::string>{"A2"});
    f = {};
    f.queue_id = "a2";
    CHECK(r.search(f).empty()); // queue IDs are case-sensitive
    f.queue_id = "A2";
    CHECK(r.search(f).size() == 1);
    f = {};
    f.status = Status::bounced;
    CHECK(qids(r.search(f)) == std::vector<std::string>{"A3"});
    f = {};
    f.relay = "SMTP.bar.com.";
    CHECK(r.search(f).size() == 4);
    f.relay = "198.51.100.25";
    CHECK(r.search(f).size() == 4);
    f = {};
    f.client = "192.0.2.10";
    CHECK(r.search(f).size() == 4);
    f = {};
    f.text = "mailbox unavailable";
    CHECK(qids(r.search(f)) == std::vector<std::string>{"A3"});
    f.text = "unavailable nosuchword";
    CHECK(r.search(f).empty()); // all words must occur
    f.text = "queued";
    CHECK(r.search(f).empty()); // the replies of sent attempts are not free text
    f = {};
    std::string explain;
    f.from = "bob@foo.com";
    r.search(f, &explain);
    CHECK(explain.find("XFROMbob@foo.com") != std::string::npos);

    f = {};
    f.to = "dave@example.org";
    auto t = r.search(f);
    REQUIRE(t.size() == 1);
    CHECK(t[0].attempts.size() == 1);
    CHECK(t[0].attempts[0].dsn == "5.1.1");
    CHECK(t[0].sender == "bob@foo.com");
}

TEST_CASE("store: writing the same transaction again updates it, nothing doubled") {
    TmpDir tmp;
    for (int run = 0; run < 2; ++run) {
        Store w(tmp.path, Store::Mode::write);
        w.put(txn("smtp", "A1", at(13, 10), "bob@foo.com", "alice@bar.com"));
        w.commit();
        CHECK(w.stats().added == (run == 0 ? 1u : 0u));
        CHECK(w.stats().updated == (run == 0 ? 0u : 1u));
    }
    Store r(tmp.path, Store::Mode::read);
    CHECK(r.count() == 1);
    CHECK(r.search({}).size() == 1);
    CHECK(r.search({})[0].attempts.size() == 1);
}

TEST_CASE("store: open transactions can be taken back") {
    TmpDir tmp;
    Store w(tmp.path, Store::Mode::write);
    auto t = txn("smtp", "Q1", at(13, 10), "bob@foo.com", "x@example.net", Status::deferred);
    t->complete = false;
    w.put(std::move(t));
    // from the pending batch
    auto back = w.take_open("smtp", "Q1", at(14, 0));
    REQUIRE(back);
    CHECK(back->id == 0);
    w.put(std::move(back));
    w.commit();
    // from the database
    auto again = w.take_open("smtp", "Q1", at(14, 0));
    REQUIRE(again);
    CHECK(again->id != 0);
    CHECK(again->attempts.size() == 1);
    CHECK_FALSE(w.take_open("smtp", "Q1", at(14, 0) + Micros{40} * 86400 * kMicrosPerSecond)); // too old
    CHECK_FALSE(w.take_open("mx1", "Q1", at(14, 0)));
}

TEST_CASE("store: a run killed between the SQLite and the Xapian commit is repaired on the next open") {
    TmpDir tmp;
    { Store w(tmp.path, Store::Mode::write); }
    {
        // what a killed run leaves: a committed SQLite row whose ID is on the pending list
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open((tmp.path / "mxtrace.sqlite").c_str(), &db) == SQLITE_OK);
        const char* sql =
            "INSERT INTO txn(id, host, queue_id, first_us, last_us, mta, sender, client_name, client_ip, message_id, size, "
            "nrcpt, complete, notification_queue_id, headless) VALUES(5, 'smtp', 'K1', 1, 2, 'postfix', 'kill@foo.com', '', '', "
            "'', -1, -1, 1, '', 0); INSERT INTO xapian_pending(id) VALUES(5);";
        REQUIRE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    {
        Store r(tmp.path, Store::Mode::read);
        CHECK(r.search(from("kill@foo.com")).empty());
    }
    { Store w(tmp.path, Store::Mode::write); }
    Store r(tmp.path, Store::Mode::read);
    auto found = r.search(from("kill@foo.com"));
    REQUIRE(found.size() == 1);
    CHECK(found[0].id == 5);
}

namespace {
/// The IDs on the pending-Xapian list, read from the SQLite file beside the writer (WAL).
std::vector<std::int64_t> pending_ids(const std::filesystem::path& dir) {
    sqlite3* db = nullptr;
    std::vector<std::int64_t> ids;
    REQUIRE(sqlite3_open_v2((dir / "mxtrace.sqlite").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT id FROM xapian_pending ORDER BY id", -1, &st, nullptr) == SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) ids.push_back(sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return ids;
}
} // namespace

TEST_CASE("store: background Xapian updates: a batch stays pending until its own update is committed") {
    TmpDir tmp;
    {
        Store w(tmp.path, Store::Mode::write);
        w.set_background_xapian(true);
        w.put(txn("smtp", "B1", at(13, 10), "bob@foo.com", "a@bar.com"));
        w.put(txn("smtp", "B2", at(13, 11), "bob@foo.com", "b@bar.com"));
        w.commit(); // SQLite has 1 and 2; their update may be in flight
        CHECK(pending_ids(tmp.path) == std::vector<std::int64_t>{1, 2});
        // the next batch writes B2 again (a later line) and a new B3
        auto b2 = w.take_open("smtp", "B2", at(13, 11));
        REQUIRE(b2);
        CHECK(b2->id == 2);
        b2->attempts[0].recipient = "changed@bar.com";
        w.put(std::move(b2));
        w.put(txn("smtp", "B3", at(13, 12), "carol@foo.com", "c@bar.com"));
        w.commit(); // 1's update may be done, but is cleared from the list only by a later commit
        CHECK(pending_ids(tmp.path) == std::vector<std::int64_t>{1, 2, 3});
        w.commit(); // nothing new: 1 is cleared; 2 stays, its new state may be in flight
        CHECK(pending_ids(tmp.path) == std::vector<std::int64_t>{2, 3});
        w.sync();
        CHECK(pending_ids(tmp.path).empty());
        Store r(tmp.path, Store::Mode::read);
        CHECK(qids(r.search(from("bob@foo.com"))) == std::vector<std::string>{"B2", "B1"});
        SearchFilter f;
        f.to = "changed@bar.com";
        CHECK(qids(r.search(f)) == std::vector<std::string>{"B2"});
        f.to = "b@bar.com";
        CHECK(r.search(f).empty());
        // one more batch, left to the destructor
        w.put(txn("mx1", "B4", at(14, 10), "dave@foo.com", "d@bar.com"));
        w.commit();
    }
    CHECK(pending_ids(tmp.path).empty());
    Store r(tmp.path, Store::Mode::read);
    CHECK(qids(r.search(from("dave@foo.com"))) == std::vector<std::string>{"B4"});
    CHECK(r.count() == 4);
}

TEST_CASE("store: background Xapian updates give the index the inline ones give") {
    TmpDir tmp;
    std::vector<std::vector<std::string>> found;
    for (bool background : {false, true}) {
        const auto dir = tmp.path / (background ? "bg" : "inline");
        {
            Store w(dir, Store::Mode::write);
            w.set_background_xapian(background);
            for (int i = 0; i < 300; ++i) {
                w.put(txn(i % 3 ? "smtp" : "mx1", "Q" + std::to_string(i), at(10 + i / 50, i % 24),
                          "u" + std::to_string(i % 7) + "@foo.com", "r" + std::to_string(i) + "@bar.com",
                          i % 5 ? Status::sent : Status::bounced));
                if (i % 40 == 39) w.commit();
            }
        }
        Store r(dir, Store::Mode::read);
        SearchFilter f;
        f.max_results = 1000;
        found.push_back(qids(r.search(f)));
        f.status = Status::bounced;
        found.push_back(qids(r.search(f)));
        CHECK(pending_ids(dir).empty());
    }
    REQUIRE(found.size() == 4);
    CHECK(found[0].size() == 300);
    CHECK(found[1].size() == 60);
    CHECK(found[0] == found[2]);
    CHECK(found[1] == found[3]);
}

TEST_CASE("store: quick_check is empty for a sound file and names damage, one line each, at most the limit") {
    TmpDir tmp;
    {
        Store w(tmp.path, Store::Mode::write);
        for (int i = 0; i < 50; ++i) w.put(txn("smtp", "Q" + std::to_string(i), at(14, i % 24), "a@foo.com", "b@bar.com"));
        w.commit();
        CHECK(w.quick_check().empty());
    }
    {
        Store r(tmp.path, Store::Mode::read);
        CHECK(r.quick_check().empty());
    }
    // damage the header of the index txn_last's root page: its cell count grows by 4096
    int root = 0, page_size = 0;
    {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open((tmp.path / "mxtrace.sqlite").c_str(), &db) == SQLITE_OK);
        sqlite3_stmt* st = nullptr;
        REQUIRE(sqlite3_prepare_v2(db, "SELECT rootpage, (SELECT page_size FROM pragma_page_size) FROM sqlite_master "
                                       "WHERE name = 'txn_last'", -1, &st, nullptr) == SQLITE_OK);
        REQUIRE(sqlite3_step(st) == SQLITE_ROW);
        root = sqlite3_column_int(st, 0);
        page_size = sqlite3_column_int(st, 1);
        sqlite3_finalize(st);
        sqlite3_close(db);
    }
    REQUIRE(root > 1);
    {
        std::FILE* f = std::fopen((tmp.path / "mxtrace.sqlite").c_str(), "r+b");
        REQUIRE(f != nullptr);
        const long off = static_cast<long>(root - 1) * page_size + 3;
        REQUIRE(std::fseek(f, off, SEEK_SET) == 0);
        const int b = std::fgetc(f);
        REQUIRE(std::fseek(f, off, SEEK_SET) == 0);
        std::fputc(b ^ 16, f);
        std::fclose(f);
    }
    Store r(tmp.path, Store::Mode::read);
    const auto problems = r.quick_check();
    REQUIRE(!problems.empty());
    for (const auto& p : problems) {
        CHECK(p.find('\n') == std::string::npos);
        CHECK(!p.starts_with("***"));
    }
    CHECK(problems[0].find("Page " + std::to_string(root)) != std::string::npos);
    CHECK(r.quick_check(1).size() == 1);
}

namespace {
/// Sets an environment variable for one scope (the store reads its MXTRACE_* switches per search).
struct EnvVar {
    const char* name;
    EnvVar(const char* n, const char* v) : name(n) { ::setenv(n, v, 1); }
    ~EnvVar() { ::unsetenv(name); }
    EnvVar(const EnvVar&) = delete;
    EnvVar& operator=(const EnvVar&) = delete;
};

/// What a search must return, worked out from every record: the matches of `f` (sender, status
/// and window only), newest first, the first f.max_results.
std::vector<std::string> expected(const std::vector<Transaction>& all, const SearchFilter& f, std::uint64_t* count) {
    std::vector<Transaction> m;
    for (const auto& t : all) {
        if (!f.from.empty() && t.sender != f.from) continue;
        if (f.status != Status::none && t.attempts[0].status != f.status) continue;
        if (f.since && t.last_time < *f.since) continue;
        if (f.until && t.first_time > *f.until) continue;
        m.push_back(t);
    }
    *count = m.size();
    std::sort(m.begin(), m.end(), newer_first);
    if (m.size() > f.max_results) m.resize(f.max_results);
    return qids(m);
}
} // namespace

TEST_CASE("store: searches through the hour and day terms equal a scan of every record, and repair adds hour terms") {
    TmpDir tmp;
    const auto dir = tmp.path / "ix";
    std::vector<Transaction> all;
    {
        Store w(dir, Store::Mode::write);
        std::uint64_t s = 12345;
        auto rnd = [&](std::uint64_t n) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            return static_cast<Micros>((s >> 33) % n);
        };
        // 600 transactions over 6 days from 2011-12-10, most in the working hours; spans of seconds,
        // of hours and of days (deferrals)
        for (int i = 0; i < 600; ++i) {
            const Micros first = at(10 + static_cast<int>(rnd(6)), rnd(10) < 8 ? 8 + static_cast<int>(rnd(10)) : static_cast<int>(rnd(24))) +
                                 rnd(3600) * kMicrosPerSecond;
            auto t = txn(i % 3 ? "mx" : "smtp", fmt::format("Q{:04}", i), first, i % 4 ? "bob@foo.com" : "eve@foo.com",
                         "alice@bar.com", i % 5 ? Status::sent : Status::deferred);
            const std::uint64_t kind = static_cast<std::uint64_t>(rnd(10));
            const Micros span = kind < 6 ? rnd(600) : kind < 9 ? rnd(20 * 3600) : rnd(3 * 86400);
            t->last_time = first + span * kMicrosPerSecond;
            t->attempts[0].time = t->last_time;
            all.push_back(*t);
            w.put(std::move(t));
        }
        // two with the same first-seen time (a cut through a tie)
        auto a = txn("mx", "T1", at(15, 23) + 1, "bob@foo.com", "alice@bar.com");
        auto b = txn("mx", "T2", at(15, 23) + 1, "bob@foo.com", "alice@bar.com");
        all.push_back(*a);
        all.push_back(*b);
        w.put(std::move(a));
        w.put(std::move(b));
        w.commit();
    }
    std::vector<SearchFilter> filters;
    auto add = [&](std::string from, Status st, std::optional<Micros> since, std::optional<Micros> until) {
        for (std::size_t r : {1, 2, 10, 37, 200, 10000}) {
            SearchFilter f;
            f.from = from;
            f.status = st;
            f.since = since;
            f.until = until;
            f.max_results = r;
            filters.push_back(f);
        }
    };
    add("", Status::none, std::nullopt, std::nullopt);
    add("eve@foo.com", Status::none, std::nullopt, std::nullopt);
    add("", Status::deferred, std::nullopt, std::nullopt);
    add("", Status::none, at(12, 9) + 1, at(12, 13) - 1);             // inside one day's hours
    add("", Status::none, at(11, 22), at(13, 3));                     // partial days at both ends
    add("bob@foo.com", Status::none, at(13, 0), at(14, 0));           // one whole day, to the hour
    add("", Status::deferred, at(14, 17) + 5, std::nullopt);          // since only
    add("", Status::none, std::nullopt, at(11, 6) + 1800 * kMicrosPerSecond); // until only
    add("", Status::none, at(20, 0), std::nullopt);                   // after everything
    auto check_all = [&](Store& st, const char* how, bool exact_count = true) {
        for (const auto& f : filters) {
            std::uint64_t count = 0, matching = 0;
            const auto want = expected(all, f, &count);
            INFO(std::string(how) << ": from " << f.from << ", status " << static_cast<int>(f.status) << ", since "
                     << (f.since ? format_rfc3339(*f.since) : "-") << ", until " << (f.until ? format_rfc3339(*f.until) : "-")
                     << ", r " << f.max_results);
            CHECK(qids(st.search(f, nullptr, &matching)) == want);
            // a window walked through the time terms counts its matches exactly, up to r + 1000
            // (the value filters alone give Xapian's estimate)
            if (exact_count && (f.since || f.until)) CHECK(matching == count);
        }
    };
    {
        Store r(dir, Store::Mode::read);
        CHECK(r.info().day_terms);
        CHECK(r.info().hour_terms);
        check_all(r, "hours");
        EnvVar force("MXTRACE_FORCE_DAY_TERMS", "1"); // the walk even where few match
        check_all(r, "hours, forced");
        {
            EnvVar no_hours("MXTRACE_NO_HOUR_TERMS", "1");
            check_all(r, "days, forced");
        }
        EnvVar no_days("MXTRACE_NO_DAY_TERMS", "1");
        check_all(r, "value filters", false);
    }
    // an index from before hour terms: its documents have day terms only
    {
        Xapian::WritableDatabase x((dir / "xapian").string());
        CHECK(x.get_metadata(kHourTermsKey) == "1");
        x.set_metadata(kHourTermsKey, "");
        std::size_t had = 0;
        for (auto d = x.postlist_begin(""); d != x.postlist_end(""); ++d) {
            Xapian::Document doc = x.get_document(*d);
            std::vector<std::string> hours;
            for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t)
                if ((*t).rfind(kHourPrefix, 0) == 0) hours.push_back(*t);
            had += !hours.empty();
            for (const auto& h : hours) doc.remove_term(h);
            x.replace_document(*d, doc);
        }
        CHECK(had == all.size());
        x.commit();
    }
    {
        Store r(dir, Store::Mode::read);
        CHECK(r.info().day_terms);
        CHECK_FALSE(r.info().hour_terms);
        check_all(r, "days (an older index)");
    }
    CHECK(check_index(dir, true).problems.empty());
    // the work directory of a repair that was killed is removed, and said so
    fs::create_directories(dir / ".repair-20200101T000000Z" / "xapian");
    std::string said;
    CHECK(repair_index(dir, [&](std::string_view l) { said += std::string(l) + "\n"; }).doubtful.empty());
    CHECK_FALSE(fs::exists(dir / ".repair-20200101T000000Z"));
    CHECK(said.find(".repair-20200101T000000Z, the work directory of an interrupted repair") != std::string::npos);
    for (const auto& e : fs::directory_iterator(dir)) CHECK_FALSE(e.path().filename().string().starts_with(".repair-"));
    {
        Store r(dir, Store::Mode::read);
        CHECK(r.info().hour_terms);
        check_all(r, "hours (repaired)");
    }
    CHECK(check_index(dir, true).problems.empty());
}

TEST_CASE("store: errors") {
    TmpDir tmp;
    try {
        Store r(tmp.path / "none", Store::Mode::read);
        FAIL("opened a missing index");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::bad_index);
    }
    Store w(tmp.path, Store::Mode::write);
    try {
        Store w2(tmp.path, Store::Mode::write);
        FAIL("second writer got in");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::locked);
        CHECK(std::string(e.what()).find("another mxtrace index is running on") != std::string::npos);
    }
    {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open((tmp.path / "mxtrace.sqlite").c_str(), &db) == SQLITE_OK);
        REQUIRE(sqlite3_exec(db, "UPDATE meta SET value='99' WHERE key='schema_version'", nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    try {
        Store r(tmp.path, Store::Mode::read);
        FAIL("opened an index of another schema");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::bad_index);
        CHECK(std::string(e.what()).find("schema version 99") != std::string::npos);
    }
}

TEST_CASE("store: raw lines are kept once, merged with a headless piece, and pruned with their transaction") {
    TmpDir tmp;
    auto line = [](std::int64_t input, std::uint64_t n, Micros t, std::string text) {
        return RawLine{input, n, t, std::move(text)};
    };
    std::int64_t in1 = 0, in2 = 0;
    {
        Store w(tmp.path, Store::Mode::write);
        Checkpoint c1, c2;
        c1.fp_hash = "0000000000000001";
        c1.fp_len = 10;
        c1.path = "mail.log";
        c2 = c1;
        c2.fp_hash = "0000000000000002";
        c2.path = "mail.log.1";
        w.add_input(c1);
        w.add_input(c2);
        REQUIRE(c1.id != 0);
        REQUIRE(c2.id != c1.id);
        in1 = c1.id;
        in2 = c2.id;
        // the later part of Q1, read first (from mail.log): headless, with a line given twice and a control byte
        auto piece = txn("smtp", "Q1", at(14, 0), "bob@foo.com", "x@example.net");
        piece->headless = true;
        piece->raw = {line(in1, 7, at(14, 1), "second\x1b"), line(in1, 3, at(14, 0), "first"), line(in1, 7, at(14, 1), "second\x1b")};
        w.put(std::move(piece));
        w.commit(std::span<Checkpoint>(&c1, 1));
        // its beginning (from mail.log.1, read later) absorbs the piece and its lines
        auto head = txn("smtp", "Q1", at(13, 23), "bob@foo.com", "x@example.net");
        head->complete = false;
        head->raw = {line(in2, 99, at(13, 23), "start\r")};
        w.put(std::move(head));
        w.commit();
        CHECK(w.stats().merged == 1);
        // the same lines read again (after a kill, with --full) change nothing
        auto again = w.take_open("smtp", "Q1", at(14, 0));
        REQUIRE(again);
        again->raw = {line(in1, 3, at(14, 0), "first"), line(in2, 99, at(13, 23), "start\r")};
        w.put(std::move(again));
        w.commit(std::span<Checkpoint>(&c2, 1));
    }
    {
        Store r(tmp.path, Store::Mode::read);
        REQUIRE(r.count() == 1);
        const auto t = r.search({});
        REQUIRE(t.size() == 1);
        const auto raw = r.raw_lines(t[0].id);
        REQUIRE(raw.size() == 3); // in time order, each once
        CHECK(raw[0].path == "mail.log.1");
        CHECK(raw[0].line == 99);
        CHECK(raw[0].text == "start\r");
        CHECK(raw[0].fingerprint == "0000000000000002/10");
        CHECK(raw[1].path == "mail.log");
        CHECK(raw[1].line == 3);
        CHECK(raw[2].text == "second\x1b");
        CHECK(raw[2].input == in1);
        CHECK(raw[2].time == at(14, 1));
    }
    {
        Store w(tmp.path, Store::Mode::write);
        w.put(txn("smtp", "NEW", at(30, 0), "bob@foo.com", "y@example.net"));
        w.commit();
        auto pr = w.prune(7, at(30, 0), false);
        CHECK(pr.transactions == 1);
    }
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((tmp.path / "mxtrace.sqlite").c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT count(*) FROM txn_raw", -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(sqlite3_column_int64(st, 0) == 0); // the lines went with their transaction (NEW had none)
    sqlite3_finalize(st);
    sqlite3_close(db);
}

TEST_CASE("store: the export change log lists what is new or changed after the mark") {
    TmpDir tmp;
    auto dir = tmp.path / "ix";
    auto has_log = [&] {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open_v2((dir / "mxtrace.sqlite").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
        sqlite3_stmt* st = nullptr;
        sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE name = 'txn_change'", -1, &st, nullptr);
        sqlite3_step(st);
        const bool yes = sqlite3_column_int(st, 0) > 0;
        sqlite3_finalize(st);
        sqlite3_close(db);
        return yes;
    };
    auto ids = [](const std::vector<Changed>& c) {
        std::vector<std::string> v;
        for (const auto& x : c) v.push_back(x.txn.queue_id);
        return v;
    };
    Store w(dir, Store::Mode::write);
    w.put(txn("smtp", "A1", at(13, 10), "bob@foo.com", "alice@bar.com"));
    w.put(txn("smtp", "A2", at(14, 10), "bob@foo.com", "carol@bar.com"));
    w.put(txn("mx1", "A3", at(15, 10), "bob@foo.com", "dave@bar.com"));
    w.commit();
    CHECK_FALSE(has_log()); // an index never exported is as before
    CHECK_FALSE(w.export_mark("t"));
    CHECK(has_log());       // the first export creates it, with every stored transaction
    CHECK(w.export_pending(std::nullopt) == 3);
    auto all = w.export_changes(std::nullopt, 2);
    CHECK(ids(all) == std::vector<std::string>{"A1", "A2"});
    CHECK(all[0].txn.attempts.size() == 1);
    w.set_export_mark("t", all.back().at);
    auto rest = w.export_changes(w.export_mark("t"), 10);
    CHECK(ids(rest) == std::vector<std::string>{"A3"});
    w.set_export_mark("t", rest.back().at);
    CHECK(w.export_changes(w.export_mark("t"), 10).empty());
    CHECK_FALSE(w.export_mark("other")); // one mark per target
    // A1 changes (a later attempt): listed again after the mark, as is a new transaction
    auto a1 = txn("smtp", "A1", at(13, 10), "bob@foo.com", "alice@bar.com");
    Attempt more = a1->attempts[0];
    more.recipient = "zoe@bar.com";
    a1->attempts.push_back(more);
    w.put(std::move(a1));
    w.put(txn("mx1", "A4", at(16, 10), "bob@foo.com", "erin@bar.com"));
    w.commit();
    auto changed = w.export_changes(w.export_mark("t"), 10);
    CHECK(ids(changed) == std::vector<std::string>{"A1", "A4"});
    CHECK(changed[0].txn.attempts.size() == 2);
    CHECK(w.export_pending(w.export_mark("t")) == 2);
    CHECK(changed[0].at.seq > rest.back().at.seq);
}
