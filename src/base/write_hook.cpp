// SPDX-License-Identifier: GPL-3.0-or-later
// The write hook of the crash tests (linked into the mxtrace program only, not the library).
//
// It interposes the C library's write(), pwrite(), pwrite64(), fsync() and fdatasync(): the
// program's own definitions win over libc's for every shared library, so SQLite's unix VFS and
// Xapian's glass backend call these. Each call on a regular file (file descriptors 0-2 aside) is
// counted, then performed by the system call itself.
//  - MXTRACE_CRASH_AT_WRITE=N: the N-th counted call kills the process with SIGKILL before it is
//    made (no cleanup, as kill -9): the files hold exactly the first N-1 writes and syncs.
//  - MXTRACE_WRITE_LOG=FILE: appends "N OP PATH" for each counted call (and "mark NAME" for each
//    crash point passed, see testhooks.hpp), so a test can choose N inside a phase.
// Without either variable a call costs one test of a cached flag.
#include "base/testhooks.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

struct HookState {
    long crash_at = 0;   // 0 = never
    int log_fd = -1;
    std::atomic<long> count{0}; // Xapian's updates run on a second thread (Store::set_background_xapian)
    bool active = false;
    HookState() {
        if (const char* n = std::getenv("MXTRACE_CRASH_AT_WRITE"); n && *n) crash_at = std::atol(n);
        if (const char* f = std::getenv("MXTRACE_WRITE_LOG"); f && *f)
            log_fd = static_cast<int>(::syscall(SYS_openat, AT_FDCWD, f, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
        active = crash_at > 0 || log_fd >= 0;
    }
};

HookState& state() {
    static HookState s;
    return s;
}

void counted(int fd, const char* op) {
    HookState& s = state();
    if (!s.active || fd <= 2 || fd == s.log_fd) return;
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
    const long k = ++s.count;
    if (s.log_fd >= 0) {
        char link[64], path[512];
        std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = ::readlink(link, path, sizeof path - 1);
        path[n > 0 ? n : 0] = '\0';
        char line[640];
        int len = std::snprintf(line, sizeof line, "%ld %s %s\n", k, op, path);
        if (len > 0) ::syscall(SYS_write, s.log_fd, line, static_cast<size_t>(len < 640 ? len : 639));
    }
    if (k == s.crash_at) ::raise(SIGKILL);
}

} // namespace

extern "C" {
ssize_t write(int fd, const void* buf, size_t n) {
    counted(fd, "write");
    return ::syscall(SYS_write, fd, buf, n);
}
// pwrite and pwrite64 by their link names: with _FILE_OFFSET_BITS=64 the headers rename pwrite
ssize_t mxtrace_hook_pwrite(int fd, const void* buf, size_t n, long off) __asm__("pwrite");
ssize_t mxtrace_hook_pwrite64(int fd, const void* buf, size_t n, long long off) __asm__("pwrite64");
ssize_t mxtrace_hook_pwrite(int fd, const void* buf, size_t n, long off) {
    counted(fd, "pwrite");
    return ::syscall(SYS_pwrite64, fd, buf, n, off);
}
ssize_t mxtrace_hook_pwrite64(int fd, const void* buf, size_t n, long long off) {
    counted(fd, "pwrite");
    return ::syscall(SYS_pwrite64, fd, buf, n, off);
}
int fsync(int fd) {
    counted(fd, "fsync");
    return static_cast<int>(::syscall(SYS_fsync, fd));
}
int fdatasync(int fd) {
    counted(fd, "fdatasync");
    return static_cast<int>(::syscall(SYS_fdatasync, fd));
}
}
