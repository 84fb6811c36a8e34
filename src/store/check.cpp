// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace check / repair / the canonical dump: see include/mxtrace/store/check.hpp and
// ARCHITECTURE.md, "Integrity".
#include "mxtrace/store/check.hpp"

#include "mxtrace/base/error.hpp"
#include "mxtrace/store/store.hpp"
#include "store/document.hpp"
#include "store/index_lock.hpp"
#include "store/raw_codec.hpp"
#include "store/sqlite_util.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <set>
#include <sstream>
#include <unordered_set>

namespace mxtrace {

namespace fs = std::filesystem;

namespace {

/// Stored bytes shown in a report or dump: printable ASCII as is, everything else (and '\') as \xNN.
std::string esc(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (c >= 0x20 && c < 0x7f && c != '\\') out += static_cast<char>(c);
        else out += fmt::format("\\x{:02x}", c);
    }
    return out;
}

std::string hex(std::string_view s) {
    std::string out;
    for (unsigned char c : s) out += fmt::format("{:02x}", c);
    return out;
}

/// The terms of a document, sorted (Xapian's term lists are sorted already).
std::vector<std::string> terms_of(const Xapian::Document& d) {
    std::vector<std::string> out;
    for (auto it = d.termlist_begin(); it != d.termlist_end(); ++it) out.push_back(*it);
    return out;
}

std::vector<std::pair<unsigned, std::string>> values_of(const Xapian::Document& d) {
    std::vector<std::pair<unsigned, std::string>> out;
    for (auto it = d.values_begin(); it != d.values_end(); ++it) out.emplace_back(it.get_valueno(), *it);
    return out;
}

/// How a stored document differs from the one its record implies; "" if it does not.
std::string document_difference(const Xapian::Document& stored, const Xapian::Document& expected) {
    auto a = terms_of(stored), b = terms_of(expected);
    std::vector<std::string> missing, extra;
    std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(missing));
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(extra));
    std::string out;
    auto list = [](const std::vector<std::string>& v) {
        std::string s;
        for (std::size_t i = 0; i < v.size() && i < 3; ++i) s += (i ? " " : "") + esc(v[i]);
        if (v.size() > 3) s += fmt::format(" (+{})", v.size() - 3);
        return s;
    };
    if (!missing.empty()) out += fmt::format("lacks term{} {}", missing.size() == 1 ? "" : "s", list(missing));
    if (!extra.empty()) out += fmt::format("{}has term{} the record does not imply: {}", out.empty() ? "" : "; ",
                                           extra.size() == 1 ? "" : "s", list(extra));
    if (values_of(stored) != values_of(expected)) out += fmt::format("{}has other time or address values than the record implies", out.empty() ? "" : "; ");
    return out;
}

std::string record_name(const Transaction& t) {
    return fmt::format("record {} (host {}, queue ID {}, first seen {})", t.id, esc(t.host), esc(t.queue_id),
                       format_rfc3339(t.first_time));
}

