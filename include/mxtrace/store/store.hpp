// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file store.hpp
/// The index: SQLite holds the transaction records (the source of truth), Xapian the search
/// terms and the time values. A transaction's SQLite rowid is its Xapian document ID.
/// Commit order and recovery rule: see ARCHITECTURE.md, "Storage".
#include "mxtrace/read/clock.hpp"
#include "mxtrace/mta/events.hpp"
#include "mxtrace/base/timeutil.hpp"
#include "mxtrace/reduce/links.hpp"
#include "mxtrace/reduce/transaction.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <string>
#include <vector>

namespace mxtrace {

/// Schema version of both stores; stored in each and checked on every open.
constexpr int kSchemaVersion = 4;

/// The index directory: `$MXTRACE_DB`, else `$XDG_DATA_HOME/mxtrace`, else `~/.local/share/mxtrace`.
std::filesystem::path default_index_dir();

/// What `mxtrace search` (and `trace`) looks for. Empty strings and unset optionals mean "any";
/// all set filters, the query string included, must match (AND).
struct SearchFilter {
    std::string from;        ///< envelope sender; "@domain" for a whole domain; "<>" for the null sender
    std::string to;          ///< recipient or original recipient; "@domain" for a whole domain
    std::string message_id;  ///< with or without angle brackets
    std::string host;
    std::string queue_id;
    std::string client;      ///< client host name or IP
    std::string relay;       ///< relay host name, IP, or transport name
    std::string text;        ///< free-text words of status texts (all must occur)
    Status status = Status::none;
    std::optional<Micros> since;  ///< transaction's last line at or after this
    std::optional<Micros> until;  ///< transaction's first line at or before this
    std::string query;       ///< a query in the language of mxtrace-query(7) ("from:bob@foo.com to:*@bar.com")
    std::string zone;        ///< IANA zone in which the query's dates without an offset are read; "" = this machine's
    Micros now = 0;          ///< "now" for the query's relative dates (UTC µs); 0 = the system clock
    std::size_t max_results = 200;
};

/// The order of search results in both engines (local and ClickHouse): first-seen time, then
/// host, then queue ID, each descending (newest first; host and queue ID compared byte by byte).
/// (host, queue ID, first-seen time) is a transaction's identity, so the order is total.
bool newer_first(const Transaction& a, const Transaction& b) noexcept;

/// A stored hop link and the transaction it leaves from.
struct StoredHop {
    std::int64_t txn_id = 0;
    HopLink link;
};

/// Counts of one commit or of a whole run.
struct WriteStats {
    std::uint64_t added = 0;
    std::uint64_t updated = 0;
    std::uint64_t merged = 0;   ///< headless pieces joined to the transaction they continue
    std::uint64_t raw_appended = 0;  ///< stored transactions whose new raw lines were appended as a segment
    std::uint64_t raw_rewritten = 0; ///< stored transactions whose raw lines were decoded, merged and rewritten
};

/// How far one input has been read. An input is recognised by its content, not its name: the
/// hash of its first fp_len bytes (after decompression; fp_len = min(4096, its size)).
struct Checkpoint {
    std::int64_t id = 0;           ///< row ID; 0 = new
    std::string fp_hash;           ///< 16 hex digits, FNV-1a 64 of the first fp_len bytes
    std::int64_t fp_len = 0;
    std::string path;              ///< the name it was last read under
    std::uint64_t offset = 0;      ///< bytes of (decompressed) content consumed, through the last complete line
    std::uint64_t lines = 0;       ///< lines consumed (so line numbers stay those of the whole file)
    std::uint64_t raw_size = 0;    ///< size of a compressed file read to its end (0 otherwise): an
                                   ///< identical size and head later means nothing new to decompress
    Micros last_read = 0;          ///< wall-clock time of the last read (UTC)
    ClockState clock;              ///< how its classic timestamps were dated (year source, year, ...)
    std::string zone;              ///< the zone its classic timestamps were read in
    std::string sha256;            ///< SHA-256 (hex) of content bytes 0..offset; empty if unknown
    std::string sha256_state;      ///< the hash state after byte `offset` (LineReader::content_hash_state())
    std::uint64_t too_old = 0;     ///< lines of 0..offset not indexed because older than the retention window
    Micros too_old_cutoff = 0;     ///< the cutoff (UTC µs) they were skipped at: lines of 0..offset at or
                                   ///< after it were indexed. A later run whose cutoff is earlier (the
                                   ///< retention was raised or set to 0) reads the input again for them.
};

/// The content fingerprint of an input as printed: "HASH/LEN" (FNV-1a 64 in hex of its first
/// LEN bytes of decompressed content).
std::string fingerprint_text(const Checkpoint& c);

/// One original log line of a transaction, with the input it was read from.
struct SourceLine {
    std::int64_t input = 0;        ///< row ID of the input
    std::string path;              ///< the name the input was last read under ("-" for standard input)
    std::string fingerprint;       ///< the input's content fingerprint (fingerprint_text)
    std::uint64_t line = 0;        ///< 1-based line number in the input's (decompressed) content
    Micros time = 0;               ///< the line's time (UTC)
    std::string text;              ///< the line's bytes, without the "\n"
};

/// What prune removed (or would remove).
struct PruneResult {
    Micros anchor = 0;             ///< min(now, newest last-seen time in the index)
    Micros cutoff = 0;             ///< anchor - retention; transactions last active before it go
    std::uint64_t transactions = 0;
    std::uint64_t attempts = 0;
    std::vector<std::pair<std::string, std::uint64_t>> per_day; ///< "YYYY-MM-DD" (UTC, last activity) -> count
};

/// What compact() did. Sizes in bytes: the Xapian directory, and SQLite's file with its WAL.
struct CompactResult {
    std::uint64_t xapian_before = 0, xapian_after = 0;
    std::uint64_t sqlite_before = 0, sqlite_after = 0;
    std::int64_t free_pages = 0;   ///< SQLite pages on the free list before (what VACUUM reclaims)
    std::int64_t pages = 0;        ///< SQLite pages in all before
    bool vacuumed = false;         ///< SQLite was rewritten by VACUUM
};

/// A summary of the index for `mxtrace info`.
struct IndexInfo {
    std::filesystem::path dir;
    int schema_version = 0;
    std::uint64_t transactions = 0;
    std::uint64_t reject_records = 0; ///< of the transactions, pre-queue reject records (queue ID NOQUEUE-...)
    std::uint64_t attempts = 0;
    std::optional<Micros> first_time, last_time;
    std::uint64_t sqlite_bytes = 0, xapian_bytes = 0;
    bool day_terms = false, hour_terms = false; ///< the documents' time terms (fields.hpp)
    std::vector<Checkpoint> inputs;
};

/// Occurrence counts of one line identity (see ARCHITECTURE.md "Line identity").
struct SeenCounts {
    std::uint32_t mine = 0;   ///< times the input asked about holds the line (up to its checkpoint + this run)
    std::uint32_t others = 0; ///< the largest count of any other input
};

/// A place in the index's change log (table txn_change): every write of a transaction gives it
/// the next sequence number; an export remembers the (seq, ID) of the last transaction it sent.
struct ChangeMark {
    std::int64_t seq = -1;
    std::int64_t id = 0;
};

/// A transaction new or changed since an export mark, with its place in the change log.
struct Changed {
    ChangeMark at;
    Transaction txn; ///< with its attempts (not its raw lines)
};

/// A stats rollup bucket: the transactions of one host whose first line falls on one UTC day.
/// The store keeps one opaque blob per bucket (made by the stats code) and a set of dirty
/// buckets: SQLite triggers on `txn` mark a transaction's old and new bucket dirty in the same
/// SQLite transaction as any insert, update or delete of it (ARCHITECTURE.md "Stats rollups").
struct RollupBucket {
    std::string host;       ///< as logged
    std::int64_t day = 0;   ///< UTC day number: floor(first-seen time / 86400 s)
    bool dirty = false;     ///< changed since its blob was written, or never written
    Micros max_last = 0;    ///< of a clean bucket: the newest last-seen time (UTC µs) of its transactions
};

/// The first instant (UTC µs) of UTC day number `day`.
constexpr Micros rollup_day_start(std::int64_t day) { return day * 86400 * kMicrosPerSecond; }

/// Opens the index for reading or for writing. Only the writer mode takes the write lock.
class Store {
public:
    enum class Mode { read, write };

