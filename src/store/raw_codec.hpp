// SPDX-License-Identifier: GPL-3.0-or-later
// The blob of txn_raw.data: a transaction's original lines, compressed (internal to src/store;
// ARCHITECTURE.md, "Raw evidence", describes the formats).
#pragma once

#include "mxtrace/reduce/transaction.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mxtrace {

/// Format byte of a blob: 1 = one zlib stream with a preset dictionary (read only, written by
/// mxtrace before this format existed; encode_v1() exists for tests); 2 = a header with the
/// largest line key and the line-number ranges per input, then one or more zstd frames
/// ("segments") with a fixed dictionary, so lines that come after all the stored ones are
/// appended as a new segment without decompressing the old ones.
inline constexpr char kRawFormatZlibDict1 = 1;
inline constexpr char kRawFormatZstdSegments = 2;

/// Compresses and decompresses raw-line blobs. Keeps its compression contexts and the digested
/// dictionaries for its life (one per Store): setting them up per transaction cost more than
/// compressing ~1 KB. Not thread-safe.
class RawCodec {
public:
    RawCodec();
    ~RawCodec();
    RawCodec(const RawCodec&) = delete;
    RawCodec& operator=(const RawCodec&) = delete;

    /// Blob (format 2, one segment) of `lines`, which must already be normalised (normalise_raw);
    /// `size` receives the uncompressed record bytes. @throws Error(internal) if zstd fails.
    std::string encode(const std::vector<RawLine>& lines, std::uint64_t& size);

    /// Appends the lines of `blob` (format 1 or 2; `size` = its record bytes as stored in
    /// txn_raw.size) to `out`, in stored order. @throws Error(damaged) naming the damage if the
    /// blob is damaged or of an unknown format.
    void decode(std::string_view blob, std::uint64_t size, std::vector<RawLine>& out);

    /// If `blob` is of format 2 and every line of `fresh` (normalised) sorts after all its lines by
    /// (time, input, line) and cannot be one of them (its line number lies outside the stored
    /// range of its input), appends `fresh` as a new segment: `out` receives the new blob and
    /// `added` the record bytes of the new segment; returns true. Otherwise (or when the blob
    /// already has kMaxSegments segments) returns false and the caller merges and rewrites.
    /// @throws Error(damaged) if the blob's header is damaged.
    bool try_append(std::string_view blob, const std::vector<RawLine>& fresh, std::string& out, std::uint64_t& added);

    /// Blob in the old format 1 (zlib, level 1, preset dictionary), as mxtrace wrote it before
    /// format 2: kept so that tests can check that such blobs are still read.
    std::string encode_v1(const std::vector<RawLine>& lines, std::uint64_t& size);

    /// Segments after which try_append() declines, so that a blob is rewritten as one segment.
    static constexpr std::size_t kMaxSegments = 16;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// De-duplicates `lines` by (input, line number), the later of equal ones winning (lines read
/// again replace what was stored), and sorts them by time, input, line number.
void normalise_raw(std::vector<RawLine>& lines);

} // namespace mxtrace
