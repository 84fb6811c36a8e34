// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/base/error.hpp"

#include "base/testhooks.hpp"

#include <atomic>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace mxtrace::detail {

void crash_point(const char* name) {
    static const char* log = std::getenv("MXTRACE_WRITE_LOG");
    if (log && *log) {
        // a marker between the write hook's lines (src/base/write_hook.cpp), by plain system calls
        static const int fd = static_cast<int>(::syscall(SYS_openat, AT_FDCWD, log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
        std::string line = std::string("mark ") + name + "\n";
        if (fd >= 0) ::syscall(SYS_write, fd, line.data(), line.size());
    }
    static const char* spec = std::getenv("MXTRACE_CRASH_AT");
    if (!spec) return;
    static std::atomic<long> count{0}; // points are passed on two threads (Store::set_background_xapian)
    std::string_view sv(spec);
    std::size_t colon = sv.find(':');
    if (sv.substr(0, colon) != name) return;
    const long n = colon == std::string_view::npos ? 1 : std::atol(spec + colon + 1);
    if (++count == n) ::raise(SIGKILL);
}

} // namespace mxtrace::detail

namespace mxtrace {
std::string shell_quote(const std::string& s) {
    const bool safe = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("/._-+,:@=%").find(c) != std::string_view::npos;
    });
    if (safe) return s;
    std::string o = "'";
    for (char c : s) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return o + "'";
}
} // namespace mxtrace