    /// Opens (and in write mode creates: directory 0700, files 0600) the index in `dir`.
    /// Write mode first replays Xapian updates that a killed run left pending. With `wait`, a
    /// writer waits for another writer's lock instead of failing.
    /// @throws Error(locked) if another writer holds the index, Error(bad_index) if it is
    ///         missing (read mode), of another schema version, or unreadable.
    Store(std::filesystem::path dir, Mode mode, bool wait = false);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    /// Queues a transaction for writing (write mode). Written at the next commit(), which
    /// happens by itself every few thousand transactions.
    void put(std::unique_ptr<Transaction> t);

    /// Takes back, from the pending batch or the database, the transaction of (host, queue ID)
    /// that a line logged at `at` belongs to: one whose span holds `at`; else, unless `starts`,
    /// the newest not-complete one (or Sendmail one: its queue IDs are never reused) whose last
    /// line is within 30 days before `at`. nullptr if none.
    std::unique_ptr<Transaction> take_open(std::string_view host, std::string_view queue_id, Micros at,
                                           bool starts = false);

    /// Writes the pending batch and the given checkpoints: SQLite first (rows, checkpoints and a
    /// pending-Xapian list, one transaction), then Xapian (one commit), then clears the pending
    /// list. A not-complete transaction absorbs a headless piece of the same host and queue ID
    /// that continues it (written by an earlier run that read the later file first).
    /// Checkpoints get their row IDs filled in. With set_background_xapian(true) the Xapian part
    /// runs on a second thread and commit() returns once SQLite has committed; the next commit()
    /// waits for it first (and only then clears its IDs from the pending list).
    /// @throws Error(internal) for a failed SQLite or Xapian write, also the failed Xapian update
    ///         of the previous batch (background): the records are in SQLite either way.
    void commit(std::span<Checkpoint> checkpoints = {});

