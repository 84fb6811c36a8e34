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

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace mxtrace::detail {

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
            throw Error(ExitCode::locked, fmt::format("another mxtrace index is running on {}", dir.string()),
                        "wait for it to finish, then run again");
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
