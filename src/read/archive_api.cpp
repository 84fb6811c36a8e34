// SPDX-License-Identifier: GPL-3.0-or-later
// libarchive loaded with dlopen(3) on first use: see archive_api.hpp.
#include "read/archive_api.hpp"

#include "mxtrace/base/error.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <string>
#include <type_traits>

namespace mxtrace::detail {

namespace {

/// The soname of libarchive 3.x (Debian: libarchive13, libarchive13t64).
constexpr const char* kSoname = "libarchive.so.13";

struct Loaded {
    ArchiveApi api{};
    std::string error; // empty when loaded
};

Loaded load() {
    Loaded l;
    void* h = ::dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char* e = ::dlerror();
        l.error = fmt::format("cannot load {} ({})", kSoname, e ? e : "unknown error");
        return l;
    }
    auto sym = [&](auto& fn, const char* name) {
        fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(::dlsym(h, name));
        if (!fn && l.error.empty()) l.error = fmt::format("{} has no function {}", kSoname, name);
    };
    ArchiveApi& a = l.api;
    sym(a.read_new, "archive_read_new");
    sym(a.read_free, "archive_read_free");
    sym(a.support_filter_gzip, "archive_read_support_filter_gzip");
    sym(a.support_filter_bzip2, "archive_read_support_filter_bzip2");
    sym(a.support_filter_xz, "archive_read_support_filter_xz");
    sym(a.support_filter_lzma, "archive_read_support_filter_lzma");
    sym(a.support_filter_lzip, "archive_read_support_filter_lzip");
    sym(a.support_filter_zstd, "archive_read_support_filter_zstd");
    sym(a.support_filter_lz4, "archive_read_support_filter_lz4");
    sym(a.support_filter_compress, "archive_read_support_filter_compress");
    sym(a.support_format_raw, "archive_read_support_format_raw");
    sym(a.support_format_empty, "archive_read_support_format_empty");
    sym(a.read_open, "archive_read_open");
    sym(a.read_open_fd, "archive_read_open_fd");
    sym(a.read_next_header, "archive_read_next_header");
    sym(a.read_data_block, "archive_read_data_block");
    sym(a.error_string, "archive_error_string");
    sym(a.set_error, "archive_set_error");
    sym(a.filter_count, "archive_filter_count");
    sym(a.filter_bytes, "archive_filter_bytes");
    return l; // the handle stays open for the life of the process
}

} // namespace

const ArchiveApi& archive_api() {
    static const Loaded l = load(); // thread-safe, once
    if (!l.error.empty())
        throw Error(ExitCode::internal, fmt::format("reading standard input, a pipe or this compression needs libarchive: {}", l.error),
                    "install it (Debian: apt-get install libarchive13) and run the command again");
    return l.api;
}

} // namespace mxtrace::detail