    /// Write mode: on, commit() leaves each batch's Xapian update (documents and Xapian's commit,
    /// about half of an ingest's time) to a second thread while the caller reads on: at most one
    /// batch in flight, so at most two batches in memory. A search sees a batch once its Xapian
    /// commit is done. Off (the default) waits for the update in flight first.
    void set_background_xapian(bool on);

    /// Write mode: commit(), then waits for the Xapian update in flight and clears its IDs from
    /// the pending list. After it, SQLite and Xapian hold the same. @throws as commit().
    void sync();

    /// Gives a new input (id 0) its row ID now, in the batch's SQLite transaction (write mode),
    /// so lines read from it can name it; the row is rolled back with the batch if the run dies.
    /// An input with an ID is left alone.
    void add_input(Checkpoint& cp);

    /// Line identity (write mode): the occurrence counts of the mail line with UTC second `sec`
    /// and content hash `hash` (host, second, program, pid, text) in `input` and, at most, in any
    /// other input; committed rows and those of the batch. Opens the batch's transaction.
    SeenCounts seen(std::int64_t sec, std::uint64_t hash, std::int64_t input);

    /// Records that `input` holds the line (sec, hash) `n` times; written at the next commit(),
    /// in the same SQLite transaction as the records it produced.
    void put_seen(std::int64_t sec, std::uint64_t hash, std::int64_t input, std::uint32_t n);

