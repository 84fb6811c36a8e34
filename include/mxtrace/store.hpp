// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file store.hpp
/// The index: SQLite holds the transaction records (the source of truth), Xapian the search
/// terms and the time values. A transaction's SQLite rowid is its Xapian document ID.
/// Commit order and recovery rule: see ARCHITECTURE.md, "Storage".
#include "mxtrace/events.hpp"
#include "mxtrace/timeutil.hpp"
#include "mxtrace/transaction.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mxtrace {

/// Schema version of both stores; stored in each and checked on every open.
constexpr int kSchemaVersion = 1;

/// The index directory: `$MXTRACE_DB`, else `$XDG_DATA_HOME/mxtrace`, else `~/.local/share/mxtrace`.
std::filesystem::path default_index_dir();

/// What `mxtrace search` looks for. Empty strings and unset optionals mean "any"; all set
/// filters must match (AND).
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
    std::size_t max_results = 200;
};

/// Counts of one commit or of a whole run.
struct WriteStats {
    std::uint64_t added = 0;
    std::uint64_t updated = 0;
};

/// Opens the index for reading or for writing. Only the writer mode takes the write lock.
class Store {
public:
    enum class Mode { read, write };

    /// Opens (and in write mode creates: directory 0700, files 0600) the index in `dir`.
    /// Write mode first replays Xapian updates that a killed run left pending.
    /// @throws Error(locked) if another writer holds the index, Error(bad_index) if it is
    ///         missing (read mode), of another schema version, or unreadable.
    Store(std::filesystem::path dir, Mode mode);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    /// Queues a transaction for writing (write mode). Written at the next commit(), which
    /// happens by itself every few thousand transactions.
    void put(std::unique_ptr<Transaction> t);

    /// Takes back the newest not-complete transaction of (host, queue ID) whose last line is
    /// within 30 days before `at`, from the pending batch or the database; nullptr if none.
    std::unique_ptr<Transaction> take_open(std::string_view host, std::string_view queue_id, Micros at);

    /// Writes the pending batch: SQLite first (rows + a pending-Xapian list, one transaction),
    /// then Xapian (one commit), then clears the pending list.
    void commit();

    /// Totals written since open.
    const WriteStats& stats() const noexcept;

    /// Runs a search: the Xapian query selects and orders (newest first-seen time first), the
    /// records are read from SQLite by ID. At most filter.max_results transactions.
    /// @throws Error(usage) for a bad filter value.
    std::vector<Transaction> search(const SearchFilter& filter, std::string* explain = nullptr);

    /// The transaction with that ID, or nullopt.
    std::optional<Transaction> get(std::int64_t id);

    /// Number of transactions in the index.
    std::uint64_t count();

    const std::filesystem::path& dir() const noexcept;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

} // namespace mxtrace
