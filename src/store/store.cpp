// SPDX-License-Identifier: GPL-3.0-or-later
// The only code that reads or writes the index. See ARCHITECTURE.md, "Storage", for the
// schema, the commit order and the recovery rule.
#include "mxtrace/store/store.hpp"
#include "mxtrace/store/trace_source.hpp"

#include "mxtrace/base/error.hpp"
#include "mxtrace/store/fields.hpp"
#include "mxtrace/store/query.hpp"
#include "store/query_parser.hpp"
#include "mxtrace/reduce/links.hpp"
#include "store/raw_codec.hpp"
#include "store/sqlite_util.hpp"
#include "store/document.hpp"
#include "store/index_lock.hpp"
#include "base/testhooks.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <xapian.h>

#include <cmath>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <charconv>
#include <chrono>
#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <algorithm>
#include <limits>
#include <map>
#include <unordered_map>
#include <unordered_set>

namespace mxtrace {

namespace fs = std::filesystem;

fs::path default_index_dir() {
    if (const char* p = std::getenv("MXTRACE_DB"); p && *p) return p;
    if (const char* p = std::getenv("XDG_DATA_HOME"); p && *p) return fs::path(p) / "mxtrace";
    if (const char* p = std::getenv("HOME"); p && *p) return fs::path(p) / ".local" / "share" / "mxtrace";
    throw Error(ExitCode::usage, "cannot find a place for the index: neither MXTRACE_DB, XDG_DATA_HOME nor HOME is set",
                "give the index directory with --db DIR");
}

namespace {

const char* const kSchemaSqlText = R"SQL(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS txn(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  host TEXT NOT NULL,
  queue_id TEXT NOT NULL,
  first_us INTEGER NOT NULL,
  last_us INTEGER NOT NULL,
  mta TEXT NOT NULL,
  sender TEXT,
  client_name TEXT NOT NULL,
  client_ip TEXT NOT NULL,
  message_id TEXT NOT NULL,
  size INTEGER NOT NULL,
  nrcpt INTEGER NOT NULL,
  complete INTEGER NOT NULL,
  notification_queue_id TEXT NOT NULL,
  headless INTEGER NOT NULL,
  sasl_username TEXT NOT NULL DEFAULT '',
  verdict TEXT NOT NULL DEFAULT '',
  helo TEXT NOT NULL DEFAULT '',
  UNIQUE(host, queue_id, first_us));
CREATE INDEX IF NOT EXISTS txn_open ON txn(host, queue_id, last_us) WHERE complete = 0;
CREATE INDEX IF NOT EXISTS txn_last ON txn(last_us);
CREATE TABLE IF NOT EXISTS input(
  id INTEGER PRIMARY KEY,
  fp_hash TEXT NOT NULL,
  fp_len INTEGER NOT NULL,
  path TEXT NOT NULL,
  offset INTEGER NOT NULL,
  lines INTEGER NOT NULL,
  raw_size INTEGER NOT NULL,
  last_read_us INTEGER NOT NULL,
  year_source TEXT NOT NULL,
  first_year INTEGER NOT NULL,
  cur_year INTEGER NOT NULL,
  prev_us INTEGER NOT NULL,
  year_evidence TEXT NOT NULL,
  offset_note TEXT NOT NULL,
  zone TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  sha256_state BLOB NOT NULL,
  too_old INTEGER NOT NULL DEFAULT 0,
  too_old_cutoff_us INTEGER NOT NULL DEFAULT 0,
  UNIQUE(fp_hash, fp_len));
CREATE TABLE IF NOT EXISTS txn_raw(
  txn_id INTEGER PRIMARY KEY,
  nlines INTEGER NOT NULL,
  size INTEGER NOT NULL,
  data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS attempt(
  txn_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  time_us INTEGER NOT NULL,
  recipient TEXT NOT NULL,
  orig_recipient TEXT NOT NULL,
  relay TEXT NOT NULL,
  status TEXT NOT NULL,
  dsn TEXT NOT NULL,
  delay REAL,
  text TEXT NOT NULL,
  queued_as TEXT NOT NULL,
  code TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(txn_id, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS xapian_pending(id INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS hop(
  txn_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  rule TEXT NOT NULL,
  kind TEXT NOT NULL,
  next_qid TEXT NOT NULL,
  relay_name TEXT NOT NULL,
  relay_addr TEXT NOT NULL,
  time_us INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  PRIMARY KEY(txn_id, seq)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS hop_next ON hop(next_qid);
CREATE INDEX IF NOT EXISTS hop_relay_name ON hop(relay_name) WHERE kind = 'relay';
CREATE INDEX IF NOT EXISTS hop_relay_addr ON hop(relay_addr) WHERE kind = 'relay';
CREATE TABLE IF NOT EXISTS seen_line(
  sec INTEGER NOT NULL,
  hash INTEGER NOT NULL,
  input INTEGER NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY(sec, hash, input)) WITHOUT ROWID;
)SQL";

/// UTC day number of a µs time in SQL (floor division; SQLite's truncates toward zero).
#define MX_DAY(x) "(CASE WHEN " x " >= 0 THEN " x " / 86400000000 ELSE (" x " - 86399999999) / 86400000000 END)"

/// The stats rollups (ARCHITECTURE.md "Stats rollups"): one blob per (host, UTC day of the first
/// line), a set of dirty buckets, and the triggers that mark a transaction's old and new
/// buckets dirty in the same SQLite transaction as any change to it, whoever writes (an older
/// mxtrace too). Attempts are only ever written with their transaction's row.
const char* const kRollupSqlText =
    "CREATE INDEX IF NOT EXISTS txn_bucket ON txn(host, first_us);"
    "CREATE TABLE IF NOT EXISTS stats_rollup(host TEXT NOT NULL, day INTEGER NOT NULL, max_last_us INTEGER NOT NULL,"
    " data BLOB NOT NULL, PRIMARY KEY(host, day)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS stats_dict(id INTEGER PRIMARY KEY, value BLOB NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS stats_dirty(host TEXT NOT NULL, day INTEGER NOT NULL, PRIMARY KEY(host, day)) WITHOUT ROWID;"
    "CREATE TRIGGER IF NOT EXISTS stats_dirty_ins AFTER INSERT ON txn BEGIN"
    " INSERT OR IGNORE INTO stats_dirty(host, day) VALUES(NEW.host, " MX_DAY("NEW.first_us") "); END;"
    "CREATE TRIGGER IF NOT EXISTS stats_dirty_upd AFTER UPDATE ON txn BEGIN"
    " INSERT OR IGNORE INTO stats_dirty(host, day) VALUES(OLD.host, " MX_DAY("OLD.first_us") ");"
    " INSERT OR IGNORE INTO stats_dirty(host, day) VALUES(NEW.host, " MX_DAY("NEW.first_us") "); END;"
    "CREATE TRIGGER IF NOT EXISTS stats_dirty_del AFTER DELETE ON txn BEGIN"
    " INSERT OR IGNORE INTO stats_dirty(host, day) VALUES(OLD.host, " MX_DAY("OLD.first_us") "); END;";

/// Every bucket holding transactions, marked dirty.
const char* const kRollupAllDirtySql =
    "INSERT OR IGNORE INTO stats_dirty(host, day) SELECT DISTINCT host, " MX_DAY("first_us") " FROM txn";

const char* const kTxnColsText =
    "id, host, queue_id, first_us, last_us, mta, sender, client_name, client_ip, message_id, size, nrcpt, "
    "complete, notification_queue_id, headless, sasl_username, verdict, helo";

double to_value(Micros t) { return static_cast<double>(t) / 1e6; }
/// True if environment variable `name` is set and not empty.
bool env_set(const char* name) {
    const char* v = std::getenv(name);
    return v && *v;
}

/// The instant of a time value (to_value's inverse, to the microsecond).
Micros from_value(double v) { return static_cast<Micros>(std::llround(v * 1e6)); }

Mta mta_from_name(std::string_view s) {
    if (s == "postfix") return Mta::postfix;
    if (s == "sendmail") return Mta::sendmail;
    if (s == "exim") return Mta::exim;
    return Mta::none;
}

std::string_view strip_angle(std::string_view s) {
    if (s.size() >= 2 && s.front() == '<' && s.back() == '>') return s.substr(1, s.size() - 2);
    return s;
}

std::string_view domain_of(std::string_view addr) {
    std::size_t at = addr.rfind('@');
    return at == std::string_view::npos ? std::string_view{} : addr.substr(at + 1);
}

/// The term prefixes, from the field table (src/store/fields.cpp), looked up once.
struct Prefixes {
    std::string_view host = field("host").prefix, mta = field("mta").prefix, queue_id = field("queue_id").prefix,
                     from = field("from").prefix, from_domain = field("from_domain").prefix,
                     to = field("to").prefix, to_domain = field("to_domain").prefix,
                     message_id = field("message_id").prefix, client = field("client").prefix,
                     sasl = field("sasl_username").prefix, relay = field("relay").prefix,
                     status = field("status").prefix, verdict = field("verdict").prefix,
                     helo = field("helo").prefix, code = field("code").prefix;
};

const Prefixes& prefixes() {
    static const Prefixes p;
    return p;
}

} // namespace

namespace detail {
const char* const kSchemaSql = kSchemaSqlText;
const char* const kTxnColumns = kTxnColsText;
const char* const kAttemptsSql = "SELECT time_us, recipient, orig_recipient, relay, status, dsn, delay, text, queued_as, code "
                                 "FROM attempt WHERE txn_id = ? ORDER BY seq";

Xapian::Document make_document(const Transaction& t, TimeTerms time) {
    const Prefixes& P = prefixes();
    Xapian::Document doc;
    auto term = [&](std::string_view prefix, std::string_view value) {
        if (!value.empty()) doc.add_boolean_term(make_term(prefix, value));
    };
    term(P.host, ascii_lower(t.host));
    term(P.mta, mta_name(t.mta));
    term(P.queue_id, t.queue_id);
    if (t.sender) {
        if (t.sender->empty()) {
            term(P.from, "<>");
        } else {
            std::string s = ascii_lower(*t.sender);
            term(P.from, s);
            term(P.from_domain, domain_of(s));
        }
    }
    term(P.message_id, t.message_id);
    term(P.client, ascii_lower(t.client_name));
    term(P.client, ascii_lower(t.client_ip));
    term(P.sasl, ascii_lower(t.sasl_username));
    // each verdict "FILTER: WORDS[, score S]": the filter's name and each word of the verdict,
    // lower case ("amavis", "passed", "clean"); a parenthesised detail (a virus name) is left out
    for (std::string_view l = t.verdict; !l.empty();) {
        std::size_t sep = l.find("; ");
        std::string_view e = l.substr(0, sep);
        l = sep == std::string_view::npos ? std::string_view{} : l.substr(sep + 2);
        std::size_t colon = e.find(": ");
        if (colon == std::string_view::npos) continue;
        term(P.verdict, ascii_lower(e.substr(0, colon)));
        std::string_view words = e.substr(colon + 2);
        words = words.substr(0, words.find(", score "));
        words = words.substr(0, words.find(" ("));
        while (!words.empty()) {
            std::size_t sp = words.find(' ');
            term(P.verdict, ascii_lower(words.substr(0, sp)));
            words = sp == std::string_view::npos ? std::string_view{} : words.substr(sp + 1);
        }
    }
    term(P.helo, ascii_lower(t.helo));
    if (auto ip = parse_ip(t.client_ip)) {
        // the canonical text too (Sendmail's "IPv6:" form, upper-case hex), and the address as
        // 16 bytes for CIDR ranges (fields.hpp, slot_client_addr)
        term(P.client, ip_text(*ip));
        doc.add_value(slot_client_addr, std::string(reinterpret_cast<const char*>(ip->data()), ip->size()));
    }
    Xapian::TermGenerator tg;
    tg.set_document(doc);
    std::unordered_set<std::string_view> texts;
    std::string name, addr;
    for (const auto& a : t.attempts) {
        for (const std::string* r : {&a.recipient, &a.orig_recipient}) {
            if (r->empty()) continue;
            std::string s = ascii_lower(*r);
            term(P.to, s);
            term(P.to_domain, domain_of(s));
        }
        relay_parts(a.relay, name, addr);
        term(P.relay, name);
        term(P.relay, addr);
        term(P.status, status_name(a.status));
        term(P.code, a.code);
        // Free text: the words of status texts, without positions (a phrase is all its words),
        // each distinct text once. "sent" replies ("250 2.0.0 Ok: queued as ...") are left out:
        // they are alike but for a unique ID and would double the index for little use; the
        // searches free text serves are for why mail was deferred, bounced or rejected.
        if (!a.text.empty() && a.status != Status::sent && texts.insert(a.text).second)
            tg.index_text_without_positions(a.text);
    }
    doc.add_value(slot_first_time, Xapian::sortable_serialise(to_value(t.first_time)));
    doc.add_value(slot_last_time, Xapian::sortable_serialise(to_value(t.last_time)));
    if (time.days) {
        const std::int64_t first = utc_day(t.first_time), last = utc_day(std::max(t.first_time, t.last_time));
        if (last - first >= kMaxDayTerms) doc.add_boolean_term(std::string(kLongSpanTerm));
        else
            for (std::int64_t d = first; d <= last; ++d) doc.add_boolean_term(day_term(d));
    }
    if (time.hours) doc.add_boolean_term(hour_term(utc_hour(t.first_time)));
    return doc;
}

namespace {
/// Reads a row of kTxnColumns (columns 0..17 of `st`) into a new transaction, without attempts.
Transaction txn_from_row(sql::Stmt& st) {
    Transaction t;
    t.id = st.i64(0);
    t.host = st.str(1);
    t.queue_id = st.str(2);
    t.first_time = st.i64(3);
    t.last_time = st.i64(4);
    t.mta = mta_from_name(st.str(5));
    if (!st.is_null(6)) t.sender = st.str(6);
    t.client_name = st.str(7);
    t.client_ip = st.str(8);
    t.message_id = st.str(9);
    t.size = st.i64(10);
    t.nrcpt = static_cast<int>(st.i64(11));
    t.complete = st.i64(12) != 0;
    t.notification_queue_id = st.str(13);
    t.headless = st.i64(14) != 0;
    t.sasl_username = st.str(15);
    t.verdict = st.str(16);
    t.helo = st.str(17);
    return t;
}

/// Reads an attempt from the columns of kAttemptsSql starting at column `c` of `st` (time_us,
/// recipient, orig_recipient, relay, status, dsn, delay, text, queued_as, code).
Attempt attempt_from_row(sql::Stmt& st, int c) {
    Attempt a;
    a.time = st.i64(c);
    a.recipient = st.str(c + 1);
    a.orig_recipient = st.str(c + 2);
    a.relay = st.str(c + 3);
    a.status = status_from_name(st.str(c + 4));
    a.dsn = st.str(c + 5);
    a.delay = st.is_null(c + 6) ? -1 : st.dbl(c + 6);
    a.text = st.str(c + 7);
    a.queued_as = st.str(c + 8);
    a.code = st.str(c + 9);
    return a;
}
} // namespace

std::optional<Transaction> read_transaction(sql::Stmt& st_get, sql::Stmt& st_attempts, std::int64_t id) {
    st_get.reset().bind(id);
    if (!st_get.step()) return std::nullopt;
    Transaction t = txn_from_row(st_get);
    st_get.reset();
    st_attempts.reset().bind(id);
    while (st_attempts.step()) t.attempts.push_back(attempt_from_row(st_attempts, 0));
    st_attempts.reset();
    return t;
}
} // namespace detail

namespace {
using detail::make_document;

std::string key_of(std::string_view host, std::string_view qid) {
    std::string k(host);
    k.push_back('\0');
    k.append(qid);
    return k;
}

} // namespace

std::string fingerprint_text(const Checkpoint& c) { return fmt::format("{}/{}", c.fp_hash, c.fp_len); }

struct Store::Impl {
    fs::path dir;
    Mode mode;
    sql::Db db;
    std::unique_ptr<Xapian::Database> xdb;   // read mode
    detail::IndexLock lock;                        // write mode: held from before any file is looked at
    bool follow_marked = false;                    // DIR/mxtrace.follow names this process (mark_follower)
    std::unique_ptr<Xapian::WritableDatabase> wdb; // write mode
    detail::TimeTerms time_terms;                        // the documents' time terms (fields.hpp)
    mode_t old_umask = 0;
    WriteStats stats;

    // pending batch (write mode)
    std::vector<std::unique_ptr<Transaction>> batch;
    std::unordered_map<std::string, std::size_t> batch_key; // host\0qid -> newest index in batch
    std::unordered_set<std::int64_t> batch_ids;

    sql::Stmt st_hops, st_hops_to, st_del_hops, st_ins_hop;
    sql::Stmt st_get, st_attempts, st_find_key, st_find_open, st_find_span, st_find_headless, st_insert, st_update,
        st_del_attempts, st_del_txn, st_ins_attempt, st_pending, st_cp_insert, st_cp_update, st_raw_get, st_raw_put,
        st_raw_del, st_seen_get, st_seen_put, st_change, st_del_change;
    std::int64_t next_change = 0; // the next txn_change.seq (write mode, with the change log)
    bool change_log = false;      // table txn_change exists: writes are logged for exports
    /// Line identity counts not committed yet: (UTC second, hash) -> (input, count) pairs.
    std::map<std::pair<std::int64_t, std::uint64_t>, std::vector<std::pair<std::int64_t, std::uint32_t>>> seen_batch;
    std::unordered_set<std::int64_t> merged_away; // IDs deleted by merges in the current commit
    RawCodec codec;      // compresses and decompresses raw lines
    bool rebuilt_half_created = false; // write mode found a half-created index and started it anew
    bool in_txn = false; // a write transaction is open: the lookups of a batch and its writes share it
    bool rollups = false; // the stats rollup tables exist

    // Xapian's update of a committed batch (commit()): inline, or with set_background_xapian()
    // on a second thread while the caller goes on, at most one in flight. A batch's IDs stay on
    // xapian_pending (SQLite) until its Xapian commit is done, so a kill at any moment is
    // replayed by the next writer (replay_pending()).
    struct XapianJob {
        std::vector<std::unique_ptr<Transaction>> batch; // owns what `written` points to
        std::vector<Transaction*> written;                // to replace (their IDs are set)
        std::vector<std::int64_t> deleted;                // merged away: to delete
    };
    /// The one thread that runs background updates: one thread for the whole run, so Xapian's
    /// buffers stay in one malloc arena.
    struct XapianWorker {
        std::thread thread;
        std::mutex mu;
        std::condition_variable cv;
        std::optional<XapianJob> job; // given, not finished
        std::exception_ptr error;     // of the last job
        bool stop = false;

        void start(Impl& m) {
            thread = std::thread([this, &m] {
                std::unique_lock lk(mu);
                for (;;) {
                    cv.wait(lk, [&] { return job.has_value() || stop; });
                    if (!job) return;
                    lk.unlock();
                    std::exception_ptr e;
                    try {
                        m.run_xapian(*job);
                    } catch (...) {
                        e = std::current_exception();
                    }
                    XapianJob done = std::move(*job);
                    lk.lock();
                    error = e;
                    job.reset();
                    cv.notify_all();
                    lk.unlock();
                    done = XapianJob{}; // its transactions are freed outside the lock
                    lk.lock();
                }
            });
        }
        void submit(XapianJob j) {
            std::lock_guard lk(mu);
            job = std::move(j);
            cv.notify_all();
        }
        /// Blocks until no job is left; rethrows the error of the one that was.
        void wait() {
            std::unique_lock lk(mu);
            cv.wait(lk, [&] { return !job.has_value(); });
            if (error) std::rethrow_exception(std::exchange(error, nullptr));
        }
        ~XapianWorker() {
            if (!thread.joinable()) return;
            {
                std::lock_guard lk(mu);
                stop = true;
                cv.notify_all();
            }
            thread.join();
        }
    };
    bool background_xapian = false;
    std::unique_ptr<XapianWorker> worker;               // started by set_background_xapian(true)
    std::unordered_set<std::int64_t> xapian_flight_ids; // the IDs of the update in flight
    std::vector<std::int64_t> xapian_done;              // IDs updated in Xapian, still on xapian_pending
    sql::Stmt st_pending_del;

    /// Applies a batch to Xapian and commits it. @throws Error(internal) for a Xapian error.
    void run_xapian(const XapianJob& j) {
        try {
            for (Transaction* t : j.written)
                wdb->replace_document(static_cast<Xapian::docid>(t->id), make_document(*t, time_terms));
            for (auto id : j.deleted) delete_document(id);
            wdb->commit();
        } catch (const Xapian::Error& e) {
            throw Error(ExitCode::internal, fmt::format("writing the Xapian index in {}: {}", dir.string(), e.get_description()),
                        "the records are safe in SQLite; the next mxtrace index run finishes the Xapian update");
        }
        detail::crash_point("after-xapian");
    }

    /// Waits for the update in flight, if any; its IDs join xapian_done. Rethrows its error
    /// (its IDs then stay pending, for the next writer to replay).
    void wait_xapian() {
        if (xapian_flight_ids.empty()) return;
        std::unordered_set<std::int64_t> ids = std::move(xapian_flight_ids);
        xapian_flight_ids.clear();
        worker->wait();
        xapian_done.insert(xapian_done.end(), ids.begin(), ids.end());
    }

    /// Deletes from xapian_pending, in the open SQLite transaction and before the batch's own
    /// rows, the IDs of xapian_done that the update in flight does not hold again: an ID whose
    /// newest state is not in Xapian yet always stays pending. Returns the IDs kept, which become
    /// xapian_done once the transaction commits (on a rollback it stays as it was).
    std::vector<std::int64_t> clear_done() {
        std::vector<std::int64_t> keep;
        for (auto id : xapian_done) {
            if (xapian_flight_ids.count(id)) keep.push_back(id);
            else st_pending_del.reset().bind(id).run();
        }
        return keep;
    }
    bool snapshot = false; // read_snapshot(true): a read transaction is open
    sql::Stmt st_rollup_put, st_rollup_del, st_dirty_del, st_dict_get, st_dict_put, st_dict_val;

    /// Opens the batch's SQLite transaction if it is not open yet. Taking the write lock once per
    /// batch, not per lookup, saves two fcntl() calls per new transaction; readers (WAL) are not
    /// blocked, and we are the only writer (the Xapian lock says so).
    void begin() {
        if (in_txn) return;
        db.exec("BEGIN IMMEDIATE");
        in_txn = true;
    }

    Xapian::Database& reader() {
        if (!wdb) return *xdb;
        wait_xapian(); // the writer's handle is the worker's while an update is in flight
        return *wdb;
    }

    void prepare_read() {
        st_get = sql::Stmt(db, fmt::format("SELECT {} FROM txn WHERE id = ?", detail::kTxnColumns).c_str());
        st_attempts = sql::Stmt(db, detail::kAttemptsSql);
        st_raw_get = sql::Stmt(db, "SELECT size, data, nlines FROM txn_raw WHERE txn_id = ?");
        st_hops = sql::Stmt(db, "SELECT txn_id, seq, rule, kind, next_qid, relay_name, relay_addr, time_us, attempt "
                                "FROM hop WHERE txn_id = ? ORDER BY seq");
        st_hops_to = sql::Stmt(db, "SELECT txn_id, seq, rule, kind, next_qid, relay_name, relay_addr, time_us, attempt "
                                   "FROM hop WHERE next_qid = ? ORDER BY time_us, txn_id, seq");
    }

    /// Appends the stored raw lines of transaction `id` to `out`.
    void load_raw(std::int64_t id, std::vector<RawLine>& out) {
        st_raw_get.reset().bind(id);
        if (st_raw_get.step()) codec.decode(st_raw_get.blob(1), static_cast<std::uint64_t>(st_raw_get.i64(0)), out);
        st_raw_get.reset();
    }

    /// Writes the raw lines of `t` (stored ones of its row merged with those in memory) with the
    /// row: called after the row's ID is known. Lines that all come after the stored ones (a
    /// transaction continued in a later commit) are appended as a new segment; otherwise the
    /// stored lines are decoded, merged and rewritten.
    void write_raw(Transaction& t, bool existed) {
        if (t.raw.empty()) return; // nothing new: the stored lines stay as they are
        // t.raw stays as it is (normalised), so a commit that fails and is tried again writes it again
        normalise_raw(t.raw);
        std::string blob;
        std::uint64_t size = 0, nlines = 0;
        bool done = false;
        std::vector<RawLine> merged;
        if (existed) {
            st_raw_get.reset().bind(t.id);
            if (st_raw_get.step()) {
                std::uint64_t added = 0;
                if (codec.try_append(st_raw_get.blob(1), t.raw, blob, added)) {
                    size = static_cast<std::uint64_t>(st_raw_get.i64(0)) + added;
                    nlines = static_cast<std::uint64_t>(st_raw_get.i64(2)) + t.raw.size();
                    done = true;
                    ++stats.raw_appended;
                } else {
                    codec.decode(st_raw_get.blob(1), static_cast<std::uint64_t>(st_raw_get.i64(0)), merged);
                    merged.insert(merged.end(), t.raw.begin(), t.raw.end());
                    normalise_raw(merged);
                    ++stats.raw_rewritten;
                }
            }
            st_raw_get.reset();
        }
        if (!done) {
            const std::vector<RawLine>& all = merged.empty() ? t.raw : merged;
            blob = codec.encode(all, size);
            nlines = all.size();
        }
        st_raw_put.reset().bind(t.id).bind(static_cast<std::int64_t>(nlines)).bind(static_cast<std::int64_t>(size));
        st_raw_put.bind_blob_ref(blob).run();
    }

    void write_checkpoint(Checkpoint& cp) {
        sql::Stmt& st = cp.id ? st_cp_update : st_cp_insert;
        st.reset().bind(cp.fp_hash).bind(cp.fp_len).bind(cp.path).bind(static_cast<std::int64_t>(cp.offset));
        st.bind(static_cast<std::int64_t>(cp.lines)).bind(static_cast<std::int64_t>(cp.raw_size)).bind(cp.last_read);
        st.bind(year_source_name(cp.clock.source)).bind(cp.clock.first_year).bind(cp.clock.year).bind(cp.clock.prev);
        st.bind(cp.clock.evidence).bind(cp.clock.offset_note).bind(cp.zone).bind(cp.sha256).bind_blob(cp.sha256_state);
        st.bind(static_cast<std::int64_t>(cp.too_old)).bind(cp.too_old_cutoff);
        if (cp.id) st.bind(cp.id);
        st.run();
        if (!cp.id) cp.id = sqlite3_last_insert_rowid(db.get());
    }

    std::vector<StoredHop> hops(sql::Stmt& st) {
        std::vector<StoredHop> out;
        while (st.step()) {
            StoredHop s;
            s.txn_id = st.i64(0);
            s.link.seq = static_cast<int>(st.i64(1));
            s.link.rule = st.str(2);
            std::string k = st.str(3);
            s.link.kind = k == "loop" ? LinkKind::loop : k == "notification" ? LinkKind::notification : LinkKind::relay;
            s.link.next_queue_id = st.str(4);
            s.link.relay_name = st.str(5);
            s.link.relay_addr = st.str(6);
            s.link.time = st.i64(7);
            s.link.attempt = static_cast<int>(st.i64(8));
            out.push_back(std::move(s));
        }
        st.reset();
        return out;
    }


    void prepare_write() {
        st_seen_get = sql::Stmt(db, "SELECT input, n FROM seen_line WHERE sec = ? AND hash = ?");
        st_seen_put = sql::Stmt(db, "INSERT INTO seen_line(sec, hash, input, n) VALUES (?, ?, ?, ?) "
                                    "ON CONFLICT(sec, hash, input) DO UPDATE SET n = excluded.n");
        st_find_key = sql::Stmt(db, "SELECT id FROM txn WHERE host = ? AND queue_id = ? AND first_us = ?");
        st_find_open = sql::Stmt(db,
                                 "SELECT id FROM txn WHERE host = ? AND queue_id = ? AND (complete = 0 OR mta = 'sendmail') "
                                 "AND last_us >= ? AND first_us <= ? ORDER BY first_us DESC LIMIT 1");
        st_find_span = sql::Stmt(db,
                                 "SELECT id FROM txn WHERE host = ? AND queue_id = ? AND first_us <= ? AND last_us >= ? "
                                 "ORDER BY first_us DESC LIMIT 1");
        st_find_headless = sql::Stmt(db,
                                     "SELECT id FROM txn WHERE host = ? AND queue_id = ? AND headless = 1 AND id != ? "
                                     "AND first_us >= ? AND first_us <= ? ORDER BY first_us LIMIT 1");
        st_del_txn = sql::Stmt(db, "DELETE FROM txn WHERE id = ?");
        {
            sql::Stmt t(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'txn_change'");
            if (t.step() && t.i64(0) > 0) prepare_change_log();
        }
        st_cp_insert = sql::Stmt(db,
                                 "INSERT INTO input(fp_hash, fp_len, path, offset, lines, raw_size, last_read_us, year_source, first_year, "
                                 "cur_year, prev_us, year_evidence, offset_note, zone, sha256, sha256_state, too_old, too_old_cutoff_us) "
                                 "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
        st_cp_update = sql::Stmt(db,
                                 "UPDATE input SET fp_hash=?, fp_len=?, path=?, offset=?, lines=?, raw_size=?, last_read_us=?, year_source=?, "
                                 "first_year=?, cur_year=?, prev_us=?, year_evidence=?, offset_note=?, zone=?, sha256=?, sha256_state=?, "
                                 "too_old=?, too_old_cutoff_us=? WHERE id=?");
        st_insert = sql::Stmt(db,
                              "INSERT INTO txn(host, queue_id, first_us, last_us, mta, sender, client_name, client_ip, "
                              "message_id, size, nrcpt, complete, notification_queue_id, headless, sasl_username, verdict, helo) "
                              "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
        st_update = sql::Stmt(db,
                              "UPDATE txn SET host=?, queue_id=?, first_us=?, last_us=?, mta=?, sender=?, client_name=?, "
                              "client_ip=?, message_id=?, size=?, nrcpt=?, complete=?, notification_queue_id=?, headless=?, "
                              "sasl_username=?, verdict=?, helo=? WHERE id=?");
        st_del_attempts = sql::Stmt(db, "DELETE FROM attempt WHERE txn_id = ?");
        st_ins_attempt = sql::Stmt(db,
                                   "INSERT INTO attempt(txn_id, seq, time_us, recipient, orig_recipient, relay, status, "
                                   "dsn, delay, text, queued_as, code) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
        st_pending = sql::Stmt(db, "INSERT OR IGNORE INTO xapian_pending(id) VALUES(?)");
        st_pending_del = sql::Stmt(db, "DELETE FROM xapian_pending WHERE id = ?");
        st_raw_put = sql::Stmt(db, "INSERT OR REPLACE INTO txn_raw(txn_id, nlines, size, data) VALUES(?,?,?,?)");
        st_raw_del = sql::Stmt(db, "DELETE FROM txn_raw WHERE txn_id = ?");
        st_del_hops = sql::Stmt(db, "DELETE FROM hop WHERE txn_id = ?");
        st_ins_hop = sql::Stmt(db, "INSERT INTO hop(txn_id, seq, rule, kind, next_qid, relay_name, relay_addr, time_us, "
                                   "attempt) VALUES(?,?,?,?,?,?,?,?,?)");
    }

    std::optional<Transaction> get(std::int64_t id) { return detail::read_transaction(st_get, st_attempts, id); }

    void bind_txn(sql::Stmt& st, const Transaction& t) {
        st.bind_ref(t.host).bind_ref(t.queue_id).bind(t.first_time).bind(t.last_time).bind_ref(mta_name(t.mta)).bind_ref(t.sender);
        st.bind_ref(t.client_name).bind_ref(t.client_ip).bind_ref(t.message_id).bind(t.size).bind(t.nrcpt);
        st.bind(t.complete ? 1 : 0).bind_ref(t.notification_queue_id).bind(t.headless ? 1 : 0).bind_ref(t.sasl_username);
        st.bind_ref(t.verdict);
        st.bind_ref(t.helo);
    }

    /// A transaction absorbs a stored headless piece of the same host and queue ID that starts
    /// within its span (or, if it is not complete, within 30 days after it): the piece's
    /// beginning was in a file read later.
    void merge_headless(Transaction& t) {
        const Micros window = Micros{30} * 86400 * kMicrosPerSecond;
        for (;;) {
            st_find_headless.reset().bind(t.host).bind(t.queue_id).bind(t.id).bind(t.first_time);
            st_find_headless.bind(t.complete ? t.last_time : t.last_time + window);
            std::int64_t pid = st_find_headless.step() ? st_find_headless.i64(0) : 0;
            st_find_headless.reset();
            if (!pid) return;
            auto p = get(pid);
            if (!p) return;
            for (auto& a : p->attempts) add_attempt(t, std::move(a));
            if (!t.sender && p->sender) t.sender = p->sender;
            if (t.message_id.empty()) t.message_id = p->message_id;
            if (t.client_name.empty() && t.client_ip.empty()) {
                t.client_name = p->client_name;
                t.client_ip = p->client_ip;
            }
            if (t.sasl_username.empty()) t.sasl_username = p->sasl_username;
            if (t.helo.empty()) t.helo = p->helo;
            if (t.size < 0) t.size = p->size;
            if (t.nrcpt < 0) t.nrcpt = p->nrcpt;
            {   // union of both lists, the stored one's IDs first
                std::string mine = std::move(t.notification_queue_id);
                t.notification_queue_id = p->notification_queue_id;
                for (std::string_view l = mine; !l.empty();) {
                    std::size_t sp = l.find(' ');
                    add_notification(t, l.substr(0, sp));
                    l = sp == std::string_view::npos ? std::string_view{} : l.substr(sp + 1);
                }
            }
            {   // the stored piece's verdicts first
                std::string mine = std::move(t.verdict);
                t.verdict = p->verdict;
                for (std::string_view l = mine; !l.empty();) {
                    std::size_t sep = l.find("; ");
                    add_verdict(t, l.substr(0, sep));
                    l = sep == std::string_view::npos ? std::string_view{} : l.substr(sep + 2);
                }
            }
            t.last_time = std::max(t.last_time, p->last_time);
            t.complete = t.complete || p->complete;
            load_raw(pid, t.raw); // its lines go with it
            st_raw_del.reset().bind(pid).run();
            st_del_attempts.reset().bind(pid).run();
            st_del_hops.reset().bind(pid).run();
            st_del_txn.reset().bind(pid).run();
            if (change_log) st_del_change.reset().bind(pid).run();
            st_pending.reset().bind(pid).run();
            merged_away.insert(pid);
            ++stats.merged;
        }
    }

    void write_sqlite(Transaction& t) {
        if (t.id == 0) {
            st_find_key.reset().bind(t.host).bind(t.queue_id).bind(t.first_time);
            if (st_find_key.step()) t.id = st_find_key.i64(0);
            st_find_key.reset();
        }
        merge_headless(t);
        const bool existed = t.id != 0;
        if (t.id == 0) {
            st_insert.reset();
            bind_txn(st_insert, t);
            st_insert.run();
            t.id = sqlite3_last_insert_rowid(db.get());
            ++stats.added;
        } else {
            st_update.reset();
            bind_txn(st_update, t);
            st_update.bind(t.id).run();
            ++stats.updated;
        }
        st_del_attempts.reset().bind(t.id).run();
        int seq = 0;
        for (const auto& a : t.attempts) {
            st_ins_attempt.reset().bind(t.id).bind(seq++).bind(a.time).bind_ref(a.recipient).bind_ref(a.orig_recipient);
            st_ins_attempt.bind_ref(a.relay).bind_ref(status_name(a.status)).bind_ref(a.dsn);
            if (a.delay < 0) st_ins_attempt.bind_null();
            else st_ins_attempt.bind(a.delay);
            st_ins_attempt.bind_ref(a.text).bind_ref(a.queued_as).bind_ref(a.code).run();
        }
        // hop links: keys only (computed from this transaction alone), resolved by trace
        st_del_hops.reset().bind(t.id).run();
        for (const auto& h : hop_links(t)) {
            st_ins_hop.reset().bind(t.id).bind(h.seq).bind(h.rule).bind(link_kind_name(h.kind)).bind(h.next_queue_id);
            st_ins_hop.bind(h.relay_name).bind(h.relay_addr).bind(h.time).bind(h.attempt).run();
        }
        write_raw(t, existed);
        st_pending.reset().bind(t.id).run();
        if (change_log) st_change.reset().bind(t.id).bind(next_change++).run(); // for export_changes
    }

    /// Brings Xapian in line with SQLite for every ID on the pending list, then clears it.
    void replay_pending() {
        std::vector<std::int64_t> ids;
        {
            sql::Stmt st(db, "SELECT id FROM xapian_pending ORDER BY id");
            while (st.step()) ids.push_back(st.i64(0));
        }
        if (ids.empty()) return;
        for (auto id : ids) {
            auto t = get(id);
            if (t) wdb->replace_document(static_cast<Xapian::docid>(id), make_document(*t, time_terms));
            else delete_document(id);
        }
        wdb->commit();
        db.exec("DELETE FROM xapian_pending");
    }

    /// Deletes a Xapian document; one that was never written (a piece merged away in the batch
    /// that made it) is no error.
    void delete_document(std::int64_t id) {
        try {
            wdb->delete_document(static_cast<Xapian::docid>(id));
        } catch (const Xapian::DocNotFoundError&) {
        }
    }

    void prepare_change_log() {
        st_change = sql::Stmt(db, "INSERT INTO txn_change(txn_id, seq) VALUES(?, ?) "
                                  "ON CONFLICT(txn_id) DO UPDATE SET seq = excluded.seq");
        st_del_change = sql::Stmt(db, "DELETE FROM txn_change WHERE txn_id = ?");
        sql::Stmt mx(db, "SELECT coalesce(max(seq), 0) FROM txn_change");
        next_change = mx.step() ? mx.i64(0) + 1 : 1;
        change_log = true;
    }

    /// The change log of exports (table txn_change, ARCHITECTURE.md "ClickHouse"), created by
    /// the first export (an index never exported has none, and its file is as before): every
    /// stored transaction at sequence 0 and every export mark removed, so that export sends
    /// all. Also after repair, which does not copy the log.
    void create_change_log() {
        if (change_log) return;
        if (in_txn) throw Error(ExitCode::internal, "create_change_log inside a write transaction");
        db.exec("BEGIN IMMEDIATE");
        try {
            db.exec("CREATE TABLE txn_change(txn_id INTEGER PRIMARY KEY, seq INTEGER NOT NULL);"
                    "CREATE INDEX txn_change_seq ON txn_change(seq, txn_id);"
                    "INSERT INTO txn_change(txn_id, seq) SELECT id, 0 FROM txn;"
                    "DELETE FROM meta WHERE key LIKE 'export %';"
                    "COMMIT");
        } catch (...) {
            sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
        prepare_change_log();
    }

    /// Rollup writes never commit a batch: its checkpoints must go with it (Indexer::commit).
    void require_no_batch() {
        if (!batch.empty() || !seen_batch.empty())
            throw Error(ExitCode::internal, "stats rollups refreshed with transactions not committed");
        if (in_txn) { // only lookups happened
            db.exec("COMMIT");
            in_txn = false;
        }
    }

    void detect_rollups() {
        sql::Stmt t(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('stats_dirty', 'stats_dict')");
        rollups = t.step() && t.i64(0) == 2;
        if (rollups) {
            st_dict_get = sql::Stmt(db, "SELECT id FROM stats_dict WHERE value = ?");
            st_dict_val = sql::Stmt(db, "SELECT value FROM stats_dict WHERE id = ?");
        }
    }

    /// Write mode: adds the rollup tables, index and triggers to an index without them, every
    /// bucket dirty (one SQLite transaction: a crash leaves the index as it was).
    void add_rollups() {
        detect_rollups();
        if (!rollups) {
            db.exec("BEGIN IMMEDIATE");
            db.exec("DROP TABLE IF EXISTS stats_rollup; DROP TABLE IF EXISTS stats_dirty;");
            try {
                db.exec(kRollupSqlText);
                db.exec(kRollupAllDirtySql);
                db.exec("COMMIT");
            } catch (...) {
                sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
                throw;
            }
            detect_rollups();
        }
        st_dict_put = sql::Stmt(db, "INSERT INTO stats_dict(value) VALUES(?)");
        st_rollup_put = sql::Stmt(db, "INSERT OR REPLACE INTO stats_rollup(host, day, max_last_us, data) VALUES(?,?,?,?)");
        st_rollup_del = sql::Stmt(db, "DELETE FROM stats_rollup WHERE host = ? AND day = ?");
        st_dirty_del = sql::Stmt(db, "DELETE FROM stats_dirty WHERE host = ? AND day = ?");
    }

    void check_schema_sqlite() {
        {
            sql::Stmt t(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
            if (!t.step() || t.i64(0) == 0)
                throw Error(ExitCode::bad_index, fmt::format("no mxtrace index in {} yet", dir.string()),
                            "if mxtrace index is creating it, try again once its first commit is done; else run mxtrace index");
        }
        sql::Stmt st(db, "SELECT value FROM meta WHERE key = 'schema_version'");
        if (st.step()) {
            std::string v = st.str(0);
            if (v != std::to_string(kSchemaVersion))
                throw Error(ExitCode::bad_index,
                            fmt::format("the index in {} has schema version {}; this mxtrace reads version {}",
                                        dir.string(), v, kSchemaVersion),
                            fmt::format("rebuild it: remove {} and run mxtrace index again", dir.string()));
        } else if (mode == Mode::write) {
            sql::Stmt ins(db, "INSERT INTO meta(key, value) VALUES('schema_version', ?)");
            ins.bind(std::to_string(kSchemaVersion)).run();
        } else {
            throw Error(ExitCode::bad_index, fmt::format("no mxtrace index in {} yet", dir.string()),
                        "if mxtrace index is creating it, try again once its first commit is done; else run mxtrace index");
        }
    }

    void check_schema_xapian() {
        Xapian::Database& x = reader();
        std::string v = x.get_metadata("mxtrace_schema");
        if (v.empty() && wdb) {
            wdb->set_metadata("mxtrace_schema", std::to_string(kSchemaVersion));
            // a new index gets day terms; an older one keeps its documents as they are (its
            // date windows are value filters) until mxtrace repair rebuilds them
            sql::Stmt n(db, "SELECT count(*) FROM txn");
            if (wdb->get_doccount() == 0 && n.step() && n.i64(0) == 0) detail::TimeTerms::all().declare(*wdb);
            wdb->commit();
        } else if (v.empty()) {
            throw Error(ExitCode::bad_index, fmt::format("no mxtrace index in {} yet", dir.string()),
                        "if mxtrace index is creating it, try again once its first commit is done; else run mxtrace index");
        } else if (v != std::to_string(kSchemaVersion)) {
            throw Error(ExitCode::bad_index,
                        fmt::format("the Xapian index in {} has schema version '{}'; this mxtrace reads version {}",
                                    dir.string(), v, kSchemaVersion),
                        fmt::format("rebuild it: remove {} and run mxtrace index again", dir.string()));
        }
        time_terms = detail::TimeTerms::of(x);
    }
};

Store::Store(fs::path dir, Mode mode, bool wait) : impl_(std::make_unique<Impl>()) {
    Impl& m = *impl_;
    m.dir = std::move(dir);
    m.mode = mode;
    const fs::path sqlite_path = m.dir / "mxtrace.sqlite";
    const fs::path xapian_path = m.dir / "xapian";
    try {
        if (mode == Mode::write) {
            m.old_umask = ::umask(077);
            std::error_code ec;
            if (!fs::exists(m.dir)) {
                fs::create_directories(m.dir, ec);
                if (ec)
                    throw Error(ExitCode::usage, fmt::format("cannot create index directory {}: {}", m.dir.string(), ec.message()),
                                "choose a writable place with --db DIR or MXTRACE_DB");
                ::chmod(m.dir.c_str(), 0700);
            } else if (!fs::is_directory(m.dir)) {
                throw Error(ExitCode::usage, fmt::format("{} exists and is not a directory", m.dir.string()),
                            "give the index a directory of its own with --db DIR");
            }
            // A shared (system) index: an existing directory the admin made group-readable
            // (0750, e.g. /var/lib/mxtrace of the Debian package) gets group-readable files
            // (0640); a personal index stays private (0700/0600). ARCHITECTURE.md "Permissions".
            struct stat st {};
            if (::stat(m.dir.c_str(), &st) == 0 && (st.st_mode & S_IRGRP) && (st.st_mode & S_IXGRP)) ::umask(027);
            m.lock = detail::IndexLock(m.dir, wait); // before the half-created check: another first run may be creating it
            // what a killed mxtrace compact left: the old index moved aside before its copy came in
            // (only where the file system lacks RENAME_EXCHANGE), or a copy not swapped in yet
            if (!fs::exists(xapian_path) && fs::exists(m.dir / "xapian.old" / "iamglass"))
                fs::rename(m.dir / "xapian.old", xapian_path, ec);
            for (const char* left : {"xapian.compact", "xapian.old"})
                if (fs::exists(m.dir / left)) fs::remove_all(m.dir / left, ec);
            // A run killed in its first moments leaves Xapian tables without their revision file
            // (iamglass) and SQLite without records: half created. Rebuilt here, without a flag.
            // With records in SQLite it is damage, not a half-created index: never removed.
            if (fs::is_directory(xapian_path) && !fs::exists(xapian_path / "iamglass")) {
                bool tables = false;
                for (const auto& e : fs::directory_iterator(xapian_path, ec))
                    tables = tables || e.path().filename().string().ends_with(".glass");
                if (tables) {
                    std::int64_t records = 0;
                    if (fs::exists(sqlite_path)) {
                        sql::Db probe(sqlite_path.string(), SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
                        sql::Stmt t(probe, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'txn'");
                        if (t.step() && t.i64(0) > 0) {
                            sql::Stmt c(probe, "SELECT count(*) FROM txn");
                            if (c.step()) records = c.i64(0);
                        }
                    }
                    if (records > 0)
                        throw Error(ExitCode::damaged,
                                    fmt::format("index damaged: the Xapian index in {} has no revision file (iamglass) but "
                                                "SQLite holds {} transactions", m.dir.string(), records),
                                    fmt::format("run mxtrace check; mxtrace repair --db {} rebuilds the Xapian index from the records",
                                                m.dir.string()));
                    for (const auto& e : fs::directory_iterator(xapian_path, ec))
                        if (e.path().filename() != "flintlock") fs::remove_all(e.path(), ec);
                    for (const char* f : {"mxtrace.sqlite", "mxtrace.sqlite-wal", "mxtrace.sqlite-shm"}) fs::remove(m.dir / f, ec);
                    m.rebuilt_half_created = true;
                }
            }
            try {
                m.wdb = std::make_unique<Xapian::WritableDatabase>(
                    xapian_path.string(), Xapian::DB_CREATE_OR_OPEN | (wait ? Xapian::DB_RETRY_LOCK : 0));
            } catch (const Xapian::DatabaseLockError&) {
                throw detail::locked_error(m.dir);
            }
            m.db = sql::Db(sqlite_path.string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
            // the writer's page cache: 32 MiB keeps an ingest's peak under 256 MB with two batches
            // alive; 64 MiB is 20% faster at 273 MB (BENCHMARKS.md "Ingest on two cores")
            m.db.exec("PRAGMA busy_timeout=10000; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                      "PRAGMA cache_size=-32768;");
            m.db.exec("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;");
            m.check_schema_sqlite(); // before creating anything else in an index of another version
            m.db.exec(detail::kSchemaSql);
            m.check_schema_xapian();
            m.prepare_read();
            m.prepare_write();
            m.replay_pending();
            m.add_rollups();
        } else {
            if (fs::is_directory(xapian_path) && !fs::exists(xapian_path / "iamglass")) {
                bool tables = false;
                std::error_code ec;
                for (const auto& e : fs::directory_iterator(xapian_path, ec))
                    tables = tables || e.path().filename().string().ends_with(".glass");
                if (tables)
                    throw Error(ExitCode::damaged,
                                fmt::format("index damaged: the Xapian index in {} has no revision file (iamglass)", m.dir.string()),
                                fmt::format("if a mxtrace index run was killed while creating it, run mxtrace index --db {} "
                                            "FILE... again (it rebuilds a half-created index); else run mxtrace check",
                                            m.dir.string()));
            }
            if (!fs::exists(sqlite_path) || !fs::exists(xapian_path))
                throw Error(ExitCode::bad_index, fmt::format("no mxtrace index in {}", m.dir.string()),
                            "run mxtrace index FILE... first, or point --db or MXTRACE_DB at an existing index");
            try {
                m.xdb = std::make_unique<Xapian::Database>(xapian_path.string());
            } catch (const Xapian::DatabaseOpeningError& e) {
                throw Error(ExitCode::bad_index, fmt::format("cannot open the Xapian index in {}: {}", m.dir.string(), e.get_msg()),
                            "the index may be damaged: run mxtrace check, then mxtrace repair");
            }
            m.db = sql::Db(sqlite_path.string(), SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
            m.db.exec("PRAGMA busy_timeout=10000;");
            m.check_schema_sqlite();
            m.check_schema_xapian();
            m.prepare_read();
            m.detect_rollups();
        }
    } catch (const Xapian::DatabaseCorruptError& e) {
        throw Error(ExitCode::damaged, fmt::format("index {}: {}", m.dir.string(), e.get_description()),
                    "the index is damaged: run mxtrace check, then mxtrace repair");
    } catch (const Xapian::Error& e) {
        throw Error(ExitCode::bad_index, fmt::format("index {}: {}", m.dir.string(), e.get_description()),
                    "the index may be damaged: run mxtrace check, then mxtrace repair");
    }
}

Store::~Store() {
    if (impl_ && impl_->mode == Mode::write) {
        try {
            sync();
        } catch (...) {
            // the destructor runs on error paths too; what is not committed is re-read next run
        }
        try {
            impl_->wait_xapian(); // sync() failed before the update in flight was waited for
        } catch (...) {
        }
        if (impl_->follow_marked) {
            std::error_code ec;
            fs::remove(impl_->dir / detail::kFollowFile, ec); // before the lock goes with impl_
        }
        ::umask(impl_->old_umask);
    }
}

const fs::path& Store::dir() const noexcept { return impl_->dir; }

void Store::mark_follower(const std::string& command) {
    Impl& m = *impl_;
    if (m.mode != Mode::write) return;
    const fs::path p = m.dir / detail::kFollowFile;
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        throw Error(ExitCode::internal, fmt::format("cannot write {}: {}", p.string(), std::strerror(errno)),
                    "check the index directory's owner and permissions");
    ::fchmod(fd, 0600);
    const std::string line = fmt::format("{} {}\n", ::getpid(), command);
    const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ::close(fd);
    if (!ok) throw Error(ExitCode::internal, fmt::format("cannot write {}", p.string()), "check the disk");
    m.follow_marked = true;
}
const WriteStats& Store::stats() const noexcept { return impl_->stats; }

void Store::put(std::unique_ptr<Transaction> t) {
    Impl& m = *impl_;
    std::string k = key_of(t->host, t->queue_id);
    if (t->id) m.batch_ids.insert(t->id);
    m.batch_key[k] = m.batch.size();
    m.batch.push_back(std::move(t));
}

std::size_t Store::pending() const noexcept { return impl_->batch.size(); }

std::unique_ptr<Transaction> Store::take_open(std::string_view host, std::string_view queue_id, Micros at, bool starts) {
    Impl& m = *impl_;
    const Micros window = Micros{30} * 86400 * kMicrosPerSecond;
    std::string k = key_of(host, queue_id);
    if (auto it = m.batch_key.find(k); it != m.batch_key.end()) {
        auto& slot = m.batch[it->second];
        if (slot) {
            const bool inside = at >= slot->first_time && at <= slot->last_time;
            // Sendmail queue IDs are never reused: a line after completion (a DSN) still belongs
            const bool reopen = !slot->complete || slot->mta == Mta::sendmail;
            const bool continues = !starts && reopen && slot->last_time >= at - window && slot->first_time <= at;
            if (inside || continues) {
                auto t = std::move(slot);
                m.batch_key.erase(it);
                if (t->id) m.batch_ids.erase(t->id);
                return t;
            }
        }
    }
    m.begin();
    m.st_find_span.reset().bind(host).bind(queue_id).bind(at).bind(at);
    std::int64_t id = m.st_find_span.step() ? m.st_find_span.i64(0) : 0;
    m.st_find_span.reset();
    if (!id && !starts) {
        m.st_find_open.reset().bind(host).bind(queue_id).bind(at - window).bind(at);
        id = m.st_find_open.step() ? m.st_find_open.i64(0) : 0;
        m.st_find_open.reset();
    }
    if (!id || m.batch_ids.count(id)) return nullptr; // the batch holds a newer state of it
    auto t = m.get(id);
    if (!t) return nullptr;
    return std::make_unique<Transaction>(std::move(*t));
}

void Store::commit(std::span<Checkpoint> checkpoints) {
    Impl& m = *impl_;
    if (m.mode != Mode::write) return;
    if (m.batch.empty() && checkpoints.empty() && m.seen_batch.empty() && m.xapian_done.empty()) {
        if (m.in_txn) { // only lookups happened
            m.db.exec("COMMIT");
            m.in_txn = false;
        }
        return;
    }
    Impl::XapianJob job;
    m.merged_away.clear();
    m.begin();
    try {
        std::vector<std::int64_t> still_pending = m.clear_done();
        for (auto& t : m.batch) {
            if (!t) continue;
            m.write_sqlite(*t);
            job.written.push_back(t.get());
        }
        for (auto& cp : checkpoints) m.write_checkpoint(cp);
        for (const auto& [key, rows] : m.seen_batch)
            for (const auto& [input, n] : rows)
                m.st_seen_put.reset()
                    .bind(key.first)
                    .bind(static_cast<std::int64_t>(key.second))
                    .bind(input)
                    .bind(static_cast<std::int64_t>(n))
                    .run();
        m.db.exec("COMMIT");
        m.seen_batch.clear();
        m.xapian_done = std::move(still_pending);
        m.in_txn = false;
    } catch (...) {
        sqlite3_exec(m.db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
        m.in_txn = false;
        throw;
    }
    // the original lines are stored now and Xapian does not read them: freed before the batch
    // goes to the worker (two batches live at once); kept until COMMIT, for a retried commit
    for (Transaction* t : job.written) std::vector<RawLine>().swap(t->raw);
    detail::crash_point("after-sqlite");
    // the previous batch's update (background): done before this one's starts, on the same handle
    m.wait_xapian();
    if (job.written.empty() && m.merged_away.empty()) return; // only checkpoints: Xapian has nothing to do
    std::erase_if(job.written, [&](const Transaction* t) { return m.merged_away.count(t->id) > 0; });
    job.deleted.assign(m.merged_away.begin(), m.merged_away.end());
    job.batch = std::move(m.batch);
    m.batch.clear();
    m.batch_key.clear();
    m.batch_ids.clear();
    if (m.background_xapian) {
        m.xapian_flight_ids.insert(job.deleted.begin(), job.deleted.end());
        for (const Transaction* t : job.written) m.xapian_flight_ids.insert(t->id);
        m.worker->submit(std::move(job));
        return;
    }
    m.run_xapian(job);
    m.db.exec("DELETE FROM xapian_pending");
}

void Store::set_background_xapian(bool on) {
    Impl& m = *impl_;
    if (m.mode != Mode::write) return;
    if (!on) sync();
    else if (!m.worker) {
        m.worker = std::make_unique<Impl::XapianWorker>();
        m.worker->start(m);
    }
    m.background_xapian = on;
}

void Store::sync() {
    Impl& m = *impl_;
    if (m.mode != Mode::write) return;
    commit();
    m.wait_xapian();
    if (!m.xapian_done.empty()) commit(); // nothing in flight: clears them all, writes nothing else
}

std::vector<Checkpoint> Store::checkpoints() {
    std::vector<Checkpoint> out;
    sql::Stmt st(impl_->db,
                 "SELECT id, fp_hash, fp_len, path, offset, last_read_us, lines, year_source, first_year, cur_year, prev_us, "
                 "year_evidence, offset_note, zone, raw_size, sha256, sha256_state, too_old, too_old_cutoff_us FROM input "
                 "ORDER BY last_read_us DESC, id DESC");
    while (st.step()) {
        Checkpoint c;
        c.id = st.i64(0);
        c.fp_hash = st.str(1);
        c.fp_len = st.i64(2);
        c.path = st.str(3);
        c.offset = static_cast<std::uint64_t>(st.i64(4));
        c.last_read = st.i64(5);
        c.lines = static_cast<std::uint64_t>(st.i64(6));
        c.clock.source = year_source_from_name(st.str(7));
        c.clock.first_year = static_cast<int>(st.i64(8));
        c.clock.year = static_cast<int>(st.i64(9));
        c.clock.prev = st.i64(10);
        c.clock.evidence = st.str(11);
        c.clock.offset_note = st.str(12);
        c.zone = st.str(13);
        c.raw_size = static_cast<std::uint64_t>(st.i64(14));
        c.sha256 = st.str(15);
        c.sha256_state = std::string(st.blob(16));
        c.too_old = static_cast<std::uint64_t>(st.i64(17));
        c.too_old_cutoff = st.i64(18);
        out.push_back(std::move(c));
    }
    return out;
}

std::optional<int> Store::retention() {
    sql::Stmt st(impl_->db, "SELECT value FROM meta WHERE key = 'retention_days'");
    if (!st.step()) return std::nullopt;
    const std::string v = st.str(0);
    int days = 0;
    const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), days);
    if (ec != std::errc() || p != v.data() + v.size() || days < 0)
        throw Error(ExitCode::bad_index, fmt::format("index {}: its retention setting '{}' is no number of days", impl_->dir.string(), v),
                    fmt::format("set it again: mxtrace prune --db {} --set-retention DAYS", impl_->dir.string()));
    return days;
}

void Store::set_retention(int days) {
    Impl& m = *impl_;
    if (m.mode != Mode::write) throw Error(ExitCode::internal, "set_retention on an index opened for reading");
    m.begin();
    sql::Stmt st(m.db, "INSERT OR REPLACE INTO meta(key, value) VALUES('retention_days', ?)");
    st.bind(std::to_string(days)).run();
}

std::optional<ChangeMark> Store::export_mark(std::string_view target) {
    Impl& m = *impl_;
    if (m.mode != Mode::write) throw Error(ExitCode::internal, "export_mark on an index opened for reading");
    if (!m.change_log) {
        commit();
        m.create_change_log();
    }
    const std::string v = state(fmt::format("export {}", target));
    ChangeMark c;
    const char* end = v.data() + v.size();
    auto [p, ec] = std::from_chars(v.data(), end, c.seq);
    if (ec != std::errc() || p == end || *p != ' ') return std::nullopt;
    auto [q, ec2] = std::from_chars(p + 1, end, c.id);
    if (ec2 != std::errc() || q != end) return std::nullopt;
    return c;
}

void Store::set_export_mark(std::string_view target, const std::optional<ChangeMark>& mark) {
    set_state(fmt::format("export {}", target), mark ? fmt::format("{} {}", mark->seq, mark->id) : std::string());
    detail::crash_point("export-mark"); // the target acknowledged the batch, the mark has not moved
    commit();
}

std::vector<Changed> Store::export_changes(const std::optional<ChangeMark>& after, std::size_t limit) {
    Impl& m = *impl_;
    if (m.mode != Mode::write) throw Error(ExitCode::internal, "export_changes on an index opened for reading");
    const ChangeMark a = after.value_or(ChangeMark{-1, 0});
    std::vector<std::pair<std::int64_t, std::int64_t>> ids;
    {
        sql::Stmt st(m.db, "SELECT seq, txn_id FROM txn_change WHERE (seq, txn_id) > (?, ?) ORDER BY seq, txn_id LIMIT ?");
        st.bind(a.seq).bind(a.id).bind(static_cast<std::int64_t>(limit));
        while (st.step()) ids.emplace_back(st.i64(0), st.i64(1));
    }
    std::vector<Changed> out;
    out.reserve(ids.size());
    for (const auto& [seq, id] : ids)
        if (auto t = m.get(id)) out.push_back(Changed{ChangeMark{seq, id}, std::move(*t)});
    return out;
}

std::uint64_t Store::export_pending(const std::optional<ChangeMark>& after) {
    Impl& m = *impl_;
    const ChangeMark a = after.value_or(ChangeMark{-1, 0});
    sql::Stmt st(m.db, "SELECT count(*) FROM txn_change WHERE (seq, txn_id) > (?, ?)");
    st.bind(a.seq).bind(a.id);
    return st.step() ? static_cast<std::uint64_t>(st.i64(0)) : 0;
}

std::string Store::state(std::string_view key) {
    sql::Stmt st(impl_->db, "SELECT value FROM meta WHERE key = ?");
    st.bind(key);
    return st.step() ? std::string(st.blob(0)) : std::string();
}

void Store::set_state(std::string_view key, std::string_view value) {
    Impl& m = *impl_;
    if (m.mode != Mode::write) throw Error(ExitCode::internal, "set_state on an index opened for reading");
    m.begin();
    if (value.empty()) {
        sql::Stmt st(m.db, "DELETE FROM meta WHERE key = ?");
        st.bind(key).run();
    } else {
        sql::Stmt st(m.db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");
        st.bind(key).bind_blob(value).run();
    }
}

std::optional<Micros> Store::newest_time() {
    sql::Stmt st(impl_->db, "SELECT max(last_us) FROM txn");
    if (st.step() && !st.is_null(0)) return st.i64(0);
    return std::nullopt;
}

PruneResult Store::prune(int retention_days, Micros now, bool dry_run) {
    Impl& m = *impl_;
    PruneResult r;
    auto newest = newest_time();
    r.anchor = newest ? std::min(now, *newest) : now;
    r.cutoff = r.anchor - Micros{retention_days} * 86400 * kMicrosPerSecond;
    if (retention_days <= 0 || !newest) return r;
    std::vector<std::int64_t> ids;
    std::map<std::string, std::uint64_t> days;
    {
        sql::Stmt st(m.db, "SELECT id, last_us FROM txn WHERE last_us < ? ORDER BY last_us");
        st.bind(r.cutoff);
        while (st.step()) {
            ids.push_back(st.i64(0));
            ++days[format_rfc3339(st.i64(1)).substr(0, 10)];
        }
    }
    r.transactions = ids.size();
    r.per_day.assign(days.begin(), days.end());
    {
        sql::Stmt st(m.db, "SELECT count(*) FROM attempt WHERE txn_id = ?");
        for (auto id : ids) {
            st.reset().bind(id);
            if (st.step()) r.attempts += static_cast<std::uint64_t>(st.i64(0));
        }
    }
    if (dry_run || m.mode != Mode::write || ids.empty()) return r;
    sync(); // nothing of the batch may be lost or resurrected
    detail::crash_point("prune-sqlite");
    m.begin();
    try {
        // the line identities of the window's past go with it (seconds before the cutoff's)
        sql::Stmt del_seen(m.db, "DELETE FROM seen_line WHERE sec < ?");
        del_seen.bind(r.cutoff / kMicrosPerSecond).run();
        sql::Stmt del_a(m.db, "DELETE FROM attempt WHERE txn_id = ?");
        for (auto id : ids) {
            del_a.reset().bind(id).run();
            m.st_raw_del.reset().bind(id).run();
            m.st_del_hops.reset().bind(id).run();
            m.st_del_txn.reset().bind(id).run();
            if (m.change_log) m.st_del_change.reset().bind(id).run();
            m.st_pending.reset().bind(id).run();
        }
        m.db.exec("COMMIT");
        m.in_txn = false;
    } catch (...) {
        sqlite3_exec(m.db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
        m.in_txn = false;
        throw;
    }
    detail::crash_point("prune-xapian");
    for (auto id : ids) m.delete_document(id);
    m.wdb->commit();
    m.db.exec("DELETE FROM xapian_pending");
    detail::crash_point("prune-done");
    return r;
}

std::vector<std::string> Store::quick_check(std::size_t limit) {
    Impl& m = *impl_;
    std::vector<std::string> out;
    try {
        sql::prefetch_file((m.dir / "mxtrace.sqlite").c_str()); // every page, in file order (cold cache: 7x faster)
        const std::string pragma = fmt::format("PRAGMA quick_check({})", std::max<std::size_t>(limit, 1));
        sql::Stmt st(m.db, pragma.c_str());
        while (st.step()) {
            // a row may hold several lines, the first naming the schema ("*** in database main ***")
            const std::string r = st.str(0);
            std::size_t from = 0;
            while (from <= r.size() && out.size() < limit) {
                std::size_t nl = r.find('\n', from);
                if (nl == std::string::npos) nl = r.size();
                std::string line = r.substr(from, nl - from);
                if (!line.empty() && line != "ok" && !line.starts_with("*** in database")) out.push_back(std::move(line));
                from = nl + 1;
            }
        }
    } catch (const Error& e) {
        // a page too damaged to read stops the pragma itself (SQLITE_CORRUPT, SQLITE_NOTADB)
        if (e.code() != ExitCode::damaged && sql::code_of(m.db.get()) != ExitCode::damaged) throw;
        out.push_back(e.what());
    }
    return out;
}

IndexInfo Store::info() {
    Impl& m = *impl_;
    IndexInfo i;
    i.dir = m.dir;
    i.schema_version = kSchemaVersion;
    i.day_terms = m.time_terms.days;
    i.hour_terms = m.time_terms.hours;
    {
        sql::Stmt st(m.db, "SELECT count(*), min(first_us), max(last_us) FROM txn");
        if (st.step()) {
            i.transactions = static_cast<std::uint64_t>(st.i64(0));
            if (!st.is_null(1)) i.first_time = st.i64(1);
            if (!st.is_null(2)) i.last_time = st.i64(2);
        }
    }
    {
        // reject records: their queue ID column is "NOQUEUE-INPUT.LINE" (reject_record_id())
        sql::Stmt st(m.db, "SELECT count(*) FROM txn WHERE queue_id GLOB 'NOQUEUE-*'");
        if (st.step()) i.reject_records = static_cast<std::uint64_t>(st.i64(0));
    }
    {
        sql::Stmt st(m.db, "SELECT count(*) FROM attempt");
        if (st.step()) i.attempts = static_cast<std::uint64_t>(st.i64(0));
    }
    std::error_code ec;
    for (const char* f : {"mxtrace.sqlite", "mxtrace.sqlite-wal", "mxtrace.sqlite-shm"}) {
        auto n = fs::file_size(m.dir / f, ec);
        if (!ec) i.sqlite_bytes += n;
    }
    for (const auto& e : fs::directory_iterator(m.dir / "xapian", ec)) {
        auto n = e.file_size(ec);
        if (!ec) i.xapian_bytes += n;
    }
    i.inputs = checkpoints();
    return i;
}

std::optional<Transaction> Store::get(std::int64_t id) { return impl_->get(id); }

void Store::add_input(Checkpoint& cp) {
    Impl& m = *impl_;
    if (m.mode != Mode::write || cp.id) return;
    m.begin();
    m.write_checkpoint(cp);
}

SeenCounts Store::seen(std::int64_t sec, std::uint64_t hash, std::int64_t input) {
    Impl& m = *impl_;
    SeenCounts c;
    if (m.mode != Mode::write) return c;
    auto it = m.seen_batch.find({sec, hash});
    auto pending_of = [&](std::int64_t in) -> std::optional<std::uint32_t> {
        if (it == m.seen_batch.end()) return std::nullopt;
        for (const auto& [i, n] : it->second)
            if (i == in) return n;
        return std::nullopt;
    };
    m.begin();
    m.st_seen_get.reset().bind(sec).bind(static_cast<std::int64_t>(hash));
    while (m.st_seen_get.step()) {
        const std::int64_t in = m.st_seen_get.i64(0);
        const auto n = pending_of(in).value_or(static_cast<std::uint32_t>(m.st_seen_get.i64(1)));
        if (in == input) c.mine = n;
        else c.others = std::max(c.others, n);
    }
    m.st_seen_get.reset();
    if (it != m.seen_batch.end())
        for (const auto& [in, n] : it->second) {
            if (in == input) c.mine = n;
            else c.others = std::max(c.others, n);
        }
    return c;
}

void Store::put_seen(std::int64_t sec, std::uint64_t hash, std::int64_t input, std::uint32_t n) {
    Impl& m = *impl_;
    if (m.mode != Mode::write) return;
    auto& rows = m.seen_batch[{sec, hash}];
    for (auto& [in, count] : rows)
        if (in == input) {
            count = n;
            return;
        }
    rows.emplace_back(input, n);
}

void Store::forget_seen(std::int64_t input) {
    Impl& m = *impl_;
    if (m.mode != Mode::write) return;
    for (auto it = m.seen_batch.begin(); it != m.seen_batch.end();) {
        std::erase_if(it->second, [&](const auto& r) { return r.first == input; });
        it = it->second.empty() ? m.seen_batch.erase(it) : std::next(it);
    }
    m.begin();
    sql::Stmt st(m.db, "DELETE FROM seen_line WHERE input = ?");
    st.bind(input).run();
}

std::vector<SourceLine> Store::raw_lines(std::int64_t txn_id) {
    Impl& m = *impl_;
    std::vector<RawLine> lines;
    m.load_raw(txn_id, lines);
    std::vector<SourceLine> out;
    if (lines.empty()) return out;
    // the inputs they name (a transaction's lines come from one or a few inputs)
    std::map<std::int64_t, std::pair<std::string, std::string>> inputs;
    sql::Stmt st(m.db, "SELECT path, fp_hash, fp_len FROM input WHERE id = ?");
    out.reserve(lines.size());
    for (auto& l : lines) {
        auto it = inputs.find(l.input);
        if (it == inputs.end()) {
            Checkpoint c;
            st.reset().bind(l.input);
            if (st.step()) {
                c.path = st.str(0);
                c.fp_hash = st.str(1);
                c.fp_len = st.i64(2);
            }
            it = inputs.emplace(l.input, std::make_pair(c.path, c.fp_hash.empty() ? std::string() : fingerprint_text(c))).first;
        }
        out.push_back(SourceLine{l.input, it->second.first, it->second.second, l.line, l.time, std::move(l.text)});
    }
    return out;
}

std::vector<HopLink> Store::links_of(std::int64_t txn_id) {
    Impl& m = *impl_;
    m.st_hops.reset().bind(txn_id);
    std::vector<HopLink> out;
    for (auto& s : m.hops(m.st_hops)) out.push_back(std::move(s.link));
    return out;
}

std::vector<StoredHop> Store::links_to(std::string_view queue_id) {
    Impl& m = *impl_;
    m.st_hops_to.reset().bind(queue_id);
    return m.hops(m.st_hops_to);
}

// Queue-ID and Message-ID lookups go through the Xapian terms XQID / XMSGID (already there for
// search), not extra SQLite indexes: the same speed, and no index the size of all Message-IDs.
std::vector<Transaction> Store::find_queue_id(std::string_view queue_id, std::string_view host, Micros from, Micros to) {
    SearchFilter f;
    f.queue_id = queue_id;
    f.host = host;
    if (from != std::numeric_limits<Micros>::min()) f.since = from; // last line >= from: a superset
    if (to != std::numeric_limits<Micros>::max()) f.until = to;     // first line <= to
    f.max_results = 10000;
    auto out = search(f);
    std::erase_if(out, [&](const Transaction& t) { return t.first_time < from || t.first_time > to; });
    std::sort(out.begin(), out.end(), [](const Transaction& a, const Transaction& b) {
        return a.first_time != b.first_time ? a.first_time < b.first_time : a.id < b.id;
    });
    return out;
}

std::vector<Transaction> Store::find_message_id(std::string_view message_id, std::size_t limit) {
    std::string_view id = strip_angle(message_id);
    if (id.empty()) return {};
    SearchFilter f;
    f.message_id = id;
    f.max_results = limit;
    auto out = search(f);
    std::sort(out.begin(), out.end(), [](const Transaction& a, const Transaction& b) {
        return a.first_time != b.first_time ? a.first_time < b.first_time : a.id < b.id;
    });
    return out;
}

std::vector<std::string> Store::hosts() {
    // a loose index scan over UNIQUE(host, queue_id, first_us): one lookup per host, not a table scan
    sql::Stmt st(impl_->db,
                 "WITH RECURSIVE h(x) AS (SELECT min(host) FROM txn UNION ALL "
                 "SELECT (SELECT min(host) FROM txn WHERE host > x) FROM h WHERE x IS NOT NULL) "
                 "SELECT x FROM h WHERE x IS NOT NULL");
    std::vector<std::string> out;
    while (st.step()) out.push_back(st.str(0));
    return out;
}

std::vector<std::pair<std::string, std::uint64_t>> Store::hosts_behind_relay(std::string_view name, std::string_view addr,
                                                                           std::size_t sample) {
    // the hosts that hold the queue IDs named in (up to `sample`) hand-offs to this relay, within a
    // day of each (hop_relay_name / hop_relay_addr, then one XQID lookup per hand-off)
    std::vector<std::pair<std::string, Micros>> hops;
    {
        // (two statements: the partial indexes serve "kind = 'relay' AND column = ?" only)
        sql::Stmt by_name(impl_->db, "SELECT next_qid, time_us FROM hop WHERE kind = 'relay' AND relay_name = ? LIMIT ?");
        by_name.bind(name).bind(static_cast<std::int64_t>(sample));
        while (by_name.step()) hops.emplace_back(by_name.str(0), by_name.i64(1));
        if (!addr.empty() && hops.size() < sample) {
            sql::Stmt by_addr(impl_->db, "SELECT next_qid, time_us FROM hop WHERE kind = 'relay' AND relay_addr = ? LIMIT ?");
            by_addr.bind(addr).bind(static_cast<std::int64_t>(sample - hops.size()));
            while (by_addr.step()) hops.emplace_back(by_addr.str(0), by_addr.i64(1));
        }
    }
    const Micros day = Micros{86400} * kMicrosPerSecond;
    std::map<std::string, std::uint64_t> count;
    for (const auto& [qid, t] : hops)
        for (const auto& x : find_queue_id(qid, {}, t - day, t + day)) ++count[x.host];
    std::vector<std::pair<std::string, std::uint64_t>> out(count.begin(), count.end());
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    return out;
}

bool newer_first(const Transaction& a, const Transaction& b) noexcept {
    if (a.first_time != b.first_time) return a.first_time > b.first_time;
    if (const int c = a.host.compare(b.host); c != 0) return c > 0;
    return a.queue_id > b.queue_id;
}

std::vector<std::pair<HopLink, Transaction>> LocalTraceSource::links_to(std::string_view queue_id, Micros from, Micros to) {
    std::vector<std::pair<HopLink, Transaction>> out;
    for (auto& h : s_.links_to(queue_id)) {
        if (h.link.time < from || h.link.time > to) continue;
        if (auto p = s_.get(h.txn_id)) out.emplace_back(std::move(h.link), std::move(*p));
    }
    return out;
}

std::vector<Transaction> LocalTraceSource::in_network(const SearchFilter& f, std::string_view net) {
    SearchFilter g = f;
    g.query = "client:" + std::string(net);
    return s_.search(g);
}

std::uint64_t Store::count() {
    sql::Stmt st(impl_->db, "SELECT count(*) FROM txn");
    return st.step() ? static_cast<std::uint64_t>(st.i64(0)) : 0;
}

namespace {

/// The Xapian query of a filter: the flag filters and the query string ANDed (empty `parts` =
/// MatchAll), then the time window. `explain` / `understood` as for Store::search. `window` is
/// set to the time window applied: -d / -D, narrowed by the query string's date: filters when
/// they are ANDed at its top (parse_query_string hoists them out).
Xapian::Query build_query(const SearchFilter& f, std::vector<std::string>* understood, bool& selects, TimeRange& window) {
    const Prefixes& P = prefixes();
    window = TimeRange{f.since, f.until};
    std::vector<Xapian::Query> parts;
    auto term = [&](std::string_view prefix, std::string_view value) {
        parts.emplace_back(make_term(prefix, value));
    };
    auto address = [&](std::string_view addr_prefix, std::string_view dom_prefix, std::string_view v) {
        if (v == "<>") term(addr_prefix, "<>");
        else if (v.starts_with('@')) term(dom_prefix, ascii_lower(v.substr(1)));
        else term(addr_prefix, ascii_lower(strip_angle(v)));
    };
    if (!f.from.empty()) address(P.from, P.from_domain, f.from);
    if (!f.to.empty()) address(P.to, P.to_domain, f.to);
    if (!f.message_id.empty()) term(P.message_id, strip_angle(f.message_id));
    if (!f.host.empty()) term(P.host, ascii_lower(f.host));
    if (!f.queue_id.empty()) term(P.queue_id, f.queue_id);
    if (!f.client.empty()) term(P.client, ascii_lower(f.client));
    if (!f.relay.empty()) {
        std::string_view r = f.relay;
        while (!r.empty() && r.back() == '.') r.remove_suffix(1);
        term(P.relay, ascii_lower(r));
    }
    if (f.status != Status::none) term(P.status, status_name(f.status));
    if (!f.text.empty()) {
        Xapian::QueryParser qp;
        qp.set_default_op(Xapian::Query::OP_AND);
        try {
            // plain words, all of which must occur (the index keeps no word positions)
            parts.push_back(qp.parse_query(f.text, 0));
        } catch (const Xapian::QueryParserError& e) {
            throw Error(ExitCode::usage, fmt::format("bad --text query '{}': {}", f.text, e.get_msg()),
                        "give plain words; all of them must occur");
        }
    }
    if (!f.query.empty()) {
        Zone zone(f.zone);
        const Micros now = f.now ? f.now
                                 : std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::system_clock::now().time_since_epoch()).count();
        std::optional<TimeRange> w;
        parts.push_back(parse_query_string(f.query, zone, now, understood, &w));
        if (w) intersect(window, *w);
    }
    selects = !parts.empty();
    return parts.empty() ? Xapian::Query::MatchAll : Xapian::Query(Xapian::Query::OP_AND, parts.begin(), parts.end());
}

/// `q` with the time window as value filters: a transaction's span (slots 0 and 1) overlaps it.
Xapian::Query with_window(Xapian::Query q, const TimeRange& window) {
    if (window.since)
        q = Xapian::Query(Xapian::Query::OP_FILTER, q,
                          Xapian::Query(Xapian::Query::OP_VALUE_GE, slot_last_time,
                                        Xapian::sortable_serialise(to_value(*window.since))));
    if (window.until)
        q = Xapian::Query(Xapian::Query::OP_FILTER, q,
                          Xapian::Query(Xapian::Query::OP_VALUE_LE, slot_first_time,
                                        Xapian::sortable_serialise(to_value(*window.until))));
    return q;
}

/// The value tests of a walk's step, checked per candidate: the span overlaps the window, and
/// (`began_from`) the transaction began at or after the step's first instant. A MatchDecider
/// never drives the match. A value range does when it is the smallest part of an AND by
/// Xapian 1.4's estimate (interpolated between the slot's bounds): it then reads the whole slot
/// to find its documents (3,300 block reads for a one-day window at the start of the 1 M index,
/// against 330 for the next day).
class TimeTest final : public Xapian::MatchDecider {
public:
    TimeTest(const TimeRange& window, std::optional<Micros> began_from) {
        auto v = [](std::optional<Micros> t) { return t ? Xapian::sortable_serialise(to_value(*t)) : std::string(); };
        since_ = v(window.since);
        until_ = v(window.until);
        from_ = v(began_from);
    }
    /// Whether it tests anything at all.
    bool any() const { return !since_.empty() || !until_.empty() || !from_.empty(); }
    bool operator()(const Xapian::Document& d) const override {
        // sortable_serialise keeps the order of the numbers in the bytes; a missing value
        // ("") fails every test, as it fails Xapian's value ranges
        if (!since_.empty() && d.get_value(slot_last_time) < since_) return false;
        if (!until_.empty() || !from_.empty()) {
            const std::string first = d.get_value(slot_first_time);
            if (first.empty()) return false;
            if (!until_.empty() && first > until_) return false;
            if (!from_.empty() && first < from_) return false;
        }
        return true;
    }

private:
    std::string since_, until_, from_;
};

} // namespace

namespace {
/// `q` with every term that indexes every document of `db` replaced by MatchAll (the same
/// matches). Works around a bug of Xapian 1.4: the matcher reads such a term through the
/// document-length list renamed to the term (LocalSubMatch::open_post_list, set_term), and once
/// that list spans several chunks and the document IDs have gaps (any index after a prune or a
/// merge) crossing a chunk fails with "Unexpected end of posting list for 'TERM'"; MatchAll reads
/// the list under its own name. A single-host index makes its host term such a term. Phrase and
/// near queries (no positions are indexed) and value ranges are left as they are; a wildcard
/// that expands to such a term becomes MatchAll.
Xapian::Query all_docs_safe(const Xapian::Query& q, const Xapian::Database& db) {
    const Xapian::doccount n = db.get_doccount();
    if (n == 0 || n == db.get_lastdocid()) return q; // no gaps: Xapian takes its contiguous path
    using Q = Xapian::Query;
    const auto op = q.get_type();
    if (op == Q::LEAF_TERM) {
        const auto t = q.get_terms_begin();
        if (t != q.get_terms_end() && !(*t).empty() && db.get_termfreq(*t) == n) return Q::MatchAll;
        return q;
    }
    if (op == Q::OP_WILDCARD) {
        // Xapian 1.4 gives a wildcard's pattern only in its description: "Query(WILDCARD OP PATTERN)"
        const std::string d = q.get_description();
        const auto sp = d.rfind(' ');
        if (sp == std::string::npos || d.size() < sp + 3 || d.back() != ')') return q;
        std::string prefix = d.substr(sp + 1, d.size() - sp - 2);
        if (!prefix.empty() && prefix.back() == '*') prefix.pop_back();
        for (auto a = db.allterms_begin(prefix); a != db.allterms_end(prefix); ++a)
            if (a.get_termfreq() == n) return Q::MatchAll;
        return q;
    }
    // a boolean filter term comes as 0 * TERM; weights mean nothing under BoolWeight
    if (op == Q::OP_SCALE_WEIGHT && q.get_num_subqueries() == 1) return all_docs_safe(q.get_subquery(0), db);
    switch (op) {
    case Q::OP_AND: case Q::OP_OR: case Q::OP_AND_NOT: case Q::OP_XOR: case Q::OP_AND_MAYBE:
    case Q::OP_FILTER: case Q::OP_SYNONYM: case Q::OP_MAX: {
        std::vector<Q> subs;
        subs.reserve(q.get_num_subqueries());
        for (std::size_t i = 0; i < q.get_num_subqueries(); ++i) subs.push_back(all_docs_safe(q.get_subquery(i), db));
        return Q(op, subs.begin(), subs.end());
    }
    default:
        return q;
    }
}
} // namespace

std::vector<Transaction> Store::search(const SearchFilter& f, std::string* explain, std::uint64_t* matching,
                                      std::vector<std::string>* understood) {
    Impl& m = *impl_;
    bool selects = false;
    TimeRange window;
    const Xapian::Query base0 = build_query(f, understood, selects, window); // without the window
    const Xapian::Query q0 = with_window(base0, window);
    if (explain) *explain = q0.get_description();

    std::vector<std::int64_t> ids;
    const auto r = static_cast<Xapian::doccount>(f.max_results);
    for (int tries = 0;; ++tries) {
        try {
            Xapian::Database& x = m.reader();
            const Xapian::Query q = all_docs_safe(q0, x), base = all_docs_safe(base0, x);
            // newest first by first-seen time (Xapian's value sort); one more than asked for, so a
            // cut through transactions of the same time is seen (then resolved below)
            const Xapian::doccount r1 = r == std::numeric_limits<Xapian::doccount>::max() ? r : r + 1;
            auto newest = [&](const Xapian::Query& query, Xapian::doccount at_least, const TimeTest* test = nullptr) {
                Xapian::Enquire enq(x);
                enq.set_query(query);
                enq.set_weighting_scheme(Xapian::BoolWeight());
                enq.set_docid_order(Xapian::Enquire::DESCENDING);
                enq.set_sort_by_value(slot_first_time, true);
                return enq.get_mset(0, r1, at_least, nullptr, test && test->any() ? test : nullptr);
            };
            const bool use_days = m.time_terms.days && !env_set("MXTRACE_NO_DAY_TERMS");
            const bool use_hours = use_days && m.time_terms.hours && !env_set("MXTRACE_NO_HOUR_TERMS");
            // the test hook: walk however few match, from a one-unit first step (every step a walk can take)
            const bool force_walk = env_set("MXTRACE_FORCE_DAY_TERMS");
            ids.clear();
            std::optional<Xapian::MSet> found;
            bool exact = true; // the last MSet saw every match
            // Few matches at most (a Message-ID, a queue ID, a rare sender): the plain sorted query
            // visits only them, and walking the days would cost more. Xapian bounds the count from
            // the posting lists' sizes without visiting any.
            std::optional<Xapian::MSet> bounds; // the match count bounds of the query without the window, once
            auto counts = [&]() -> const Xapian::MSet& {
                if (!bounds) {
                    Xapian::Enquire enq(x);
                    enq.set_query(base);
                    enq.set_weighting_scheme(Xapian::BoolWeight());
                    bounds = enq.get_mset(0, 0, Xapian::doccount{0});
                }
                return *bounds;
            };
            auto few = [&]() { return counts().get_matches_upper_bound() <= std::max<Xapian::doccount>(2000, 10 * r); };
            // The walk's unit: an hour where the documents have hour terms, else a day.
            const std::int64_t unit_s = use_hours ? 3600 : 86400;
            auto unit_of = [&](Micros t) { return use_hours ? detail::utc_hour(t) : detail::utc_day(t); };
            // A step's documents: with `whole` (the walk's last step, the whole window), every
            // document active in units [u0, u1]: the day terms of their days (and XDAYLONG). Else
            // a superset of those that began in [u0, u1] (the step's TimeTest keeps those): the
            // terms of the days the step covers whole, the hour terms of the hours of a day it
            // covers in part, and XDAYLONG.
            auto step_terms = [&](std::int64_t u0, std::int64_t u1, bool whole) {
                std::vector<Xapian::Query> terms{Xapian::Query(std::string(kLongSpanTerm))};
                if (!use_hours) {
                    for (std::int64_t d = u0; d <= u1; ++d) terms.emplace_back(day_term(d));
                } else {
                    for (std::int64_t d = floor_div(u0, 24); d <= floor_div(u1, 24); ++d) {
                        const std::int64_t h0 = std::max(u0, d * 24), h1 = std::min(u1, d * 24 + 23);
                        if (whole || (h0 == d * 24 && h1 == d * 24 + 23)) terms.emplace_back(day_term(d));
                        else
                            for (std::int64_t h = h0; h <= h1; ++h) terms.emplace_back(hour_term(h));
                    }
                }
                return Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end());
            };
            // A time window (the classic search: a sender, a host, a few days) walks the days even
            // when few transactions match in all: a sender's transactions lie across the whole
            // index, and the plain query reads every one's times (a block read each, about one
            // per transaction) to keep the window's few; the day terms skip to the window's
            // documents (docids follow the reading order, mostly time order).
            const std::optional<Micros> since = window.since, until = window.until;
            const bool windowed = since || until;
            std::optional<std::pair<std::int64_t, std::int64_t>> window_units; // the window's first and last unit walked
            if (use_days && r > 0 && x.get_doccount() > 0 &&
                (force_walk || windowed || !few())) {
                // Time terms: look at the newest hours (or days) first, more of them each step, until
                // they hold r transactions that began in them (then no older one can be among the
                // r newest) or the window's first unit is reached. Each step visits only its
                // units' documents, so the cost follows what is returned, not the index size.
                auto bound = [](const std::string& v) { return from_value(Xapian::sortable_unserialise(v)); };
                const Micros lo = bound(x.get_value_lower_bound(slot_first_time));
                const Micros hi = std::max(bound(x.get_value_upper_bound(slot_last_time)),
                                           bound(x.get_value_upper_bound(slot_first_time)));
                const std::int64_t first_u = unit_of(since ? std::max(*since, lo) : lo);
                const std::int64_t last_u = unit_of(until ? std::min(*until, hi) : hi);
                if (last_u < first_u) {
                    found = newest(q, r + 1); // an empty window: nothing to visit
                } else if ((last_u - first_u) * unit_s <= 3700 * 86400) {
                    // The first step: the whole window if few match at all; else as many units as
                    // would hold r matches were the upper bound of their count spread evenly over
                    // the index's time (at least 1): a step costs a lookup per term, so the walk
                    // should not start smaller than it must. (The bound, not Xapian's estimate:
                    // that assumes the terms independent, and the words of a phrase are not, so it
                    // can be far too low, and the first step far too long.)
                    const std::int64_t span = unit_of(hi) - unit_of(lo) + 1;
                    const double est = counts().get_matches_upper_bound();
                    std::int64_t len = last_u - first_u + 1;
                    if (force_walk)
                        len = 1;
                    else if (!few() && est > 0)
                        len = std::clamp<std::int64_t>(static_cast<std::int64_t>(static_cast<double>(r) * static_cast<double>(span) / est),
                                                       1, len);
                    for (;;) {
                        const std::int64_t from = std::max(first_u, last_u - len + 1);
                        const bool whole = from == first_u;
                        // the window and the step's bound as tests of each candidate, not as
                        // value ranges in the query (TimeTest)
                        const TimeTest test(window, whole ? std::nullopt : std::optional<Micros>(from * unit_s * kMicrosPerSecond));
                        const Xapian::Query qc(Xapian::Query::OP_FILTER, base, step_terms(from, last_u, whole));
                        // the last step (the whole window) also counts the matches exactly, up to r + 1000
                        found = newest(qc, whole && windowed ? r + 1000 : r + 1, &test);
                        if (windowed) window_units = {first_u, last_u};
                        if (whole || found->size() >= r) {
                            exact = whole;
                            break;
                        }
                        // the next step: long enough for r at the density this one found (half
                        // as much again, for the unevenness of mail), at least twice and at most
                        // 4 times as long (4 when it found none: the newest hours of an index
                        // may hold only the retries after the last arrivals)
                        const double k = static_cast<double>(found->size());
                        const double grow = k == 0 ? 4.0 : std::clamp(std::ceil(1.5 * r / k), 2.0, 4.0);
                        len = std::min<std::int64_t>(last_u - first_u + 1, len * static_cast<std::int64_t>(grow));
                    }
                }
            }
            if (!found) found = newest(q, r + 1);
            if (matching) {
                if (exact) {
                    *matching = found->get_matches_estimated();
                } else {
                    // stopped early: how many match in all, counted without sorting them (exact up to r + 1000,
                    // then an estimate; "more than shown" is always exact)
                    // (a window's: through all its days, the same matches, so that only the window's
                    // documents are visited)
                    Xapian::Query counted = q;
                    const TimeTest test(window, std::nullopt);
                    if (window_units)
                        counted = Xapian::Query(Xapian::Query::OP_FILTER, base, step_terms(window_units->first, window_units->second, true));
                    Xapian::Enquire enq(x);
                    enq.set_query(counted);
                    enq.set_weighting_scheme(Xapian::BoolWeight());
                    *matching = std::max<std::uint64_t>(
                        enq.get_mset(0, 1, r + 1000, nullptr, window_units && test.any() ? &test : nullptr).get_matches_estimated(),
                        found->size());
                }
            }
            // The order is (first-seen time, host, queue ID), all descending, as the ClickHouse engine's.
            // Xapian sorted by time only: when the cut at r falls inside transactions of one time
            // (the r-th and the (r+1)-th have the same), fetch every match of that time (the
            // query AND that time's day term AND value [T, T]: cheap) and let the sort below
            // choose among them.
            std::vector<std::pair<std::string, Xapian::docid>> got;
            for (auto it = found->begin(); it != found->end(); ++it) got.emplace_back(it.get_sort_key(), *it);
            if (r > 0 && got.size() > r && got[r].first == got[r - 1].first) {
                const std::string t = got[r - 1].first;
                Xapian::Query tq(Xapian::Query::OP_FILTER, q, Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot_first_time, t, t));
                if (use_days) {
                    const Xapian::Query days[] = {Xapian::Query(day_term(detail::utc_day(from_value(Xapian::sortable_unserialise(t))))),
                                                  Xapian::Query(std::string(kLongSpanTerm))};
                    tq = Xapian::Query(Xapian::Query::OP_FILTER, tq, Xapian::Query(Xapian::Query::OP_OR, std::begin(days), std::end(days)));
                }
                Xapian::Enquire enq(x);
                enq.set_query(tq);
                enq.set_weighting_scheme(Xapian::BoolWeight());
                const Xapian::MSet tied = enq.get_mset(0, x.get_doccount());
                for (const auto& [key, id] : got)
                    if (key > t) ids.push_back(static_cast<std::int64_t>(id));
                for (auto it = tied.begin(); it != tied.end(); ++it) ids.push_back(static_cast<std::int64_t>(*it));
            } else {
                for (const auto& [key, id] : got) ids.push_back(static_cast<std::int64_t>(id));
            }
            break;
        } catch (const Xapian::DatabaseModifiedError&) {
            if (tries >= 5) throw Error(ExitCode::internal, "the index kept changing during the search", "run it again");
            m.reader().reopen();
        } catch (const Xapian::DatabaseCorruptError& e) {
            throw Error(ExitCode::damaged, fmt::format("searching {}: {}", m.dir.string(), e.get_description()),
                        "the index is damaged: run mxtrace check, then mxtrace repair");
        } catch (const Xapian::Error& e) {
            throw Error(ExitCode::bad_index, fmt::format("searching {}: {}", m.dir.string(), e.get_description()),
                        "the index may be damaged: run mxtrace check, then mxtrace repair");
        }
    }
    std::vector<Transaction> out;
    out.reserve(ids.size());
    {
        // one SQLite read transaction for all the rows: each statement outside one takes and drops
        // the file's shared lock and checks the WAL (fcntl, fstat: a tenth of a 200-result search)
        std::optional<ReadSnapshot> snap;
        if (ids.size() > 1) snap.emplace(*this);
        for (auto id : ids)
            if (auto t = m.get(id)) out.push_back(std::move(*t));
    }
    std::sort(out.begin(), out.end(), newer_first);
    if (out.size() > f.max_results) out.resize(f.max_results);
    return out;
}

} // namespace mxtrace

namespace mxtrace {

void Store::scan(const SearchFilter& f, const std::function<void(const Transaction&)>& visit, std::string* explain,
                 std::vector<std::string>* understood) {
    Impl& m = *impl_;
    bool selects = false;
    TimeRange window; // -d / -D when nothing selects (no query string to narrow them)
    const Xapian::Query q0 = with_window(build_query(f, understood, selects, window), window);
    if (explain) *explain = q0.get_description();
    if (!selects) {
        // Everything, or a time window only: one pass over txn in rowid order, merged with one
        // pass over attempt in (txn_id, seq) order (its primary key), no lookup per transaction.
        std::string sql = fmt::format("SELECT {} FROM txn", detail::kTxnColumns);
        if (f.since && f.until) sql += " WHERE last_us >= ? AND first_us <= ?";
        else if (f.since) sql += " WHERE last_us >= ?";
        else if (f.until) sql += " WHERE first_us <= ?";
        sql += " ORDER BY id";
        sql::Stmt txns(m.db, sql.c_str());
        if (f.since) txns.bind(*f.since);
        if (f.until) txns.bind(*f.until);
        sql::Stmt atts(m.db, "SELECT txn_id, time_us, recipient, orig_recipient, relay, status, dsn, delay, text, queued_as, "
                             "code FROM attempt ORDER BY txn_id, seq");
        bool more = atts.step();
        Transaction t;
        while (txns.step()) {
            t = detail::txn_from_row(txns);
            while (more && atts.i64(0) < t.id) more = atts.step();
            while (more && atts.i64(0) == t.id) {
                t.attempts.push_back(detail::attempt_from_row(atts, 1));
                more = atts.step();
            }
            visit(t);
        }
        return;
    }
    std::vector<std::int64_t> ids;
    for (int tries = 0;; ++tries) {
        try {
            Xapian::Enquire enq(m.reader());
            enq.set_query(all_docs_safe(q0, m.reader()));
            enq.set_weighting_scheme(Xapian::BoolWeight());
            enq.set_docid_order(Xapian::Enquire::ASCENDING);
            Xapian::MSet ms = enq.get_mset(0, m.reader().get_doccount());
            ids.clear();
            ids.reserve(ms.size());
            for (auto it = ms.begin(); it != ms.end(); ++it) ids.push_back(static_cast<std::int64_t>(*it));
            break;
        } catch (const Xapian::DatabaseModifiedError&) {
            if (tries >= 5) throw Error(ExitCode::internal, "the index kept changing during the search", "run it again");
            m.reader().reopen();
        } catch (const Xapian::Error& e) {
            throw Error(ExitCode::bad_index, fmt::format("searching {}: {}", m.dir.string(), e.get_description()),
                        "the index may be damaged; rebuild it with mxtrace index");
        }
    }
    for (auto id : ids)
        if (auto t = m.get(id)) visit(*t);
}

} // namespace mxtrace

namespace mxtrace {

// ---- stats rollups: the store keeps opaque blobs and dirty marks (ARCHITECTURE.md "Stats rollups") ----

bool Store::has_rollups() { return impl_->rollups; }

int Store::rollup_format() {
    sql::Stmt st(impl_->db, "SELECT value FROM meta WHERE key = 'stats_rollup_format'");
    return st.step() ? std::atoi(st.str(0).c_str()) : 0;
}

void Store::require_rollup_format(int format, bool rebuild_all) {
    Impl& m = *impl_;
    if (m.mode != Mode::write) throw Error(ExitCode::internal, "require_rollup_format on a read-only store");
    if (!rebuild_all && rollup_format() == format) return;
    m.require_no_batch();
    m.begin();
    try {
        m.db.exec(kRollupAllDirtySql);
        sql::Stmt st(m.db, "INSERT OR REPLACE INTO meta(key, value) VALUES('stats_rollup_format', ?)");
        st.bind(std::to_string(format)).run();
        m.db.exec("COMMIT");
        m.in_txn = false;
    } catch (...) {
        sqlite3_exec(m.db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
        m.in_txn = false;
        throw;
    }
}

std::vector<RollupBucket> Store::rollup_buckets(std::string_view host) {
    Impl& m = *impl_;
    std::vector<RollupBucket> out;
    if (!m.rollups) return out;
    const std::string want = ascii_lower(host);
    auto keep = [&](const std::string& h) { return want.empty() || ascii_lower(h) == want; };
    {
        sql::Stmt st(m.db, "SELECT host, day, max_last_us FROM stats_rollup WHERE (host, day) NOT IN "
                           "(SELECT host, day FROM stats_dirty)");
        while (st.step()) {
            RollupBucket b{st.str(0), st.i64(1), false, st.i64(2)};
            if (keep(b.host)) out.push_back(std::move(b));
        }
    }
    {
        sql::Stmt st(m.db, "SELECT host, day FROM stats_dirty");
        while (st.step()) {
            RollupBucket b{st.str(0), st.i64(1), true, 0};
            if (keep(b.host)) out.push_back(std::move(b));
        }
    }
    std::sort(out.begin(), out.end(), [](const RollupBucket& a, const RollupBucket& b) {
        return std::tie(a.host, a.day) < std::tie(b.host, b.day);
    });
    return out;
}

std::string Store::rollup_blob(const std::string& host, std::int64_t day) {
    Impl& m = *impl_;
    if (!m.rollups) return {};
    sql::Stmt st(m.db, "SELECT data FROM stats_rollup WHERE host = ? AND day = ?");
    st.bind(host).bind(day);
    return st.step() ? std::string(st.blob(0)) : std::string();
}

void Store::scan_bucket(const std::string& host, std::int64_t day, std::optional<Micros> since, std::optional<Micros> until,
                        const std::function<void(const Transaction&)>& visit) {
    Impl& m = *impl_;
    const Micros lo = rollup_day_start(day), hi = rollup_day_start(day + 1) - 1;
    if (until && *until < lo) return;
    // the index txn_bucket(host, first_us) bounds the rows; the window is scan()'s rule
    sql::Stmt st(m.db, fmt::format("SELECT {} FROM txn WHERE host = ? AND first_us >= ? AND first_us <= ? "
                                   "AND last_us >= ? ORDER BY id", detail::kTxnColumns).c_str());
    st.bind(host).bind(lo).bind(until ? std::min(hi, *until) : hi).bind(since ? *since : std::numeric_limits<Micros>::min());
    while (st.step()) {
        Transaction t = detail::txn_from_row(st);
        m.st_attempts.reset().bind(t.id);
        while (m.st_attempts.step()) t.attempts.push_back(detail::attempt_from_row(m.st_attempts, 0));
        m.st_attempts.reset();
        visit(t);
    }
}

std::vector<RollupBucket> Store::dirty_rollups(std::size_t limit) {
    Impl& m = *impl_;
    if (m.mode != Mode::write) throw Error(ExitCode::internal, "dirty_rollups on a read-only store");
    m.require_no_batch();
    std::vector<RollupBucket> out;
    sql::Stmt st(m.db, "SELECT host, day FROM stats_dirty ORDER BY day, host LIMIT ?");
    st.bind(static_cast<std::int64_t>(limit));
    while (st.step()) out.push_back({st.str(0), st.i64(1), true, 0});
    return out;
}

void Store::put_rollup(const RollupBucket& b, std::string_view blob, Micros max_last) {
    Impl& m = *impl_;
    if (m.mode != Mode::write) throw Error(ExitCode::internal, "put_rollup on a read-only store");
    if (!m.in_txn) m.require_no_batch();
    m.begin();
    if (blob.empty()) {
        m.st_rollup_del.reset().bind(b.host).bind(b.day).run();
    } else {
        m.st_rollup_put.reset().bind(b.host).bind(b.day).bind(max_last);
        m.st_rollup_put.bind_blob(blob).run();
    }
    m.st_dirty_del.reset().bind(b.host).bind(b.day).run();
}

void Store::commit_rollups() {
    Impl& m = *impl_;
    if (!m.in_txn) return;
    detail::crash_point("rollup");
    m.db.exec("COMMIT");
    m.in_txn = false;
}

std::uint64_t Store::rollup_dict_id(std::string_view value, bool add) {
    Impl& m = *impl_;
    if (!m.rollups) return 0;
    m.st_dict_get.reset().bind_blob(value);
    std::uint64_t id = m.st_dict_get.step() ? static_cast<std::uint64_t>(m.st_dict_get.i64(0)) : 0;
    m.st_dict_get.reset();
    if (id || !add) return id;
    if (m.mode != Mode::write) throw Error(ExitCode::internal, "rollup_dict_id(add) on a read-only store");
    if (!m.in_txn) m.require_no_batch();
    m.begin();
    m.st_dict_put.reset().bind_blob(value).run();
    return static_cast<std::uint64_t>(sqlite3_last_insert_rowid(m.db.get()));
}

std::string Store::rollup_dict_value(std::uint64_t id) {
    Impl& m = *impl_;
    if (!m.rollups) return {};
    m.st_dict_val.reset().bind(static_cast<std::int64_t>(id));
    std::string v = m.st_dict_val.step() ? std::string(m.st_dict_val.blob(0)) : std::string();
    m.st_dict_val.reset();
    return v;
}

void Store::rollup_dict_in_order(const std::function<bool(std::uint64_t, std::string_view)>& visit) {
    Impl& m = *impl_;
    if (!m.rollups) return;
    sql::Stmt st(m.db, "SELECT id, value FROM stats_dict ORDER BY value"); // BLOBs compare as memcmp
    while (st.step())
        if (!visit(static_cast<std::uint64_t>(st.i64(0)), st.blob(1))) break;
}

bool Store::read_snapshot(bool begin) {
    Impl& m = *impl_;
    if (m.mode != Mode::read || begin == m.snapshot) return false;
    if (begin) {
        m.db.exec("BEGIN");
        // the snapshot starts at the first read
        sql::Stmt st(m.db, "SELECT count(*) FROM meta");
        st.step();
    } else {
        m.db.exec("COMMIT");
    }
    m.snapshot = begin;
    return true;
}

std::vector<std::string> Store::check_rollup_marks(std::size_t limit) {
    Impl& m = *impl_;
    std::vector<std::string> out;
    if (!m.rollups) return out;
    // each bucket's newest last-seen time, from the records
    sql::Stmt st(m.db,
                 "WITH b AS (SELECT host, " MX_DAY("first_us") " AS day, max(last_us) AS ml FROM txn GROUP BY 1, 2) "
                 "SELECT b.host, b.day, 'records, no blob, not dirty' FROM b WHERE NOT EXISTS "
                 "  (SELECT 1 FROM stats_rollup r WHERE r.host = b.host AND r.day = b.day) AND NOT EXISTS "
                 "  (SELECT 1 FROM stats_dirty d WHERE d.host = b.host AND d.day = b.day) "
                 "UNION ALL SELECT r.host, r.day, 'a blob, no records, not dirty' FROM stats_rollup r WHERE NOT EXISTS "
                 "  (SELECT 1 FROM b WHERE b.host = r.host AND b.day = r.day) AND NOT EXISTS "
                 "  (SELECT 1 FROM stats_dirty d WHERE d.host = r.host AND d.day = r.day) "
                 "UNION ALL SELECT r.host, r.day, 'newest last-seen time differs' FROM stats_rollup r JOIN b "
                 "  ON b.host = r.host AND b.day = r.day WHERE b.ml != r.max_last_us AND NOT EXISTS "
                 "  (SELECT 1 FROM stats_dirty d WHERE d.host = r.host AND d.day = r.day)");
    while (out.size() < limit && st.step())
        out.push_back(fmt::format("stats rollup of {} {}: {}", st.str(0),
                                  format_rfc3339(rollup_day_start(st.i64(1))).substr(0, 10), st.str(2)));
    return out;
}

namespace {

std::uint64_t tree_bytes(const fs::path& p) {
    std::uint64_t n = 0;
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return fs::file_size(p, ec);
    for (const auto& e : fs::recursive_directory_iterator(p, ec))
        if (e.is_regular_file(ec)) n += e.file_size(ec);
    return n;
}

/// fsync of a file or directory; @throws Error(internal) naming it.
void sync_path(const fs::path& p, bool dir) {
    const int fd = ::open(p.c_str(), (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
        const int e = errno;
        if (fd >= 0) ::close(fd);
        throw Error(ExitCode::internal, fmt::format("compact: cannot sync {}: {}", p.string(), std::strerror(e)),
                    "the old index is still in place; check the disk and run mxtrace compact again");
    }
    ::close(fd);
}

} // namespace

CompactResult Store::compact(bool vacuum) {
    Impl& m = *impl_;
    if (m.mode != Mode::write) throw Error(ExitCode::internal, "compact needs the index open for writing");
    sync();
    CompactResult r;
    const fs::path xp = m.dir / "xapian", tmp = m.dir / "xapian.compact", old = m.dir / "xapian.old";
    const fs::path sp = m.dir / "mxtrace.sqlite";
    auto sqlite_bytes = [&] { return tree_bytes(sp) + tree_bytes(m.dir / "mxtrace.sqlite-wal"); };
    r.xapian_before = tree_bytes(xp);
    r.sqlite_before = sqlite_bytes();
    std::error_code ec;
    fs::remove_all(tmp, ec);
    try {
        // document IDs are kept: SQLite's rows name their Xapian documents by them
        Xapian::Database src(xp.string());
        src.compact(tmp.string(), Xapian::DBCOMPACT_NO_RENUMBER | Xapian::DBCOMPACT_MULTIPASS);
    } catch (const Xapian::Error& e) {
        fs::remove_all(tmp, ec);
        throw Error(ExitCode::internal, fmt::format("compacting the Xapian index in {}: {}", m.dir.string(), e.get_description()),
                    "the old index is still in place; compaction needs free room for a second copy of it (df -h)");
    }
    for (const auto& e : fs::directory_iterator(tmp, ec))
        if (e.is_regular_file()) sync_path(e.path(), false);
    sync_path(tmp, true);
    detail::crash_point("compact-built");
    // swap: the writer's handle on the old tables goes first (its lock file is in there)
    m.wdb.reset();
    if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, xp.c_str(), RENAME_EXCHANGE) != 0) {
        if (errno != EINVAL && errno != ENOSYS) {
            const int e = errno;
            m.wdb = std::make_unique<Xapian::WritableDatabase>(xp.string(), Xapian::DB_OPEN);
            fs::remove_all(tmp, ec);
            throw Error(ExitCode::internal, fmt::format("compact: cannot swap {} in: {}", tmp.string(), std::strerror(e)),
                        "the old index is still in place; run mxtrace compact again");
        }
        // no RENAME_EXCHANGE here: two renames; a writer opening the index finishes a killed swap
        fs::rename(xp, old);
        sync_path(m.dir, true);
        detail::crash_point("compact-moved");
        fs::rename(tmp, xp);
    } else {
        fs::rename(tmp, old); // the old tables, under the name the next writer removes
    }
    sync_path(m.dir, true);
    detail::crash_point("compact-swapped");
    fs::remove_all(old, ec);
    m.wdb = std::make_unique<Xapian::WritableDatabase>(xp.string(), Xapian::DB_OPEN);
    r.xapian_after = tree_bytes(xp);

    {
        sql::Stmt pc(m.db, "PRAGMA page_count");
        if (pc.step()) r.pages = pc.i64(0);
        sql::Stmt fc(m.db, "PRAGMA freelist_count");
        if (fc.step()) r.free_pages = fc.i64(0);
    }
    // VACUUM refuses to run beside a statement that is not reset
    for (sqlite3_stmt* st = sqlite3_next_stmt(m.db.get(), nullptr); st; st = sqlite3_next_stmt(m.db.get(), st)) sqlite3_reset(st);
    if (vacuum || r.free_pages * 20 > r.pages) {
        m.db.exec("VACUUM");
        r.vacuumed = true;
    }
    m.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    r.sqlite_after = sqlite_bytes();
    return r;
}

} // namespace mxtrace