    /// Forgets the line counts of `input` (it is read again from its start), in the batch.
    void forget_seen(std::int64_t input);

    /// The original lines of a transaction, in log time order (then input and line number),
    /// each with its input's last path and fingerprint. Empty if it has none.
    /// @throws Error(bad_index) if the stored lines cannot be decoded.
    std::vector<SourceLine> raw_lines(std::int64_t txn_id);

    /// Number of transactions queued by put() and not yet committed.
    std::size_t pending() const noexcept;

    /// All known inputs, most recently read first.
    std::vector<Checkpoint> checkpoints();

    /// Newest last-seen time in the index, if any.
    std::optional<Micros> newest_time();

    /// Removes (unless `dry_run`) every transaction last active before
    /// min(now, newest_time()) - retention_days. Cost is proportional to what is removed.
    PruneResult prune(int retention_days, Micros now, bool dry_run);

    /// Rewrites the index into its smallest form (write mode): the Xapian index is compacted
    /// (Xapian::Database::compact, document IDs kept, as SQLite's rows name them) into
    /// DIR/xapian.compact, synced, and swapped in with one atomic rename (renameat2
    /// RENAME_EXCHANGE); then SQLite is rewritten by VACUUM when `vacuum` or when more than 5% of
    /// its pages are free (after a prune), and its WAL truncated. The batch is committed first.
    /// Killed at any moment, the index is either the old one or the new one; a leftover
    /// xapian.compact or xapian.old is removed by the next writer. Searches running beside it
    /// keep their open files, or reopen and retry.
    /// @throws Error(internal) when a step fails (the old index is left in place), with the
    ///         reason (such as the disk being full: compaction needs room for a second copy).
    CompactResult compact(bool vacuum);

    /// SQLite's `PRAGMA quick_check` of the record file (mxtrace.sqlite): at most `limit` lines
    /// naming what is wrong, empty if it answered "ok". Changes nothing; reads every page of the
    /// file once, so its cost grows with the file (BENCHMARKS.md "Integrity check during prune");
    /// the file is first read in file order, so a cold cache costs a sequential read, not a
    /// random one per page (BENCHMARKS.md "Prune at 1 M").
    /// A file too damaged for the pragma to run gives one line: SQLite's error.
    /// @throws Error(internal) for an I/O error.
    std::vector<std::string> quick_check(std::size_t limit = 10);

    /// The index's retention in days (0 = keep everything), from meta key `retention_days`;
    /// nullopt for an index created before it was stored. @throws Error(bad_index) if unreadable.
    std::optional<int> retention();

    /// Stores the index's retention (write mode); written with the next commit().
    void set_retention(int days);

    /// The bytes of a run's state kept for the next run under meta key `key` (such as
    /// "exim_pieces", the Exim syslog pieces of an unfinished entry), or "" if there are none.
    std::string state(std::string_view key);

    /// Keeps `value` (any bytes) under meta key `key`, or removes the key if `value` is empty
    /// (write mode); written with the next commit(), so it moves with the checkpoints.
    void set_state(std::string_view key, std::string_view value);

    /// The export mark kept under `target` (meta key "export TARGET"): the last transaction an
    /// export to that target saw acknowledged. nullopt if there is none (everything is to send).
    /// Write mode: the first call on an index creates its change log (table txn_change, every
    /// transaction in it, every mark removed); until then writes are not logged.
    std::optional<ChangeMark> export_mark(std::string_view target);

    /// Stores (or with nullopt removes) the export mark of `target` and commits at once (write
    /// mode). Call it only after the target acknowledged every transaction up to the mark.
    void set_export_mark(std::string_view target, const std::optional<ChangeMark>& mark);

    /// At most `limit` transactions written after `after` (all with nullopt), in change-log order
    /// ((seq, ID) ascending), each with its mark (write mode: the writer's lock keeps the log
    /// still while an export reads it). A transaction merged away or pruned is not listed.
    std::vector<Changed> export_changes(const std::optional<ChangeMark>& after, std::size_t limit);

