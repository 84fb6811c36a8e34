// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Test hooks. Internal to the library.

namespace mxtrace::detail {

/// For the crash tests: with MXTRACE_CRASH_AT=NAME:N in the environment, the N-th time the
/// point NAME is passed the process kills itself with SIGKILL (no cleanup at all, as kill -9).
/// Points: "line" (after each input line is applied), "after-sqlite" and "after-xapian" (in
/// Store::commit, between the SQLite commit and the Xapian commit, and after both).
void crash_point(const char* name);

} // namespace mxtrace::detail
