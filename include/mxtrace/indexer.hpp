// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file indexer.hpp
/// The ingest pipeline: input files -> syslog envelope -> MTA parsers -> reducer -> store.
/// Accounts for every input line (see IndexStats).
#include "mxtrace/store.hpp"
#include "mxtrace/timeutil.hpp"

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mxtrace {

struct IndexOptions {
    std::optional<int> year;        ///< year for classic (year-less) lines; default: current year
    std::string tz;                 ///< IANA zone of classic lines; empty: this machine's zone
    std::FILE* unparsed_out = nullptr; ///< where to list unparsed lines ("FILE:LINE: reason: text"), or null
    /// Called with (message, hint) for a problem with one input that does not stop the run.
    std::function<void(const std::string&, const std::string&)> warn;
};

/// Where every input line went. lines == attributed + noqueue + other + unparsed + empty.
struct IndexStats {
    std::uint64_t lines = 0;        ///< lines read
    std::uint64_t attributed = 0;   ///< Postfix/Sendmail lines attributed to a transaction
    std::uint64_t noqueue = 0;      ///< Postfix/Sendmail lines about no queued message
    std::uint64_t noqueue_rejects = 0; ///< of those, Postfix NOQUEUE lines (pre-queue rejects)
    std::uint64_t other = 0;        ///< other programs' lines
    std::uint64_t unparsed = 0;     ///< lines not understood (includes not_syslog and too_long)
    std::uint64_t not_syslog = 0;   ///< of those, lines without a syslog timestamp and host
    std::uint64_t too_long = 0;     ///< of those, lines longer than 1 MiB
    std::uint64_t empty = 0;        ///< empty lines
    std::uint64_t bytes = 0;        ///< bytes of (decompressed) input
    std::uint64_t files_failed = 0; ///< inputs that could not be read to the end
    WriteStats writes;
    double seconds = 0;
};

/// Runs the pipeline into an open writable store.
class Indexer {
public:
    /// @throws Error(usage) for a bad time zone.
    Indexer(Store& store, IndexOptions opts);
    ~Indexer();

    /// Reads one input ("-" for stdin) to its end. A file that cannot be opened or is corrupt
    /// is reported on stderr and counted in files_failed; what was read before stays indexed.
    void add_input(const std::string& path);

    /// Writes all transactions still in memory and commits. Returns the totals.
    IndexStats finish();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

} // namespace mxtrace
