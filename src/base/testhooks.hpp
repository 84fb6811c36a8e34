// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Test hooks. Internal to the library.

namespace mxtrace::detail {

/// For the crash tests: with MXTRACE_CRASH_AT=NAME:N in the environment, the N-th time the
/// point NAME is passed the process kills itself with SIGKILL (no cleanup at all, as kill -9).
/// Points: "line" (after each input line is applied), "after-sqlite" and "after-xapian" (in
/// Store::commit, between the SQLite commit and the Xapian commit, and after both), "prune-sqlite"
/// "prune-xapian" and "prune-done" (in Store::prune: before its SQLite deletions, before its Xapian
/// ones, after both), "export-mark" (in Store::set_export_mark, after the target acknowledged a
/// batch, before the mark is committed), "rollup" (in Store::commit_rollups, before the stats
/// rollups of a refresh are committed).
/// With MXTRACE_WRITE_LOG=FILE every point passed is also logged there as "mark NAME", between
/// the lines of the write hook (src/base/write_hook.cpp, MXTRACE_CRASH_AT_WRITE).
void crash_point(const char* name);

// Other test hooks read from the environment where they act: MXTRACE_STATS_SCAN (stats reads every
// record, src/query/stats_rollup.cpp), MXTRACE_STATS_ROLLUP_LOG (stats says on stderr whether it
// merged rollups, src/cli/cmd_stats.cpp), MXTRACE_NO_ROLLUP_REFRESH (index leaves its dirty
// rollup buckets dirty, src/cli/cmd_index.cpp); see ARCHITECTURE.md "Stats rollups".

} // namespace mxtrace::detail