    /// How many change-log entries come after `after` (an upper bound of what export_changes lists).
    std::uint64_t export_pending(const std::optional<ChangeMark>& after);

    /// Counts, times, sizes and inputs.
    IndexInfo info();

    /// Totals written since open.
    const WriteStats& stats() const noexcept;

    /// Runs a search: the Xapian query selects and orders (newest first-seen time first), the
    /// records are read from SQLite by ID; ties of one time are ordered by newer_first() (the
    /// cut at max_results is exact: every match of the boundary time is weighed). At most
    /// filter.max_results transactions.
    /// @throws Error(usage) for a bad filter value or a malformed query (its detail points at
    /// the place in the query).
    /// `explain`, if given, receives Xapian's description of the query it ran. `matching`, if
    /// given, receives the number of matching transactions (exact up to max_results + 1,
    /// Xapian's estimate beyond). `understood`, if given, receives one line per part of
    /// filter.query saying how it was read (for --explain).
    std::vector<Transaction> search(const SearchFilter& filter, std::string* explain = nullptr,
                                    std::uint64_t* matching = nullptr, std::vector<std::string>* understood = nullptr);

    /// Visits every transaction that matches the filter (filter.max_results is ignored), in
    /// store ID order, each with its attempts (not its raw lines). A filter that selects nothing
    /// but a time window is one pass over the records; any other goes through Xapian and reads
    /// the matches by ID. `explain` and `understood` as for search().
    /// @throws Error(usage) for a malformed query, Error(bad_index) if the index cannot be read.
    void scan(const SearchFilter& filter, const std::function<void(const Transaction&)>& visit,
              std::string* explain = nullptr, std::vector<std::string>* understood = nullptr);

    /// The transaction with that ID, or nullopt.
    std::optional<Transaction> get(std::int64_t id);

    /// The hop links of a transaction (written with it; see links.hpp), in order.
    std::vector<HopLink> links_of(std::int64_t txn_id);

    /// Every stored link that names `queue_id` as the next hop (any host), oldest first.
    std::vector<StoredHop> links_to(std::string_view queue_id);

    /// Transactions with this queue ID (on `host`, or any host if empty) whose first line is
    /// within [from, to] (UTC µs), oldest first (at most 10,000). Looked up by the Xapian XQID term.
    std::vector<Transaction> find_queue_id(std::string_view queue_id, std::string_view host, Micros from, Micros to);

    /// Transactions with this Message-ID (angle brackets optional), oldest first, at most `limit`
    /// (the newest `limit` if more). Looked up by the Xapian XMSGID term.
    std::vector<Transaction> find_message_id(std::string_view message_id, std::size_t limit);

    /// Every host name in the index, sorted.
    std::vector<std::string> hosts();

    /// Learned aliases: for up to `sample` relay hand-offs to relay `name` (or address `addr`),
    /// the hosts that logged the named queue ID within a day of the hand-off, with counts, most
    /// first. Empty if no hand-off to that relay was ever matched.
    std::vector<std::pair<std::string, std::uint64_t>> hosts_behind_relay(std::string_view name, std::string_view addr,
                                                                           std::size_t sample = 20);

    /// Number of transactions in the index.
    std::uint64_t count();

    // ---- stats rollups (ARCHITECTURE.md "Stats rollups"); the store never looks inside a blob ----

    /// True if the index has the rollup tables (an index last written by an older mxtrace has
    /// not; its next writer adds them, every bucket dirty).
    bool has_rollups();

    /// The blob format the rollups were written in (meta key `stats_rollup_format`), 0 if none.
    int rollup_format();

    /// Write mode: if the rollups are not of blob format `format`, marks every bucket dirty and
    /// records `format`, in one SQLite transaction (the next refresh rebuilds them all). Also
    /// what repair and a changed blob format use. Commits any pending batch first.
    void require_rollup_format(int format, bool rebuild_all = false);

