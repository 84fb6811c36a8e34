// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file input.hpp
/// Reads log lines from plain or compressed files and stdin in one streaming pass.
/// Decompression (gzip, bzip2, xz and zstd through their libraries; lzma, lzip, lz4, compress,
/// standard input and pipes through libarchive, loaded on first use) is detected from the content, not the file name.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct archive;
struct sha256_ctx;

namespace mxtrace {

/// A line reader with a fixed memory bound: lines longer than `max_line` bytes are returned
/// cut to that length with too_long() set, and the rest of such a line is skipped.
class LineReader {
public:
    /// Opens `path`; "-" reads standard input.
    /// @throws Error(usage) when the file cannot be opened or is not readable as a stream.
    explicit LineReader(std::string path, std::size_t max_line = 1 << 20);

    /// Opens standard input ("-" as `path`) for following (`mxtrace index --follow -`): `idle` is
    /// called whenever no data is waiting on it, then about every 250 ms while none comes (so
    /// the caller can commit what was read, by time); when it returns false the input ends
    /// there, as at its end (a signal to stop). Any other `path` opens as above.
    LineReader(std::string path, std::function<bool()> idle, std::size_t max_line = 1 << 20);

    /// The first min(n, size) bytes of content, before any line is read (n <= 65536).
    std::string_view peek(std::size_t n);

    /// What is buffered and not yet returned as lines (after peek(): the head of the content).
    std::string_view buffered() const noexcept { return std::string_view(buf_.data() + begin_, end_ - begin_); }

    /// Skips `n` bytes of content (holding `lines` lines) before any line is read; returns how
    /// many bytes were there. Line numbers then go on from `lines`.
    std::uint64_t skip(std::uint64_t n, std::uint64_t lines = 0);

    /// With `hold`, a last line without a newline is not returned (a writer may still be
    /// writing it); held_back() tells its length.
    void hold_partial_line(bool hold) noexcept { hold_partial_ = hold; }
    std::uint64_t held_back() const noexcept { return held_back_; }

    /// True if the content was decompressed (the file is not plain text).
    bool compressed() const;
    ~LineReader();
    LineReader(const LineReader&) = delete;
    LineReader& operator=(const LineReader&) = delete;

    /// The next line without its "\n" (and without a "\r" before it). Returns false at end of input.
    /// A last line without a newline is returned too. The view is valid until the next call.
    /// @throws Error(usage) when compressed data is truncated or corrupt (after the lines before it).
    bool next(std::string_view& line);

    /// True if the line just returned ended in "\r\n" (next() drops the "\r"; the original
    /// bytes of the line are the view plus "\r").
    bool had_cr() const noexcept { return had_cr_; }

    /// Starts the SHA-256 (FIPS 180-4, nettle) of the content consumed from here on, continuing
    /// `state` (as content_hash_state() gave it, for the bytes 0..offset() already consumed,
    /// e.g. before skip()); an empty `state` starts a new hash, which is right only at offset 0.
    /// Returns false (and hashes nothing) if `state` is not a saved state.
    bool hash_content(std::string_view state);

    /// The hash state after the bytes 0..offset(): 108 bytes, a portable encoding of nettle's
    /// sha256_ctx. Empty if hash_content() was not called.
    std::string content_hash_state();

    /// SHA-256 of the bytes 0..offset() as 64 lower-case hex digits; empty if not hashing.
    std::string content_sha256();

    /// True if the line just returned was longer than max_line and was cut.
    bool too_long() const noexcept { return too_long_; }
    /// 1-based number of the line just returned.
    std::uint64_t line_no() const noexcept { return line_no_; }
    /// Bytes of (decompressed) content consumed so far, through the end of the last line returned.
    std::uint64_t offset() const noexcept { return offset_; }
    /// Bytes of the underlying (possibly compressed) file read so far, for progress display.
    std::uint64_t raw_bytes_read() const;
    const std::string& path() const noexcept { return path_; }

    /// A streaming decompressor (gzip, bzip2, xz, zstd) read from the file directly; defined in input.cpp.
    struct Decoder;

private:
    void open(); // the constructors' work
    bool fill();
    void hash_consumed(); // hashes buf_[hashed_, begin_) if hashing; hashed_ = begin_
    std::size_t read_plain(char* to, std::size_t n);
    std::size_t read_decoded(char* to, std::size_t n);
    std::string path_;
    archive* ar_ = nullptr;  // compressed files and stdin
    int fd_ = -1;            // plain regular files
    bool plain_ = false;
    std::unique_ptr<Decoder> dec_;     // regular compressed files: the library directly
    std::vector<char> dec_in_;         // compressed bytes read from fd_
    std::size_t dec_in_pos_ = 0, dec_in_left_ = 0;
    std::uint64_t dec_raw_ = 0;
    bool dec_done_ = false;            // the last byte fed ended a complete stream/frame
    std::string dec_error_;            // damage found, reported once the lines before it are out
    std::vector<char> buf_;
    std::string long_head_;
    const char* block_ = nullptr;   // rest of the block libarchive handed out
    std::size_t block_left_ = 0;
    std::size_t begin_ = 0, end_ = 0;
    std::size_t max_line_;
    bool eof_ = false;
    bool hold_partial_ = false;
    std::uint64_t held_back_ = 0;
    bool too_long_ = false;
    std::uint64_t line_no_ = 0;
    std::uint64_t offset_ = 0;
    bool had_cr_ = false;
    std::unique_ptr<sha256_ctx> sha_; // set while hashing the consumed content
    std::size_t hashed_ = 0;          // buf_[0, hashed_) is hashed or was skipped
    /// standard input read by poll(2) + read(2), calling the idle function (the follow mode)
    struct StdinWait;
    std::unique_ptr<StdinWait> wait_;
};

} // namespace mxtrace
