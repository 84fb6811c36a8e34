// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file check.hpp
/// Integrity of an index: `mxtrace check` (verify), `mxtrace repair` (rebuild Xapian from
/// SQLite, salvage a damaged SQLite file row by row) and a canonical dump for the crash tests.
/// See ARCHITECTURE.md, "Integrity".
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mxtrace {

/// What `check_index` found.
struct CheckReport {
    std::vector<std::string> problems;   ///< one line per damage found (may echo stored bytes: escape before printing)
    std::vector<std::string> notes;      ///< counts and states that are not damage (pending Xapian updates)
    std::uint64_t records = 0;           ///< SQLite transaction records
    std::uint64_t documents = 0;         ///< Xapian documents
    std::uint64_t compared = 0;          ///< documents whose terms were compared with their record
    bool records_lost = false;           ///< the SQLite records cannot be read at all: repair cannot help
    bool damaged() const noexcept { return !problems.empty(); }
};

/// The advice when the records are lost: move `dir` away and index the logs again (the
/// commands quoted for a shell).
std::string records_lost_hint(const std::filesystem::path& dir);

/// Verifies the index in `dir` without changing it (read only, no lock): the files are there;
/// SQLite `PRAGMA quick_check` (`integrity_check` if `full`) and its schema version; Xapian's
/// `Database::check` and its schema version; every record has its Xapian document and the
/// reverse (records waiting in `xapian_pending` are a note, not damage); counts; and the terms
/// and values of a sample of documents (every document if `full`) against those its record
/// implies (the indexer's own make_document). With `full`, every record's raw lines are decoded.
/// Never throws for damage: it is reported in `problems`.
/// @throws Error(bad_index) if `dir` holds no index at all.
CheckReport check_index(const std::filesystem::path& dir, bool full);

/// What `repair_index` did.
struct RepairReport {
    bool sqlite_salvaged = false;        ///< SQLite was damaged: its rows were copied into a new file
    std::uint64_t records = 0;           ///< transaction records in the repaired index
    std::uint64_t documents = 0;         ///< Xapian documents written
    std::vector<std::string> lost;       ///< what could not be kept, one line each (rowid ranges, counts)
    std::vector<std::string> kept;       ///< the old files and directories, renamed (never deleted)
    /// Records that disagree with their document in the old Xapian index (compared when it
    /// opens): SQLite keeps no checksums, so such a record may hold flipped bits (or the old
    /// document may be the damaged one). One line each, at most 20, then a count.
    std::vector<std::string> doubtful;
};

/// Repairs the index in `dir`. If SQLite passes `PRAGMA integrity_check` and every raw-line blob
/// decodes, only the Xapian index is rebuilt from the records. Otherwise every table is copied
/// into a new SQLite file by rowid ranges (a range that fails is halved down to single rows,
/// which are skipped and reported), orphaned rows and undecodable raw lines are dropped, and
/// Xapian is rebuilt from the copy. Each record is compared with its old Xapian document where
/// that can be read (RepairReport::doubtful). The replaced files get the suffix `.before-repair-TIMESTAMP`
/// (UTC, YYYYMMDDTHHMMSSZ) beside the new ones. `progress` receives one line per step.
/// @throws Error(locked) if `mxtrace index` is running on it; Error(bad_index) if there is no
///         SQLite file to repair from.
RepairReport repair_index(const std::filesystem::path& dir, const std::function<void(std::string_view)>& progress);

/// A canonical text dump of the index, independent of row IDs and of the order things were
/// written in: the inputs (checkpoints, without the wall-clock read time), then every record by
/// key (host, queue ID, first-seen time) with its attempts, hop links, raw lines and its Xapian
/// document's terms and values. Two indexes that hold the same are byte-identical dumps.
/// Used by the crash tests (`mxtrace check --dump`).
/// @throws Error if the index cannot be read.
void dump_index(const std::filesystem::path& dir, const std::function<void(std::string_view)>& out);

} // namespace mxtrace