    /// Every bucket that holds transactions, sorted by (host, day): clean ones with their
    /// max_last, and dirty ones. Only hosts equal to `host` ignoring ASCII case if it is not
    /// empty (as the search filter's host matches). Empty without rollup tables.
    std::vector<RollupBucket> rollup_buckets(std::string_view host = {});

    /// The blob of a clean bucket ("" if it has none).
    std::string rollup_blob(const std::string& host, std::int64_t day);

    /// Visits the transactions of bucket (host, day) that were active in [since, until] (the
    /// time rule of scan(): last-seen time at or after `since`, first-seen time at or before
    /// `until`; an unset bound is open), in ID order, each with its attempts.
    void scan_bucket(const std::string& host, std::int64_t day, std::optional<Micros> since, std::optional<Micros> until,
                     const std::function<void(const Transaction&)>& visit);

    /// Write mode: up to `limit` dirty buckets, oldest day first. Commits any pending batch first.
    std::vector<RollupBucket> dirty_rollups(std::size_t limit);

    /// Write mode: stores the blob of a bucket (or, with an empty blob, removes it: the bucket
    /// holds no transactions) and clears its dirty mark, in the SQLite transaction that
    /// commit_rollups() commits. `max_last`: the newest last-seen time of its transactions.
    void put_rollup(const RollupBucket& bucket, std::string_view blob, Micros max_last);

    /// Write mode: commits the blobs given to put_rollup() (with their cleared dirty marks).
    void commit_rollups();

    /// The rollups' dictionary (table stats_dict): the ID (1, 2, ...) of `value`, adding it in
    /// write mode with `add` (in the SQLite transaction commit_rollups() commits, with the blobs
    /// that use it); 0 if it has none. IDs are never reused or removed (repair starts anew).
    std::uint64_t rollup_dict_id(std::string_view value, bool add = false);

    /// The value of dictionary ID `id` ("" if there is none).
    std::string rollup_dict_value(std::uint64_t id);

    /// Visits dictionary entries in ascending byte order of their values (the UNIQUE index) until
    /// `visit` returns false.
    void rollup_dict_in_order(const std::function<bool(std::uint64_t, std::string_view)>& visit);

    /// Starts (true) or ends (false) a read snapshot: every read in between sees the index as
    /// it was at the first one (SQLite WAL), so rollups, dirty marks and scanned records agree.
    /// Returns whether it did anything: false in write mode, or when the snapshot already is in
    /// that state. @throws Error if SQLite fails.
    bool read_snapshot(bool begin);

    /// A read snapshot for the guard's lifetime (read_snapshot), unless one is open already
    /// (then its opener ends it). The end never throws.
    class ReadSnapshot {
    public:
        explicit ReadSnapshot(Store& s) : s_(s), began_(s.read_snapshot(true)) {}
        ~ReadSnapshot() {
            if (!began_) return;
            try {
                s_.read_snapshot(false);
            } catch (...) {
            }
        }
        ReadSnapshot(const ReadSnapshot&) = delete;
        ReadSnapshot& operator=(const ReadSnapshot&) = delete;

    private:
        Store& s_;
        bool began_;
    };

    /// The bookkeeping of the rollups, checked: a bucket holding transactions that is neither
    /// dirty nor has a blob, or a clean blob whose bucket holds none or whose max_last is not
    /// its transactions' newest last-seen time. At most `limit` lines; empty if sound.
    std::vector<std::string> check_rollup_marks(std::size_t limit = 10);

    const std::filesystem::path& dir() const noexcept;

    /// Names this process as the index's follower (`mxtrace index --follow`, write mode) in
    /// DIR/mxtrace.follow ("PID COMMAND", 0600), so that another writer's lock error names it;
    /// the destructor removes the file. @throws Error(internal) if it cannot be written.
    void mark_follower(const std::string& command);

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

} // namespace mxtrace
