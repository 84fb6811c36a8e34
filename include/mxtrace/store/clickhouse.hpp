// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file clickhouse.hpp
/// A ClickHouse cluster as a second store for transactions (issue 14): `mxtrace export
/// clickhouse` copies the local index's transactions there, `search --engine clickhouse` and
/// `prune --engine clickhouse` work on it. Talks to ClickHouse's HTTP interface (libcurl, no
/// ClickHouse library); every value that reaches SQL goes through quote(). The schema (tables,
/// keys, versions) is described in ARCHITECTURE.md, "ClickHouse".
#include "mxtrace/base/timeutil.hpp"
#include "mxtrace/reduce/links.hpp"
#include "mxtrace/reduce/transaction.hpp"
#include "mxtrace/store/store.hpp"
#include "mxtrace/store/trace_source.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <tuple>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mxtrace::clickhouse {

/// Version of the ClickHouse schema this mxtrace writes and reads (table mxtrace_meta, key
/// schema_version). Another version in the database is refused (Error(remote)).
constexpr int kSchemaVersion = 2;

/// `s` as a ClickHouse string literal, quotes included: backslash and single quote escaped with a
/// backslash, NUL as \0, the other control bytes (0x01-0x1F, 0x7F) as \xHH; every other byte as
/// it is. The one function through which a user's value reaches SQL.
std::string quote(std::string_view s);

/// `s` as a ClickHouse identifier in backquotes (a backquote or backslash in it escaped): for
/// the database name.
std::string quote_identifier(std::string_view s);

/// `s` as a JSON string, quotes included: `"` and `\` escaped, control bytes as \u00XX, every
/// other byte as it is (ClickHouse's JSONEachRow reads the bytes back unchanged).
std::string json_string(std::string_view s);

/// Where and as whom to connect.
struct Options {
    std::string url = "http://127.0.0.1:8123"; ///< the HTTP interface, without a path
    std::string database = "mxtrace";
    std::string user;                          ///< "" = ClickHouse's default user
    std::string password;                      ///< sent as X-ClickHouse-Key, never on a command line
    long connect_timeout_s = 10;
    long timeout_s = 60;                       ///< whole request
};

/// One HTTP connection to ClickHouse (libcurl, kept alive between requests).
class Client {
public:
    /// @throws Error(internal) if libcurl cannot be set up.
    explicit Client(Options o);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    /// POSTs `sql` (a whole statement) and returns the response body.
    /// @throws Error(remote) naming the URL and what failed: connection refused, timeout, login
    /// refused (HTTP 401/403, ClickHouse codes 192/193/516), or the server's error text.
    std::string query(std::string_view sql);

    /// POSTs `body` as the data of `insert` ("INSERT INTO t FORMAT JSONEachRow").
    /// @throws Error(remote) as query().
    void insert(std::string_view insert, std::string_view body);

    const Options& options() const noexcept { return o_; }

private:
    std::string post(std::string_view url_query, std::string_view body, std::string_view what);
    Options o_;
    void* curl_ = nullptr;
};

/// A transaction as exported: the record and the row's ReplacingMergeTree version (the export's
/// wall-clock time in µs: the latest export of a transaction wins).
struct ExportRow {
    const Transaction* txn = nullptr;
    std::uint64_t version = 0;
    std::vector<HopLink> links; ///< its stored hop links (Store::links_of), in order
};

/// What prune_partitions removed (or would).
struct ClusterPrune {
    Micros anchor = 0;  ///< min(now, newest last-seen time in the cluster)
    Micros cutoff = 0;  ///< anchor - retention: day partitions wholly before it go
    std::uint64_t transactions = 0;
    std::vector<std::pair<std::string, std::uint64_t>> per_day; ///< "YYYY-MM-DD" (UTC) -> transactions
};

/// The mxtrace database on a ClickHouse server: schema, export, search, prune.
class Cluster {
public:
    /// Connects lazily (the first request connects). @throws Error(internal) as Client.
    explicit Cluster(Options o);

    /// Creates the database and tables if absent and checks the schema version.
    /// Returns true if the transactions table was created now (an empty cluster).
    /// @throws Error(remote) for a server error or a schema of another version.
    bool ensure_schema();

    /// Checks that the schema exists and is of kSchemaVersion (for search and prune).
    /// @throws Error(remote) if it does not exist (hint: mxtrace export clickhouse) or differs.
    void check_schema();

