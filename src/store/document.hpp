// SPDX-License-Identifier: GPL-3.0-or-later
// What a record and its Xapian document are made of: shared by the store (store.cpp) and the
// integrity code (check.cpp), so that `mxtrace check --full` and `mxtrace repair` use exactly
// the terms the indexer writes. Internal to src/store.
#pragma once

#include "mxtrace/base/timeutil.hpp"
#include "mxtrace/reduce/transaction.hpp"
#include "mxtrace/store/fields.hpp"
#include "store/sqlite_util.hpp"

#include <xapian.h>

#include <cstdint>
#include <optional>
#include <string>

namespace mxtrace::detail {

/// The SQLite schema of the index (every table and index, CREATE ... IF NOT EXISTS).
extern const char* const kSchemaSql;

/// The columns of table txn that read_transaction() expects, in its order.
extern const char* const kTxnColumns;

/// Which time terms an index's documents carry (fields.hpp): day terms where the Xapian
/// metadata kDayTermsKey is "1", hour terms (always with day terms) where kHourTermsKey is "1".
struct TimeTerms {
    bool days = false;
    bool hours = false;
    /// Those of a new or rebuilt index: both.
    static constexpr TimeTerms all() { return {true, true}; }
    /// Those an index's metadata declares.
    static TimeTerms of(const Xapian::Database& x) {
        TimeTerms t;
        t.days = x.get_metadata(kDayTermsKey) == "1";
        t.hours = t.days && x.get_metadata(kHourTermsKey) == "1";
        return t;
    }
    /// Declares them in a new Xapian index's metadata.
    void declare(Xapian::WritableDatabase& w) const {
        if (days) w.set_metadata(kDayTermsKey, "1");
        if (hours) w.set_metadata(kHourTermsKey, "1");
    }
};

/// The Xapian document of a transaction: its terms (from the field table, src/store/fields.cpp)
/// and value slots. The one function that decides what a record is indexed under. With
/// `time.days`, also the day terms of the days it was active on (fields.hpp, kDayPrefix); with
/// `time.hours`, also its hour terms (kHourPrefix). `time` is TimeTerms::of() the index.
Xapian::Document make_document(const Transaction& t, TimeTerms time);

/// The UTC day of instant `t`: days since 1970-01-01 (floor, also before the epoch).
constexpr std::int64_t utc_day(Micros t) { return floor_div(t, 86400 * kMicrosPerSecond); }

/// The UTC hour of instant `t`: hours since 1970-01-01T00Z (floor, also before the epoch).
constexpr std::int64_t utc_hour(Micros t) { return floor_div(t, 3600 * kMicrosPerSecond); }

/// Reads the transaction with rowid `id`: `get` is "SELECT <kTxnColumns> FROM txn WHERE id = ?",
/// `attempts` reads its attempts ("SELECT time_us, recipient, orig_recipient, relay, status, dsn,
/// delay, text, queued_as FROM attempt WHERE txn_id = ? ORDER BY seq"). nullopt if no such row.
/// @throws Error(damaged) if SQLite reports damage.
std::optional<Transaction> read_transaction(sql::Stmt& get, sql::Stmt& attempts, std::int64_t id);

/// The attempts query read_transaction() expects.
extern const char* const kAttemptsSql;

} // namespace mxtrace::detail
