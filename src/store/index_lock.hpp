// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file index_lock.hpp
/// The writers' lock of an index directory: an flock(2) on DIR/mxtrace.lock, taken by every
/// command that changes the index (index, prune, repair) before it looks at or creates any file
/// there, so that two first runs cannot both take a half-made index for a half-created one.
/// Xapian's own lock (xapian/flintlock) is still taken after it; this one covers the moments
/// before the Xapian index exists.
#include "mxtrace/base/error.hpp"

#include <fmt/format.h>
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include <signal.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

namespace mxtrace::detail {

/// The name of the file in which `mxtrace index --follow` names itself while it holds the index:
/// one line "PID COMMAND" (0600), removed when it stops.
inline constexpr const char* kFollowFile = "mxtrace.follow";

/// The error a writer gets when the index in `dir` is locked: it names the follower when
/// DIR/mxtrace.follow names a live process, else says another mxtrace index is running.
/// `again` is the command to run again afterwards (for the hint).
inline Error locked_error(const std::filesystem::path& dir, const std::string& again = "run again") {
    std::ifstream f(dir / kFollowFile);
    long pid = 0;
    std::string command;
    if (f >> pid && pid > 1 && std::getline(f >> std::ws, command) &&
        (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM)) {
        std::string safe;
        for (char c : command) safe += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
        return Error(ExitCode::locked,
                     fmt::format("the index {} is being followed by {} (pid {}): it holds the index while it runs",
                                 dir.string(), safe, pid),
                     fmt::format("stop it (kill {}, or systemctl stop mxtrace-follow) and {}; or leave this to it: it "
                                 "reads the growing logs it was given and runs retention itself every hour",
                                 pid, again));
    }
    return Error(ExitCode::locked, fmt::format("another mxtrace index is running on {}", dir.string()),
                 fmt::format("wait for it to finish, then {}", again));
}

class IndexLock {
public:
    IndexLock() = default;
    /// Takes the lock of `dir` (which must exist): waits for it if `wait`, else
    /// @throws Error(locked) when another writer holds it; Error(internal) if the lock file
    /// cannot be opened.
    IndexLock(const std::filesystem::path& dir, bool wait) {
        const std::filesystem::path p = dir / "mxtrace.lock";
        fd_ = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666); // the umask makes it 0600, or 0640 in a shared index
        if (fd_ < 0)
            throw Error(ExitCode::internal, fmt::format("cannot open the lock file {}: {}", p.string(), std::strerror(errno)),
                        "check the index directory's owner and permissions");
        int rc;
        do rc = ::flock(fd_, LOCK_EX | (wait ? 0 : LOCK_NB));
        while (rc != 0 && errno == EINTR);
        if (rc != 0) {
            ::close(fd_);
            fd_ = -1;
            throw locked_error(dir);
        }
    }
    IndexLock(const IndexLock&) = delete;
    IndexLock& operator=(const IndexLock&) = delete;
    IndexLock(IndexLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
    IndexLock& operator=(IndexLock&& o) noexcept {
        if (this != &o) {
            if (fd_ >= 0) ::close(fd_);
            fd_ = o.fd_;
            o.fd_ = -1;
        }
        return *this;
    }
    ~IndexLock() {
        if (fd_ >= 0) ::close(fd_); // closing releases the flock
    }

private:
    int fd_ = -1;
};

} // namespace mxtrace::detail