    /// Writes `rows` (one INSERT ... FORMAT JSONEachRow). Before that, deletes (ALTER TABLE
    /// DELETE, waited for) the stored rows of the same host and queue ID whose local ID is in
    /// `rows` under another identity or day, or whose local ID `gone` says no longer exists
    /// locally (merged into another transaction). Returns when the server acknowledged the insert.
    /// @throws Error(remote) if any request fails; then the server may hold part of the work,
    /// which a second export of the same rows makes whole (rows replace by identity).
    void write(std::span<const ExportRow> rows, const std::function<bool(std::int64_t local_id)>& gone);

    /// Transactions matching `f` (as Store::search; free text and the query language are refused
    /// with Error(usage)), in the local engine's order (newer_first(): first-seen time, host,
    /// queue ID, descending), at most f.max_results. `matching` gets the number of matches (exact).
    /// @throws Error(usage) for a filter it cannot translate, Error(remote) for server errors.
    std::vector<Transaction> search(const SearchFilter& f, std::uint64_t* matching = nullptr);

    /// `SELECT count() FROM transactions FINAL`. @throws Error(remote).
    std::uint64_t count();

    /// Drops (unless dry_run) every day partition (UTC day of the last activity) that ends at or
    /// before min(now, newest last-seen time) - retention_days. @throws Error(remote).
    ClusterPrune prune(int retention_days, Micros now, bool dry_run);

    /// The target name the local index keeps its export mark under ("clickhouse URL DATABASE").
    std::string target() const;

    Client& client() noexcept { return c_; }

    /// The transactions matching the SQL condition `where` (over the transactions table's
    /// columns), in SQL `order`, at most `limit`: the keys first, then their rows by key. `links`,
    /// if given, receives each one's hop links (the l_* columns). @throws Error(remote).
    std::vector<Transaction> select(std::string_view where, std::string_view order, std::size_t limit,
                                    std::vector<std::vector<HopLink>>* links = nullptr);

    /// `database`.`name`, quoted.
    std::string table(std::string_view name) const;

private:
    Client c_;
};

/// A cluster as the TraceSource of `trace --engine clickhouse`: the lookups of the local index in
/// SQL. A transaction's links come with its row (l_* columns); the links to a queue ID from the
/// links table (ordered by next queue ID). Checks the schema when made.
class ClusterTraceSource final : public TraceSource {
public:
    /// @throws Error(remote) if the schema is missing or of another version.
    explicit ClusterTraceSource(Cluster& c);
    std::vector<std::string> hosts() override;
    std::vector<std::pair<std::string, std::uint64_t>> hosts_behind_relay(std::string_view name,
                                                                           std::string_view addr) override;
    std::vector<Transaction> find_queue_id(std::string_view queue_id, std::string_view host, Micros from, Micros to) override;
    std::vector<Transaction> find_message_id(std::string_view message_id, std::size_t limit) override;
    std::vector<HopLink> links_of(const Transaction& t) override;
    std::vector<std::pair<HopLink, Transaction>> links_to(std::string_view queue_id, Micros from, Micros to) override;
    std::vector<Transaction> in_network(const SearchFilter& f, std::string_view net) override;

private:
    std::vector<Transaction> rows(const std::string& where, std::string_view order, std::size_t limit);
    Cluster& c_;
    std::map<std::tuple<std::string, std::string, Micros>, std::vector<HopLink>> links_; ///< of every row read
    std::map<std::pair<std::string, std::size_t>, std::vector<Transaction>> by_message_id_; ///< find_message_id's answers
};

/// The SQL that creates the schema in database `db` (CREATE ... IF NOT EXISTS, one statement
/// per element); examples/clickhouse/schema.sql shows it for database mxtrace.
std::vector<std::string> schema_sql(std::string_view db);

/// The WHERE condition (without WHERE; "1" for no filter) that selects `f` in the transactions
/// table. Free text (--text) is every word of text_terms() among the row's s_words.
/// @throws Error(usage) for a query (words): it has no translation; for a --text Xapian cannot
/// parse.
std::string where_clause(const SearchFilter& f);

/// The words of a --text value as the local index's search reads them (Xapian's QueryParser,
/// no stemming, lower case), whose AND it runs. @throws Error(usage) if Xapian cannot parse it.
std::vector<std::string> text_terms(std::string_view text);

/// Parses one JSONEachRow line of the transactions table into a Transaction.
/// @throws Error(remote) if the line is not such an object.
Transaction parse_row(std::string_view json_line);

} // namespace mxtrace::clickhouse
