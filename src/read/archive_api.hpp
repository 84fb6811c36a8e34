// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// libarchive, loaded when first needed (internal to src/read). It reads standard input, pipes and
// the rarer compressions (lz4, lzip, compress); plain files and gzip/bzip2/xz/zstd files are read
// with read(2) and the compression libraries directly. Linking it made every command load it and
// the libraries it pulls in (libxml2, ICU with its 30 MB data file, nettle, acl, lz4, ...) at
// start-up, which cost a search about a millisecond (issue 12: process start), so it is
// dlopen(3)ed by the first LineReader that needs it.
#include <archive.h>

namespace mxtrace::detail {

/// The libarchive functions LineReader calls (their documented C signatures, libarchive 3.x).
struct ArchiveApi {
    archive* (*read_new)();
    int (*read_free)(archive*);
    int (*support_filter_gzip)(archive*);
    int (*support_filter_bzip2)(archive*);
    int (*support_filter_xz)(archive*);
    int (*support_filter_lzma)(archive*);
    int (*support_filter_lzip)(archive*);
    int (*support_filter_zstd)(archive*);
    int (*support_filter_lz4)(archive*);
    int (*support_filter_compress)(archive*);
    int (*support_format_raw)(archive*);
    int (*support_format_empty)(archive*);
    int (*read_open)(archive*, void*, archive_open_callback*, archive_read_callback*, archive_close_callback*);
    int (*read_open_fd)(archive*, int, size_t);
    int (*read_next_header)(archive*, archive_entry**);
    int (*read_data_block)(archive*, const void**, size_t*, la_int64_t*);
    const char* (*error_string)(archive*);
    void (*set_error)(archive*, int, const char*, ...);
    int (*filter_count)(archive*);
    la_int64_t (*filter_bytes)(archive*, int);
};

/// libarchive (libarchive.so.13), loaded on the first call; later calls return the same table.
/// Thread-safe.
/// @throws Error(internal) naming the library and the package to install when it cannot be
///         loaded or lacks a function.
const ArchiveApi& archive_api();

} // namespace mxtrace::detail
