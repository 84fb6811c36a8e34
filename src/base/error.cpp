// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/base/error.hpp"

#include "base/testhooks.hpp"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace mxtrace::detail {

void crash_point(const char* name) {
    static const char* spec = std::getenv("MXTRACE_CRASH_AT");
    if (!spec) return;
    static long count = 0;
    std::string_view sv(spec);
    std::size_t colon = sv.find(':');
    if (sv.substr(0, colon) != name) return;
    const long n = colon == std::string_view::npos ? 1 : std::atol(spec + colon + 1);
    if (++count == n) ::raise(SIGKILL);
}

} // namespace mxtrace::detail
