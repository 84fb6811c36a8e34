// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file error.hpp
/// The one error type of mxtrace and the exit codes it maps to.
/// The exit codes are documented in ONE text, man/exit-status.roff, which scripts/man-exit-status
/// copies into the EXIT STATUS section of every man page (man/*.1). When you add or change a code
/// here, edit that fragment and run the script: tests/cli/cases/exit-status.sh fails while a page
/// differs from the fragment or the fragment's codes differ from this enum's.
#include <stdexcept>
#include <string>

namespace mxtrace {

/// Process exit codes (grep-like: 0 found, 1 nothing found, 2 trouble).
enum class ExitCode : int {
    ok = 0,          ///< success; for search: at least one transaction printed
    no_match = 1,    ///< search, show, trace or stats ran fine and found nothing (never an error)
    usage = 2,       ///< bad option, bad time, bad query, unreadable or bad input
    locked = 3,      ///< another `mxtrace index` holds the index's write lock
    bad_index = 4,   ///< index missing, of another schema version, or its Xapian index cannot be opened
    internal = 5,    ///< I/O error or a bug
    damaged = 6,     ///< the index is damaged ("index damaged: run mxtrace check"); also what
                     ///< `mxtrace check` returns when it finds damage, and prune when quick_check does
    too_old = 7,     ///< index: every line of an input was older than the index's retention (nothing of it indexed)
    remote = 8,      ///< a ClickHouse server (export, --engine clickhouse): unreachable, timed out, login refused,
                     ///< a request rejected, or its mxtrace schema missing or of another version
};

/// An error meant for the user: what failed, and a hint saying what to do.
/// Thrown by every library layer; converted to a message and exit code only in the CLI's main().
class Error : public std::runtime_error {
public:
    Error(ExitCode code, std::string what, std::string hint = {})
        : std::runtime_error(std::move(what)), code_(code), hint_(std::move(hint)) {}
    /// The same, with `detail`: lines printed as they are between the message and the hint
    /// (for a query, the query echoed with a caret line under the offending place). The thrower
    /// escapes them.
    Error(ExitCode code, std::string what, std::string hint, std::string detail)
        : std::runtime_error(std::move(what)), code_(code), hint_(std::move(hint)), detail_(std::move(detail)) {}
    ExitCode code() const noexcept { return code_; }
    const std::string& hint() const noexcept { return hint_; }
    const std::string& detail() const noexcept { return detail_; }

private:
    ExitCode code_;
    std::string hint_;
    std::string detail_;
};

/// `s` as one word a POSIX shell reads back unchanged: as it is if it holds only safe characters
/// (letters, digits, "/._-+,:@=%"), else in single quotes. For the commands hints suggest, so a
/// pasted hint really works with any path.
std::string shell_quote(const std::string& s);

} // namespace mxtrace