std::string utc_stamp() {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

/// Adds a problem, keeping at most `limit` lines of one kind (then a count).
struct Problems {
    std::vector<std::string>& out;
    std::map<std::string, std::pair<std::uint64_t, std::size_t>> more; // kind -> (count, limit)
    void add(const std::string& kind, std::string line, std::size_t limit = 10) {
        auto& [n, lim] = more[kind];
        lim = limit;
        if (++n <= limit) out.push_back(std::move(line));
    }
    void finish() {
        for (const auto& [kind, nl] : more)
            if (nl.first > nl.second) out.push_back(fmt::format("... and {} more: {}", nl.first - nl.second, kind));
    }
};

/// The SQLite integrity pragma's complaints (empty if "ok").
std::vector<std::string> sqlite_integrity(sql::Db& db, bool full) {
    std::vector<std::string> out;
    sql::Stmt st(db, full ? "PRAGMA integrity_check(100)" : "PRAGMA quick_check(100)");
    while (st.step()) {
        const std::string r = st.str(0);
        if (r == "ok") continue;
        // a row may hold several complaints, one per line ("*** in database main ***\nOn tree page ...")
        for (std::size_t b = 0; b < r.size();) {
            std::size_t e = r.find('\n', b);
            if (e == std::string::npos) e = r.size();
            if (e > b) out.push_back(r.substr(b, e - b));
            b = e + 1;
        }
    }
    return out;
}

sql::Db open_sqlite_ro(const fs::path& p) {
    sql::Db db(p.string(), SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
    db.exec("PRAGMA busy_timeout=10000;");
    return db;
}

/// Sorted docids of all documents.
std::vector<std::int64_t> xapian_ids(Xapian::Database& x) {
    std::vector<std::int64_t> ids;
    for (auto it = x.postlist_begin(""); it != x.postlist_end(""); ++it) ids.push_back(static_cast<std::int64_t>(*it));
    return ids;
}

/// True for SQLite's SQLITE_NOTADB message: the header is gone, no row can be read.
bool not_a_database(std::string_view what) { return what.find("file is not a database") != std::string_view::npos; }

/// "is missing", or what stands in the place of the file or directory expected there.
std::string absent_as(const fs::path& p, fs::file_type want) {
    std::error_code ec;
    const fs::file_type t = fs::symlink_status(p, ec).type();
    if (ec || t == fs::file_type::not_found) return "is missing";
    if (t == fs::file_type::symlink && fs::status(p, ec).type() == fs::file_type::not_found)
        return "is a symbolic link to nothing";
    const char* what = t == fs::file_type::directory ? "a directory"
                       : t == fs::file_type::regular ? "a regular file"
                       : t == fs::file_type::symlink ? "a symbolic link"
                                                     : "a special file";
    return fmt::format("is {} where {} belongs", what, want == fs::file_type::directory ? "a directory" : "a file");
}

} // namespace

std::string records_lost_hint(const fs::path& dir) {
    std::string d = dir.string();
    while (d.size() > 1 && d.back() == '/') d.pop_back();
    return fmt::format("the records cannot be rebuilt from the search index; move the index away and index the logs "
                       "again: mv {} {} && mxtrace index --db {} FILE...",
                       shell_quote(d), shell_quote(d + ".damaged"), shell_quote(d));
}

CheckReport check_index(const fs::path& dir, bool full) {
    CheckReport r;
    Problems P{r.problems, {}};
    const fs::path sqlite_path = dir / "mxtrace.sqlite", xapian_path = dir / "xapian";
    std::error_code ec;
    const bool have_sqlite = fs::is_regular_file(sqlite_path, ec), have_xapian = fs::is_directory(xapian_path, ec);
    if (!have_sqlite && !have_xapian)
        throw Error(ExitCode::bad_index, fmt::format("no mxtrace index in {}", dir.string()),
                    "run mxtrace index FILE... first, or point --db or MXTRACE_DB at an existing index");
    if (!have_sqlite) r.records_lost = true;
    if (!have_sqlite)
        P.add("files", fmt::format("{} {}: the records are gone", sqlite_path.string(),
                                   absent_as(sqlite_path, fs::file_type::regular)));
    if (!have_xapian) P.add("files", fmt::format("{} {}", xapian_path.string(), absent_as(xapian_path, fs::file_type::directory)));
    else if (!fs::exists(xapian_path / "iamglass", ec))
        P.add("files", fmt::format("{} is missing: the Xapian index has no revision file", (xapian_path / "iamglass").string()));

    // SQLite
    std::optional<sql::Db> db;
    std::set<std::int64_t> pending;
    std::vector<std::int64_t> rec_ids;
    bool sqlite_ok = false;
    if (have_sqlite) {
        try {
            db.emplace(open_sqlite_ro(sqlite_path));
            sql::prefetch_file(sqlite_path.c_str()); // the pragma reads every page (see sqlite_util.hpp)
            for (auto& e : sqlite_integrity(*db, full)) P.add("SQLite integrity", "SQLite: " + esc(e), 20);
            sql::Stmt v(*db, "SELECT value FROM meta WHERE key = 'schema_version'");
            if (!v.step()) P.add("schema", "SQLite: no schema version (meta.schema_version)");
            else if (v.str(0) != std::to_string(kSchemaVersion))
                P.add("schema", fmt::format("SQLite: schema version {}, this mxtrace reads {}", esc(v.str(0)), kSchemaVersion));
            sql::Stmt ids(*db, "SELECT id FROM txn ORDER BY id");
            while (ids.step()) rec_ids.push_back(ids.i64(0));
            r.records = rec_ids.size();
            sql::Stmt pend(*db, "SELECT id FROM xapian_pending");
            while (pend.step()) pending.insert(pend.i64(0));
            sqlite_ok = true;
        } catch (const Error& e) {
            std::string_view w = e.what();
            P.add("SQLite", w.starts_with("SQLite") ? esc(w) : "SQLite: " + esc(w));
            if (not_a_database(w)) r.records_lost = true;
        }
    }

    // Xapian
    std::optional<Xapian::Database> xdb;
    std::vector<std::int64_t> doc_ids;
    bool xapian_ok = false;
    if (have_xapian) {
        try {
            std::ostringstream out;
            const auto errors = Xapian::Database::check(xapian_path.string(), 0, &out);
            if (errors) {
                std::istringstream lines(out.str());
                std::string line;
                std::size_t shown = 0;
                while (std::getline(lines, line) && shown < 5)
                    if (!line.empty()) {
                        P.add("Xapian check", "Xapian: " + esc(line));
                        ++shown;
                    }
                P.add("Xapian check summary", fmt::format("Xapian: Database::check found {} error{}", errors, errors == 1 ? "" : "s"));
            }
        } catch (const Xapian::Error& e) {
            P.add("Xapian check", fmt::format("Xapian: {}", esc(e.get_description())));
        }
        try {
            xdb.emplace(xapian_path.string());
            std::string v = xdb->get_metadata("mxtrace_schema");
            if (v != std::to_string(kSchemaVersion))
                P.add("schema", fmt::format("Xapian: schema version '{}', this mxtrace reads {}", esc(v), kSchemaVersion));
            doc_ids = xapian_ids(*xdb);
            r.documents = xdb->get_doccount();
            if (r.documents != doc_ids.size())
                P.add("Xapian count", fmt::format("Xapian: {} documents counted, {} listed", r.documents, doc_ids.size()));
            xapian_ok = true;
        } catch (const Xapian::Error& e) {
            P.add("Xapian", fmt::format("Xapian: {}", esc(e.get_description())));
        }
    }

    // records <-> documents
    if (sqlite_ok && xapian_ok) {
        std::vector<std::int64_t> no_doc, no_rec;
        std::set_difference(rec_ids.begin(), rec_ids.end(), doc_ids.begin(), doc_ids.end(), std::back_inserter(no_doc));
        std::set_difference(doc_ids.begin(), doc_ids.end(), rec_ids.begin(), rec_ids.end(), std::back_inserter(no_rec));
        std::uint64_t waiting = 0;
        for (auto id : no_doc) {
            if (pending.count(id)) ++waiting;
            else P.add("records without a Xapian document", fmt::format("record {} has no Xapian document", id));
        }
        for (auto id : no_rec) {
            if (pending.count(id)) ++waiting;
            else P.add("Xapian documents without a record", fmt::format("Xapian document {} has no record", id));
        }
        if (!pending.empty())
            r.notes.push_back(fmt::format("{} record{} wait for their Xapian update ({} not yet written): the next mxtrace "
                                          "index run writes them",
                                          pending.size(), pending.size() == 1 ? "" : "s", waiting));
        // terms: a sample (about 200, spread over the IDs), or every document
        std::vector<std::int64_t> both;
        std::set_intersection(rec_ids.begin(), rec_ids.end(), doc_ids.begin(), doc_ids.end(), std::back_inserter(both));
        const std::size_t step = full || both.size() <= 200 ? 1 : both.size() / 200;
        try {
            sql::Stmt get(*db, fmt::format("SELECT {} FROM txn WHERE id = ?", detail::kTxnColumns).c_str());
            sql::Stmt att(*db, detail::kAttemptsSql);
            sql::Stmt raw(*db, "SELECT size, data FROM txn_raw WHERE txn_id = ?");
            RawCodec codec;
            const detail::TimeTerms time_terms = detail::TimeTerms::of(*xdb);
            for (std::size_t i = 0; i < both.size(); i += step) {
                const std::int64_t id = both[i];
                if (pending.count(id)) continue;
                try {
                    auto t = detail::read_transaction(get, att, id);
                    if (!t) continue;
                    ++r.compared;
                    const Xapian::Document expected = detail::make_document(*t, time_terms);
                    std::string d = document_difference(xdb->get_document(static_cast<Xapian::docid>(id)), expected);
                    if (!d.empty()) P.add("documents that differ from their record", fmt::format("{}: the Xapian document {}", record_name(*t), d));
                    // what a search reads: the posting list of each of its terms must name the document
                    for (auto it = expected.termlist_begin(); it != expected.termlist_end(); ++it) {
                        auto pl = xdb->postlist_begin(*it);
                        pl.skip_to(static_cast<Xapian::docid>(id));
                        if (pl == xdb->postlist_end(*it) || *pl != static_cast<Xapian::docid>(id))
                            P.add("posting lists that miss a document",
                                  fmt::format("{}: the posting list of term {} does not list it", record_name(*t), esc(*it)));
                    }
                } catch (const Xapian::Error& e) {
                    P.add("unreadable Xapian documents", fmt::format("Xapian document {}: {}", id, esc(e.get_description())));
                } catch (const Error& e) {
                    P.add("unreadable records", fmt::format("record {}: {}", id, esc(e.what())));
                }
            }
            if (full) {
                sql::Stmt all(*db, "SELECT txn_id, size, data FROM txn_raw ORDER BY txn_id");
                std::vector<RawLine> lines;
                while (all.step()) {
                    lines.clear();
                    try {
                        codec.decode(all.blob(2), static_cast<std::uint64_t>(all.i64(1)), lines);
                    } catch (const Error& e) {
                        P.add("damaged raw lines", fmt::format("raw lines of record {}: {}", all.i64(0), esc(e.what())));
                    }
                }
            }
        } catch (const Error& e) {
            P.add("SQLite", fmt::format("SQLite: {}", esc(e.what())));
        }
    }
    P.finish();
    return r;
}

// ---------------------------------------------------------------------------------------------
// repair

namespace {

/// Copies rows of `table` from schema "old" into "main" whose key column lies in [lo, hi]; a
/// range that fails is halved down to single keys; keys that cannot be copied go to `bad`
/// (with the reason of the last failure). `budget` bounds the number of statements.
struct Salvager {
    sql::Db& db;
    std::string table, key;
    std::vector<std::pair<std::int64_t, std::int64_t>> bad; // unreadable or refused key ranges
    std::map<std::string, std::uint64_t> reasons;
    std::uint64_t statements = 0, budget = 200000;

    /// One INSERT ... SELECT in its own (automatic) transaction: a statement that fails midway
    /// leaves nothing behind.
    bool copy(std::int64_t lo, std::int64_t hi) {
        ++statements;
        try {
            sql::Stmt st(db, fmt::format("INSERT INTO main.{0} SELECT * FROM old.{0} WHERE {1} BETWEEN ? AND ?", table, key).c_str());
            st.bind(lo).bind(hi);
            st.run();
            return true;
        } catch (const Error& e) {
            if (lo == hi) ++reasons[e.what()];
            return false;
        }
    }

    void run(std::int64_t lo, std::int64_t hi) {
        if (lo > hi) return;
        if (statements >= budget) {
            note_bad(lo, hi);
            return;
        }
        if (copy(lo, hi)) return;
        if (lo == hi) {
            note_bad(lo, hi);
            return;
        }
        const std::int64_t mid = lo + (hi - lo) / 2;
        run(lo, mid);
        run(mid + 1, hi);
    }

    void note_bad(std::int64_t lo, std::int64_t hi) {
        if (!bad.empty() && bad.back().second + 1 == lo) bad.back().second = hi;
        else bad.emplace_back(lo, hi);
    }
};

std::optional<std::int64_t> query_i64(sql::Db& db, const std::string& q) {
    try {
        sql::Stmt st(db, q.c_str());
        if (st.step() && !st.is_null(0)) return st.i64(0);
    } catch (const Error&) {
    }
    return std::nullopt;
}

/// Rebuilds a Xapian index at `xpath` (which must not exist) from the records of `db`.
/// Each record is also compared with its document in the old Xapian index at `old_xpath`, if that
/// opens: a record that disagrees with it goes to rep.doubtful (one of the two is damaged).
std::uint64_t build_xapian(sql::Db& db, const fs::path& xpath, const fs::path& old_xpath, RepairReport& rep,
                           const std::function<void(std::string_view)>& progress) {
    std::optional<Xapian::Database> old;
    try {
        old.emplace(old_xpath.string());
    } catch (const Xapian::Error&) {
    }
    std::uint64_t doubtful = 0;
    Xapian::WritableDatabase w(xpath.string(), Xapian::DB_CREATE);
    w.set_metadata("mxtrace_schema", std::to_string(kSchemaVersion));
    detail::TimeTerms::all().declare(w); // a rebuilt index has day and hour terms (fields.hpp), as a new one
    sql::Stmt ids(db, "SELECT id FROM txn ORDER BY id");
    std::vector<std::int64_t> all;
    while (ids.step()) all.push_back(ids.i64(0));
    sql::Stmt get(db, fmt::format("SELECT {} FROM txn WHERE id = ?", detail::kTxnColumns).c_str());
    sql::Stmt att(db, detail::kAttemptsSql);
    std::uint64_t n = 0;
    for (auto id : all) {
        auto t = detail::read_transaction(get, att, id);
        if (!t) continue;
        Xapian::Document doc = detail::make_document(*t, detail::TimeTerms::all());
        if (old) {
            try {
                // compared as the old index wrote it (one from before day or hour terms has none)
                const detail::TimeTerms old_time = detail::TimeTerms::of(*old);
                std::string d = document_difference(old->get_document(static_cast<Xapian::docid>(id)),
                                                    old_time.hours ? doc : detail::make_document(*t, old_time));
                if (!d.empty() && ++doubtful <= 20)
                    rep.doubtful.push_back(fmt::format("{}: the old Xapian document {}", record_name(*t), d));
            } catch (const Xapian::Error&) {
                // no old document (a record not yet indexed) or an unreadable one: nothing to compare
            }
        }
        w.replace_document(static_cast<Xapian::docid>(id), doc);
        if (++n % 20000 == 0) {
            w.commit();
            progress(fmt::format("  {} documents written", n));
        }
    }
    w.commit();
    w.close();
    if (doubtful > 20) rep.doubtful.push_back(fmt::format("... and {} more records that disagree with their old Xapian document", doubtful - 20));
    rep.records = all.size();
    return n;
}

bool raw_blobs_decode(sql::Db& db) {
    sql::Stmt all(db, "SELECT size, data FROM txn_raw");
    RawCodec codec;
    std::vector<RawLine> lines;
    while (all.step()) {
        lines.clear();
        try {
            codec.decode(all.blob(1), static_cast<std::uint64_t>(all.i64(0)), lines);
        } catch (const Error&) {
            return false;
        }
    }
    return true;
}

void rename_kept(const fs::path& from, const std::string& stamp, RepairReport& rep) {
    std::error_code ec;
    if (!fs::exists(from, ec)) return;
    fs::path to = from;
    to += ".before-repair-" + stamp;
    fs::rename(from, to, ec);
    if (ec)
        throw Error(ExitCode::internal, fmt::format("cannot rename {} to {}: {}", from.string(), to.string(), ec.message()),
                    "nothing was replaced yet; free the directory and run mxtrace repair again");
    rep.kept.push_back(to.string());
}

} // namespace

RepairReport repair_index(const fs::path& dir, const std::function<void(std::string_view)>& progress) {
    RepairReport rep;
    const fs::path sqlite_path = dir / "mxtrace.sqlite", xapian_path = dir / "xapian";
    std::error_code ec;
    if (!fs::is_regular_file(sqlite_path, ec))
        throw Error(ExitCode::bad_index,
                    fmt::format("{} {}: there are no records to repair from", sqlite_path.string(),
                                absent_as(sqlite_path, fs::file_type::regular)),
                    records_lost_hint(dir));
    const mode_t old_umask = ::umask(077);
    struct Restore {
        mode_t m;
        ~Restore() { ::umask(m); }
    } restore{old_umask};

    // the writers' lock of the directory, then Xapian's: held on the old Xapian index while we
    // work, if it can be opened at all
    const detail::IndexLock dir_lock(dir, false);
    std::optional<Xapian::WritableDatabase> lock;
    if (fs::exists(xapian_path / "iamglass", ec)) {
        try {
            lock.emplace(xapian_path.string(), Xapian::DB_OPEN);
        } catch (const Xapian::DatabaseLockError&) {
            throw detail::locked_error(dir, "run mxtrace repair again");
        } catch (const Xapian::Error&) {
            progress("the Xapian index cannot be opened (it is damaged): it is rebuilt without its lock");
        }
    }

    // under the writers' lock no other repair runs: a work directory left here is that of a
    // repair that was killed (its old files were not yet replaced), and is only taking space
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.starts_with(".repair-") && e.is_directory(ec)) {
            std::error_code rm;
            fs::remove_all(e.path(), rm);
            progress(rm ? fmt::format("cannot remove {}, the work directory of an interrupted repair: {}", e.path().string(), rm.message())
                        : fmt::format("removed {}, the work directory of an interrupted repair", e.path().string()));
        }
    }
    ec.clear();
    const std::string stamp = utc_stamp();
    const fs::path work = dir / (".repair-" + stamp);
    fs::remove_all(work, ec);
    fs::create_directory(work, ec);
    if (ec) throw Error(ExitCode::internal, fmt::format("cannot create {}: {}", work.string(), ec.message()), "check the free space and permissions");
    ::chmod(work.c_str(), 0700);

    bool sqlite_sound = false;
    {
        progress("checking SQLite (PRAGMA integrity_check) ...");
        try {
            sql::Db old = open_sqlite_ro(sqlite_path);
            auto problems = sqlite_integrity(old, true);
            sql::Stmt v(old, "SELECT value FROM meta WHERE key = 'schema_version'");
            if (!v.step() || v.str(0) != std::to_string(kSchemaVersion))
                throw Error(ExitCode::bad_index, fmt::format("{} is not of schema version {}", sqlite_path.string(), kSchemaVersion),
                            "repair works on indexes of this version only; index the logs again into a new directory");
            sqlite_sound = problems.empty() && raw_blobs_decode(old);
        } catch (const Error& e) {
            if (e.code() == ExitCode::bad_index && std::string_view(e.what()).find("schema version") != std::string_view::npos) throw;
            if (not_a_database(e.what())) {
                fs::remove_all(work, ec);
                throw Error(ExitCode::bad_index,
                            fmt::format("{} cannot be read as SQLite (file is not a database): there are no records to "
                                        "repair from",
                                        sqlite_path.string()),
                            records_lost_hint(dir));
            }
            sqlite_sound = false;
        }
    }

    if (sqlite_sound) {
        progress("SQLite is sound: rebuilding the Xapian index from its records ...");
        sql::Db db(sqlite_path.string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX);
        db.exec("PRAGMA busy_timeout=10000;");
        rep.documents = build_xapian(db, work / "xapian", xapian_path, rep, progress);
        lock.reset();
        rename_kept(xapian_path, stamp, rep);
        fs::rename(work / "xapian", xapian_path);
        db.exec("DELETE FROM xapian_pending");
        fs::remove(work, ec);
        return rep;
    }

    progress("SQLite is damaged: copying what can be read, row by row, into a new file ...");
    rep.sqlite_salvaged = true;
    { Store fresh(work, Store::Mode::write); } // the schema, in both stores
    fs::remove_all(work / "xapian", ec);
    {
        sql::Db db((work / "mxtrace.sqlite").string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI);
        db.exec("PRAGMA busy_timeout=10000; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
        // a damaged schema entry (an index's SQL) must not stop the reading of the tables: with
        // writable_schema, SQLite skips what it cannot parse (as the shell's .recover does)
        db.exec("PRAGMA writable_schema=ON");
        {
            sql::Stmt at(db, "ATTACH DATABASE ? AS old");
            std::string uri = "file:";
            for (char c : sqlite_path.string()) {
                if (c == '%' || c == '?' || c == '#') uri += fmt::format("%{:02x}", static_cast<unsigned char>(c));
                else uri += c;
            }
            at.bind(uri + "?mode=ro").run();
        }
        struct Table {
            const char* name;
            const char* key;
            const char* what;
        };
        // meta is copied whole (the new file already has the schema version)
        try {
            db.exec("INSERT OR REPLACE INTO main.meta SELECT * FROM old.meta WHERE key != 'schema_version'");
        } catch (const Error&) {
            rep.lost.push_back("table meta could not be read (the schema version is set anew)");
        }
        // the retention decides what later runs remove: when it is lost, keep everything rather
        // than fall back to the default (which would prune a forensic index)
        if (!query_i64(db, "SELECT count(*) FROM main.meta WHERE key = 'retention_days'").value_or(0)) {
            db.exec("INSERT OR REPLACE INTO main.meta(key, value) VALUES('retention_days', '0')");
            rep.lost.push_back(fmt::format("the index's retention could not be read: set to 0 (keep everything), so that "
                                           "nothing is pruned; give it back with mxtrace prune --db {} --set-retention DAYS",
                                           shell_quote(dir.string())));
        }
        for (const Table& tb : {Table{"input", "id", "input checkpoints"}, Table{"txn", "id", "transaction records"},
                                Table{"attempt", "txn_id", "attempts"}, Table{"hop", "txn_id", "hop links"},
                                Table{"txn_raw", "txn_id", "raw lines"}}) {
            Salvager s{db, tb.name, tb.key, {}, {}};
            auto lo = query_i64(db, fmt::format("SELECT min({}) FROM old.{}", tb.key, tb.name));
            auto hi = query_i64(db, fmt::format("SELECT max({}) FROM old.{}", tb.key, tb.name));
            if (!hi && std::string_view(tb.key) != "id") hi = query_i64(db, "SELECT max(id) FROM main.txn");
            if (!hi) hi = query_i64(db, "SELECT seq FROM old.sqlite_sequence WHERE name = 'txn'");
            if (!lo) lo = 0;
            if (!hi) {
                const std::int64_t top = 1 << 20;
                hi = top;
                rep.lost.push_back(fmt::format("{}: the largest key cannot be read; keys 0 to {} were tried", tb.what, top));
            }
            s.run(*lo, *hi);
            const auto copied = query_i64(db, fmt::format("SELECT count(*) FROM main.{}", tb.name)).value_or(0);
            progress(fmt::format("  {}: {} rows copied", tb.name, copied));
            if (!s.bad.empty()) {
                std::string ranges;
                std::uint64_t keys = 0;
                for (std::size_t i = 0; i < s.bad.size(); ++i) {
                    keys += static_cast<std::uint64_t>(s.bad[i].second - s.bad[i].first + 1);
                    if (i < 8) ranges += fmt::format("{}{}", i ? ", " : "",
                                                     s.bad[i].first == s.bad[i].second ? std::to_string(s.bad[i].first)
                                                                                      : fmt::format("{}-{}", s.bad[i].first, s.bad[i].second));
                }
                if (s.bad.size() > 8) ranges += fmt::format(" (+{} ranges)", s.bad.size() - 8);
                std::string why;
                for (const auto& [reason, n] : s.reasons) why += fmt::format("; {}x {}", n, esc(reason));
                rep.lost.push_back(fmt::format("{} ({}.{}): {} key{} unreadable or refused, rows there are lost: {}{}", tb.what,
                                               tb.name, tb.key, keys, keys == 1 ? "" : "s", ranges, why));
            }
        }
        // rows whose transaction is gone, and raw lines that do not decode
        for (const char* t : {"attempt", "hop", "txn_raw"}) {
            auto n = query_i64(db, fmt::format("SELECT count(*) FROM main.{} WHERE txn_id NOT IN (SELECT id FROM main.txn)", t)).value_or(0);
            if (n) {
                db.exec(fmt::format("DELETE FROM main.{} WHERE txn_id NOT IN (SELECT id FROM main.txn)", t).c_str());
                rep.lost.push_back(fmt::format("{} rows of {} belonged to a transaction record that is lost: dropped", n, t));
            }
        }
        {
            std::vector<std::int64_t> bad_raw;
            sql::Stmt all(db, "SELECT txn_id, size, data FROM main.txn_raw");
            RawCodec codec;
            std::vector<RawLine> lines;
            while (all.step()) {
                lines.clear();
                try {
                    codec.decode(all.blob(2), static_cast<std::uint64_t>(all.i64(1)), lines);
                } catch (const Error&) {
                    bad_raw.push_back(all.i64(0));
                }
            }
            sql::Stmt del(db, "DELETE FROM main.txn_raw WHERE txn_id = ?");
            for (auto id : bad_raw) del.reset().bind(id).run();
            if (!bad_raw.empty())
                rep.lost.push_back(fmt::format("the raw lines of {} record{} did not decode: dropped (the records stay)",
                                               bad_raw.size(), bad_raw.size() == 1 ? "" : "s"));
        }
        db.exec("DETACH DATABASE old");
        progress("rebuilding the Xapian index from the copied records ...");
        rep.documents = build_xapian(db, work / "xapian", xapian_path, rep, progress);
        db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    lock.reset();
    for (const char* f : {"mxtrace.sqlite", "mxtrace.sqlite-wal", "mxtrace.sqlite-shm"}) rename_kept(dir / f, stamp, rep);
    rename_kept(xapian_path, stamp, rep);
    fs::remove(work / "mxtrace.sqlite-wal", ec);
    fs::remove(work / "mxtrace.sqlite-shm", ec);
    fs::rename(work / "mxtrace.sqlite", sqlite_path);
    fs::rename(work / "xapian", xapian_path);
    fs::remove_all(work, ec);
    if (!rep.lost.empty())
        rep.lost.push_back("to get lost transactions back, index the logs they came from again: mxtrace index --full FILE...");
    return rep;
}

// ---------------------------------------------------------------------------------------------
// dump

void dump_index(const fs::path& dir, const std::function<void(std::string_view)>& out) {
    sql::Db db = open_sqlite_ro(dir / "mxtrace.sqlite");
    Xapian::Database x;
    try {
        x = Xapian::Database((dir / "xapian").string());
    } catch (const Xapian::Error& e) {
        throw Error(ExitCode::damaged, fmt::format("cannot open the Xapian index in {}: {}", dir.string(), e.get_description()),
                    "run mxtrace check");
    }
    out(fmt::format("schema {} xapian {}\n", query_i64(db, "SELECT value FROM meta WHERE key = 'schema_version'").value_or(0),
                    esc(x.get_metadata("mxtrace_schema"))));
    std::map<std::int64_t, std::string> input_name;
    {
        sql::Stmt st(db, "SELECT id, fp_hash, fp_len, path, offset, lines, raw_size, year_source, first_year, cur_year, prev_us, "
                         "year_evidence, offset_note, zone, sha256, sha256_state FROM input ORDER BY fp_hash, fp_len");
        while (st.step()) {
            input_name[st.i64(0)] = fmt::format("{}/{}", st.str(1), st.i64(2));
            out(fmt::format("input {}/{} path={} offset={} lines={} raw_size={} year={},{},{} prev={} evidence={} note={} zone={} "
                            "sha256={} state={}\n",
                            st.str(1), st.i64(2), esc(st.str(3)), st.i64(4), st.i64(5), st.i64(6), esc(st.str(7)), st.i64(8),
                            st.i64(9), st.i64(10), esc(st.str(11)), esc(st.str(12)), esc(st.str(13)), st.str(14),
                            hex(st.blob(15))));
        }
    }
    sql::Stmt keys(db, "SELECT id FROM txn ORDER BY host, queue_id, first_us");
    sql::Stmt get(db, fmt::format("SELECT {} FROM txn WHERE id = ?", detail::kTxnColumns).c_str());
    sql::Stmt att(db, detail::kAttemptsSql);
    sql::Stmt hops(db, "SELECT seq, rule, kind, next_qid, relay_name, relay_addr, time_us, attempt FROM hop WHERE txn_id = ? ORDER BY seq");
    sql::Stmt raw(db, "SELECT size, data FROM txn_raw WHERE txn_id = ?");
    sql::Stmt pend(db, "SELECT count(*) FROM xapian_pending");
    out(fmt::format("pending {}\n", pend.step() ? pend.i64(0) : -1));
    RawCodec codec;
    std::uint64_t n = 0;
    while (keys.step()) {
        const std::int64_t id = keys.i64(0);
        auto t = detail::read_transaction(get, att, id);
        if (!t) continue;
        ++n;
        out(fmt::format("txn {} {} {} last={} mta={} sender={} client={}[{}] msgid={} size={} nrcpt={} complete={} notify={} "
                        "headless={} sasl={} verdict={} helo={}\n",
                        esc(t->host), esc(t->queue_id), t->first_time, t->last_time, mta_name(t->mta),
                        t->sender ? "<" + esc(*t->sender) + ">" : "?", esc(t->client_name), esc(t->client_ip),
                        esc(t->message_id), t->size, t->nrcpt, t->complete ? 1 : 0, esc(t->notification_queue_id),
                        t->headless ? 1 : 0, esc(t->sasl_username), esc(t->verdict), esc(t->helo)));
        for (const auto& a : t->attempts)
            out(fmt::format("  attempt {} to={} orig={} relay={} status={} dsn={} delay={} text={} queued_as={} code={}\n", a.time,
                            esc(a.recipient), esc(a.orig_recipient), esc(a.relay), status_name(a.status), esc(a.dsn), a.delay,
                            esc(a.text), esc(a.queued_as), esc(a.code)));
        hops.reset().bind(id);
        while (hops.step())
            out(fmt::format("  hop {} rule={} kind={} next={} relay={}[{}] time={} attempt={}\n", hops.i64(0), esc(hops.str(1)),
                            esc(hops.str(2)), esc(hops.str(3)), esc(hops.str(4)), esc(hops.str(5)), hops.i64(6), hops.i64(7)));
        hops.reset();
        raw.reset().bind(id);
        if (raw.step()) {
            std::vector<RawLine> lines;
            codec.decode(raw.blob(1), static_cast<std::uint64_t>(raw.i64(0)), lines);
            for (const auto& l : lines)
                out(fmt::format("  raw {}:{} {} {}\n", input_name.count(l.input) ? input_name[l.input] : "?" + std::to_string(l.input),
                                l.line, l.time, esc(l.text)));
        }
        raw.reset();
        try {
            Xapian::Document d = x.get_document(static_cast<Xapian::docid>(id));
            std::string terms;
            for (const auto& term : terms_of(d)) terms += " " + esc(term);
            out(fmt::format("  terms{}\n", terms));
            std::string values;
            for (const auto& [slot, v] : values_of(d)) values += fmt::format(" {}={}", slot, hex(v));
            out(fmt::format("  values{}\n", values));
        } catch (const Xapian::DocNotFoundError&) {
            out("  NO XAPIAN DOCUMENT\n");
        }
    }
    out(fmt::format("records {} documents {}\n", n, x.get_doccount()));
}

} // namespace mxtrace
