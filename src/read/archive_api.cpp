// SPDX-License-Identifier: GPL-3.0-or-later
// libarchive loaded with dlopen(3) on first use: see archive_api.hpp.
#include "read/archive_api.hpp"

#include "base/dynlib.hpp"
#include "mxtrace/base/error.hpp"

#include <fmt/format.h>

#include <string>

namespace mxtrace::detail {

namespace {

struct Loaded {
    ArchiveApi api{};
    std::string error; // empty when loaded
};

Loaded load() {
    DynLib lib{"libarchive.so.13"}; // libarchive 3.x (Debian: libarchive13, libarchive13t64)
    Loaded l;
    ArchiveApi& a = l.api;
    lib.bind(a.read_new, "archive_read_new");
    lib.bind(a.read_free, "archive_read_free");
    lib.bind(a.support_filter_gzip, "archive_read_support_filter_gzip");
    lib.bind(a.support_filter_bzip2, "archive_read_support_filter_bzip2");
    lib.bind(a.support_filter_xz, "archive_read_support_filter_xz");
    lib.bind(a.support_filter_lzma, "archive_read_support_filter_lzma");
    lib.bind(a.support_filter_lzip, "archive_read_support_filter_lzip");
    lib.bind(a.support_filter_zstd, "archive_read_support_filter_zstd");
    lib.bind(a.support_filter_lz4, "archive_read_support_filter_lz4");
    lib.bind(a.support_filter_compress, "archive_read_support_filter_compress");
    lib.bind(a.support_format_raw, "archive_read_support_format_raw");
    lib.bind(a.support_format_empty, "archive_read_support_format_empty");
    lib.bind(a.read_open, "archive_read_open");
    lib.bind(a.read_open_fd, "archive_read_open_fd");
    lib.bind(a.read_next_header, "archive_read_next_header");
    lib.bind(a.read_data_block, "archive_read_data_block");
    lib.bind(a.error_string, "archive_error_string");
    lib.bind(a.set_error, "archive_set_error");
    lib.bind(a.filter_count, "archive_filter_count");
    lib.bind(a.filter_bytes, "archive_filter_bytes");
    l.error = lib.error();
    return l;
}

} // namespace

const ArchiveApi& archive_api() {
    static const Loaded l = load(); // thread-safe, once
    if (!l.error.empty())
        throw Error(ExitCode::internal, fmt::format("reading standard input, a pipe or this compression needs libarchive: {}", l.error),
                    "install it (Debian 12: apt-get install libarchive13; Debian 13: libarchive13t64) and run the command again");
    return l.api;
}

} // namespace mxtrace::detail
