// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file indexer.hpp
/// The ingest pipeline: input files -> syslog envelope -> MTA parsers -> reducer -> store,
/// with per-input checkpoints (read only what is new), retention, and an account of every line.
#include "mxtrace/store/store.hpp"
#include "mxtrace/base/timeutil.hpp"

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mxtrace {

/// Where a run is, for a progress display.
struct Progress {
    std::string path;              ///< input being read
    std::uint64_t raw_done = 0;    ///< bytes of input files read so far (compressed size for compressed files)
    std::uint64_t raw_total = 0;   ///< total bytes of all regular input files; 0 if unknown (stdin)
    std::uint64_t lines = 0;       ///< lines read so far
    double seconds = 0;            ///< since the run started
};

struct IndexOptions {
    std::optional<int> year;        ///< year for classic (year-less) lines; default: current year
    std::string tz;                 ///< IANA zone of classic lines; empty: this machine's zone
    std::FILE* unparsed_out = nullptr; ///< where to list unparsed lines ("FILE:LINE: reason: text"), or null
    /// Called with (message, hint) for a problem with one input that does not stop the run.
    std::function<void(const std::string&, const std::string&)> warn;
    bool full = false;              ///< ignore checkpoints: read every input from its start
    int retention_days = 90;        ///< keep this many days back from min(now, newest); 0 keeps all
    Micros now = 0;                 ///< the wall clock (UTC); 0 = read the system clock
    /// commit (with checkpoints) after this many lines; with Xapian's update of the previous batch
    /// in flight two batches are alive, so this bounds the memory (BENCHMARKS.md "Ingest on two cores")
    std::uint64_t commit_lines = 100000;
    std::function<void(const Progress&)> progress; ///< called every 65,536 lines, if set
    std::uint64_t input_bytes = 0;  ///< total size of the input files, for progress (0 unknown)
    /// Host name of inputs whose lines name none (an Exim main log); empty: such an input is
    /// refused (a copied log must never be labelled with this machine's name).
    std::string host;
    /// Host names of such inputs by path: (glob, name) pairs, the first whose glob (fnmatch(3),
    /// '*' also matching '/') matches the input's path as given or its absolute path wins over
    /// `host`. From `--host-for GLOB=NAME` and the config key `[index] host-for`.
    std::vector<std::pair<std::string, std::string>> host_for;
    /// The follow mode (`mxtrace index --follow`): inputs are read again and again as they grow.
    /// A small input that grew past its fingerprint is known by the longest fingerprint read in
    /// this run that its first bytes start with; a file shorter than what was read and starting
    /// the same is taken calmly as truncated (copytruncate); standard input is fingerprinted by
    /// what came in its first read.
    bool follow = false;
    /// With `follow`: called while standard input has no data (then about every 250 ms); false
    /// ends it as at its end. See LineReader's constructor with `idle`.
    std::function<bool()> stdin_idle;
};

/// The host name for an input whose lines name none: the first `opts.host_for` glob matching
/// `path` (as given, or made absolute), else `opts.host`; empty when neither names one.
std::string host_for_input(const IndexOptions& opts, const std::string& path);

/// An input some of whose lines were older than the retention window: not indexed, and not
/// recorded as read (a later run with a window reaching further back reads them).
struct SkippedInput {
    std::string path;               ///< as given ("-" for standard input)
    std::uint64_t lines = 0;        ///< lines skipped
    Micros cutoff = 0;              ///< they were before this time (UTC µs)
    bool all = false;               ///< every syslog line of the input was skipped
};

/// Where every input line went.
/// lines == attributed + noqueue + other + unparsed + unsupported_mta + empty + too_old + exim_pieces +
/// duplicates + indexed_before.
struct IndexStats {
    std::uint64_t lines = 0;        ///< lines read
    std::uint64_t attributed = 0;   ///< Postfix/Sendmail/Exim lines attributed to a transaction
    std::uint64_t noqueue = 0;      ///< Postfix/Sendmail/Exim lines about no queued message
    std::uint64_t noqueue_rejects = 0; ///< of those, pre-queue rejects (Postfix NOQUEUE, Exim "rejected ...")
    std::uint64_t reject_records = 0;  ///< of those, rejects stored as reject records (status rejected)
    std::uint64_t reject_headers = 0;  ///< of those, lines of Exim's reject log copying a rejected
                                       ///< message's header after its reject line
    std::uint64_t other = 0;        ///< other programs' lines
    std::uint64_t unparsed = 0;     ///< lines not understood (includes not_syslog and too_long)
    std::uint64_t not_syslog = 0;   ///< of those, lines without a syslog timestamp and host
    std::uint64_t too_long = 0;     ///< of those, lines longer than 1 MiB
    std::uint64_t unparsed_mail = 0; ///< of those, Postfix/Sendmail/Exim lines (a known MTA's tag or an
                                     ///< Exim main log's dated line) that were not understood
    std::uint64_t unsupported_mta = 0; ///< lines of mail servers mxtrace does not read (qmail, Courier,
                                       ///< OpenSMTPD, Domino, Exchange CSV): not indexed
    std::uint64_t empty = 0;        ///< empty lines
    std::uint64_t too_old = 0;      ///< lines older than the retention window (not indexed)
    std::uint64_t indexed_before = 0; ///< lines of inputs read again (files_reread) that an earlier run indexed
    std::uint64_t files_reread = 0; ///< inputs read again for lines an earlier run skipped as too old
    std::vector<SkippedInput> too_old_inputs; ///< the inputs with lines older than the window
    std::uint64_t exim_pieces = 0;  ///< Exim syslog pieces "[i/n]" joined into a later line (counted there)
    std::uint64_t duplicates = 0;   ///< mail lines another input already held (applied once, from there)
    std::uint64_t repeats = 0;      ///< extra applications of rsyslog "message repeated N times" lines (N - 1 each)
    std::uint64_t exim_mainlogs = 0; ///< inputs read as Exim main logs
    std::uint64_t bytes = 0;        ///< bytes of (decompressed) content read
    std::uint64_t skipped_bytes = 0; ///< bytes of content skipped because an earlier run read them
    std::uint64_t held_back = 0;    ///< bytes of unfinished last lines left for the next run
    std::uint64_t files = 0;        ///< inputs given
    std::uint64_t files_unchanged = 0; ///< inputs with nothing new since the last run
    std::uint64_t files_failed = 0; ///< inputs that could not be read to the end
    WriteStats writes;
    PruneResult pruned;             ///< what retention removed at the end of the run
    PruneResult prune_deferred;     ///< what it would have removed, when that was over half the index
    double seconds = 0;
};

/// Sorts inputs so older content is read first: rotated files of the same log ("mail.log.2.gz",
/// "mail.log.1", "mail.log", also dated "mail.log-20111215.gz") oldest first; different logs
/// keep the order given; "-" (stdin) stays where it is.
std::vector<std::string> order_inputs(std::vector<std::string> inputs);

/// Runs the pipeline into an open writable store.
class Indexer {
public:
    /// @throws Error(usage) for a bad time zone.
    Indexer(Store& store, IndexOptions opts);
    ~Indexer();

    /// Reads one input ("-" for stdin) from its checkpoint to its end. A file that cannot be
    /// opened or is corrupt is reported through IndexOptions::warn and counted in files_failed;
    /// what was read before stays indexed.
    void add_input(const std::string& path) { add_input(path, std::string()); }

    /// As add_input(path), opening `open_path` instead when it is not empty (see poll_input()).
    void add_input(const std::string& path, const std::string& open_path);

    /// Reads one input again for what is new since the last call (the follow mode): as
    /// add_input(), but it does not count as one more input in the totals. `open_path`, if not
    /// empty, is what is opened instead of `path` (e.g. "/proc/self/fd/N", a descriptor held on a
    /// log renamed away by a rotation); the input keeps the name `path`. Returns the lines read.
    std::uint64_t poll_input(const std::string& path, const std::string& open_path = {});

    /// Writes all transactions in memory (open ones too: a later line takes them back from the
    /// store) and commits them with the checkpoints, so a search sees them.
    void commit();

    /// Lines read since the last commit.
    std::uint64_t uncommitted() const;

    /// Sets the wall clock (UTC µs) that retention and the year of classic lines go by (a
    /// follower runs for days).
    void set_now(Micros now);

    /// Prunes what is older than the retention window (commits first), as finish() does;
    /// adds what it removed to the totals' `pruned`, or sets `prune_deferred`.
    PruneResult retain();

    /// Commits, then rewrites the index into its smallest form (Store::compact, no forced
    /// VACUUM): what a follower does once a day. @throws Error as Store::compact.
    CompactResult compact();

    /// Writes all transactions still in memory, commits with the checkpoints, then prunes what
    /// is older than the retention window. Returns the totals.
    IndexStats finish();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

} // namespace mxtrace
