// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/read/input.hpp"

#include "mxtrace/base/error.hpp"
#include "read/archive_api.hpp"

#include <nettle/sha2.h>
#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>
#include <fmt/format.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mxtrace {

namespace {
/// True if `head` starts with the magic number of a compression libarchive reads for us
/// (gzip, compress, bzip2, xz, lzma, lzip, zstd, lz4).
bool looks_compressed(std::string_view head) {
    auto starts = [&](std::string_view magic) { return head.starts_with(magic); };
    using namespace std::string_view_literals;
    return starts("\x1f\x8b"sv) || starts("\x1f\x9d"sv) || starts("BZh"sv) || starts("\xfd" "7zXZ\0"sv) ||
           starts("\x5d\0\0"sv) || starts("LZIP"sv) || starts("\x28\xb5\x2f\xfd"sv) || starts("\x04\x22\x4d\x18"sv);
}
} // namespace

/// One streaming decompressor fed from fd_. step() consumes from [in, in+in_left) and writes to
/// [out, out+out_left), advancing both; it hands out every byte it could decode, so the lines
/// before a truncation or a damaged spot are kept (libarchive drops its last output buffer).
struct LineReader::Decoder {
    enum class Step { more, stream_end, error };
    virtual ~Decoder() = default;
    virtual Step step(const char*& in, std::size_t& in_left, char*& out, std::size_t& out_left) = 0;
    /// After stream_end: ready for a further stream concatenated to the first.
    virtual void restart() = 0;
    virtual const char* name() const = 0;
    std::string msg; // after Step::error
};

namespace {
struct GzipDecoder final : LineReader::Decoder {
    z_stream z{};
    GzipDecoder() {
        if (inflateInit2(&z, 15 + 16) != Z_OK) throw Error(ExitCode::internal, "zlib: inflateInit2 failed");
    }
    ~GzipDecoder() override { inflateEnd(&z); }
    Step step(const char*& in, std::size_t& in_left, char*& out, std::size_t& out_left) override {
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in));
        z.avail_in = static_cast<uInt>(std::min<std::size_t>(in_left, 1u << 30));
        z.next_out = reinterpret_cast<Bytef*>(out);
        z.avail_out = static_cast<uInt>(std::min<std::size_t>(out_left, 1u << 30));
        const uInt in0 = z.avail_in, out0 = z.avail_out;
        const int r = inflate(&z, Z_NO_FLUSH);
        in += in0 - z.avail_in;
        in_left -= in0 - z.avail_in;
        out += out0 - z.avail_out;
        out_left -= out0 - z.avail_out;
        if (r == Z_STREAM_END) return Step::stream_end;
        if (r == Z_OK || r == Z_BUF_ERROR) return Step::more;
        msg = z.msg ? z.msg : "zlib error";
        return Step::error;
    }
    void restart() override { inflateReset(&z); }
    const char* name() const override { return "gzip"; }
};

struct Bzip2Decoder final : LineReader::Decoder {
    bz_stream z{};
    Bzip2Decoder() { init(); }
    void init() {
        z = bz_stream{};
        if (BZ2_bzDecompressInit(&z, 0, 0) != BZ_OK) throw Error(ExitCode::internal, "bzip2: BZ2_bzDecompressInit failed");
    }
    ~Bzip2Decoder() override { BZ2_bzDecompressEnd(&z); }
    Step step(const char*& in, std::size_t& in_left, char*& out, std::size_t& out_left) override {
        z.next_in = const_cast<char*>(in);
        z.avail_in = static_cast<unsigned>(std::min<std::size_t>(in_left, 1u << 30));
        z.next_out = out;
        z.avail_out = static_cast<unsigned>(std::min<std::size_t>(out_left, 1u << 30));
        const unsigned in0 = z.avail_in, out0 = z.avail_out;
        const int r = BZ2_bzDecompress(&z);
        in += in0 - z.avail_in;
        in_left -= in0 - z.avail_in;
        out += out0 - z.avail_out;
        out_left -= out0 - z.avail_out;
        if (r == BZ_STREAM_END) return Step::stream_end;
        if (r == BZ_OK) return Step::more;
        msg = fmt::format("bzip2 error {}", r);
        return Step::error;
    }
    void restart() override {
        BZ2_bzDecompressEnd(&z);
        init();
    }
    const char* name() const override { return "bzip2"; }
};

struct XzDecoder final : LineReader::Decoder {
    lzma_stream z = LZMA_STREAM_INIT;
    XzDecoder() { init(); }
    void init() {
        if (lzma_stream_decoder(&z, UINT64_MAX, 0) != LZMA_OK) throw Error(ExitCode::internal, "xz: lzma_stream_decoder failed");
    }
    ~XzDecoder() override { lzma_end(&z); }
    Step step(const char*& in, std::size_t& in_left, char*& out, std::size_t& out_left) override {
        z.next_in = reinterpret_cast<const std::uint8_t*>(in);
        z.avail_in = in_left;
        z.next_out = reinterpret_cast<std::uint8_t*>(out);
        z.avail_out = out_left;
        const lzma_ret r = lzma_code(&z, LZMA_RUN);
        in += in_left - z.avail_in;
        in_left = z.avail_in;
        out += out_left - z.avail_out;
        out_left = z.avail_out;
        if (r == LZMA_STREAM_END) return Step::stream_end;
        if (r == LZMA_OK || r == LZMA_BUF_ERROR) return Step::more;
        msg = fmt::format("xz error {}", static_cast<int>(r));
        return Step::error;
    }
    void restart() override {
        lzma_end(&z);
        z = LZMA_STREAM_INIT;
        init();
    }
    const char* name() const override { return "xz"; }
};

struct ZstdDecoder final : LineReader::Decoder {
    ZSTD_DStream* z = ZSTD_createDStream();
    ZstdDecoder() {
        if (!z) throw Error(ExitCode::internal, "zstd: ZSTD_createDStream failed");
    }
    ~ZstdDecoder() override { ZSTD_freeDStream(z); }
    Step step(const char*& in, std::size_t& in_left, char*& out, std::size_t& out_left) override {
        ZSTD_inBuffer ib{in, in_left, 0};
        ZSTD_outBuffer ob{out, out_left, 0};
        const std::size_t r = ZSTD_decompressStream(z, &ob, &ib);
        in += ib.pos;
        in_left -= ib.pos;
        out += ob.pos;
        out_left -= ob.pos;
        if (ZSTD_isError(r)) {
            msg = ZSTD_getErrorName(r);
            return Step::error;
        }
        return r == 0 ? Step::stream_end : Step::more; // 0: a frame is complete and flushed
    }
    void restart() override {} // the next frame follows in the same stream
    const char* name() const override { return "zstd"; }
};
} // namespace

struct LineReader::StdinWait {
    std::function<bool()> idle;
    std::vector<char> block = std::vector<char>(1 << 16);
    bool stopped = false;

    /// libarchive's read callback: what standard input has now; waits with poll(2) in steps of
    /// 250 ms, calling `idle` before each wait; 0 (the end) once `idle` says stop.
    static la_ssize_t read(archive* a, void* self, const void** out) {
        auto& w = *static_cast<StdinWait*>(self);
        *out = w.block.data();
        if (w.stopped) return 0;
        int timeout = 0;
        for (;;) {
            pollfd p{0, POLLIN, 0};
            const int r = ::poll(&p, 1, timeout);
            if (r > 0) {
                const ssize_t n = ::read(0, w.block.data(), w.block.size());
                if (n >= 0) return n;
                if (errno != EINTR && errno != EAGAIN) {
                    detail::archive_api().set_error(a, errno, "%s", std::strerror(errno));
                    return -1;
                }
            } else if (r < 0 && errno != EINTR) {
                detail::archive_api().set_error(a, errno, "%s", std::strerror(errno));
                return -1;
            }
            if (!w.idle()) {
                w.stopped = true;
                return 0;
            }
            timeout = 250;
        }
    }
};

LineReader::LineReader(std::string path, std::function<bool()> idle, std::size_t max_line)
    : path_(std::move(path)), max_line_(max_line) {
    if (path_ == "-" && idle) {
        wait_ = std::make_unique<StdinWait>();
        wait_->idle = std::move(idle);
    }
    open();
}

LineReader::LineReader(std::string path, std::size_t max_line) : path_(std::move(path)), max_line_(max_line) { open(); }

void LineReader::open() {
    buf_.resize(std::max<std::size_t>(max_line_ + 1, 1 << 16) + (1 << 16));
    if (path_ != "-") {
        // Plain files are read with read(2) (faster, and skip() can seek); compressed ones and
        // everything else go through libarchive.
        fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0)
            throw Error(ExitCode::usage, fmt::format("cannot read {}: {}", path_, std::strerror(errno)),
                        "check that the file exists, is readable, and is a log file (plain or compressed)");
        struct stat st{};
        char head[8] = {};
        ssize_t n = 0;
        if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) n = ::pread(fd_, head, sizeof head, 0);
        if (S_ISREG(st.st_mode) && n >= 0 && !looks_compressed(std::string_view(head, static_cast<std::size_t>(n)))) {
            plain_ = true;
            return;
        }
        if (S_ISREG(st.st_mode) && n >= 0) {
            // the usual compressions of rotated logs: the library directly, which hands out
            // every byte it could decompress before a truncation or corruption
            const std::string_view h(head, static_cast<std::size_t>(n));
            using namespace std::string_view_literals;
            if (h.starts_with("\x1f\x8b"sv)) dec_ = std::make_unique<GzipDecoder>();
            else if (h.starts_with("BZh"sv)) dec_ = std::make_unique<Bzip2Decoder>();
            else if (h.starts_with("\xfd" "7zXZ\0"sv)) dec_ = std::make_unique<XzDecoder>();
            else if (h.starts_with("\x28\xb5\x2f\xfd"sv)) dec_ = std::make_unique<ZstdDecoder>();
            if (dec_) {
                dec_in_.resize(1 << 16);
                return;
            }
        }
        // anything else (a named pipe, a character device, another compression) goes to
        // libarchive on this same descriptor: a FIFO is opened once and read once
    }
    const detail::ArchiveApi& la = detail::archive_api(); // loaded now, not at start-up
    ar_ = la.read_new();
    // The compressions a log is found in. Not filter_all: its uuencode bidder reads up to
    // 128 KiB ahead before the first line can be returned, which stalls pipes and FIFOs.
    la.support_filter_gzip(ar_);
    la.support_filter_bzip2(ar_);
    la.support_filter_xz(ar_);
    la.support_filter_lzma(ar_);
    la.support_filter_lzip(ar_);
    la.support_filter_zstd(ar_);
    la.support_filter_lz4(ar_);
    la.support_filter_compress(ar_);
    la.support_format_raw(ar_);
    la.support_format_empty(ar_);
    int r = wait_ ? la.read_open(ar_, wait_.get(), nullptr, &StdinWait::read, nullptr)
                  : la.read_open_fd(ar_, path_ == "-" ? 0 : fd_, 1 << 16); // does not close the fd
    archive_entry* entry = nullptr;
    if (r == ARCHIVE_OK) r = la.read_next_header(ar_, &entry);
    if (r == ARCHIVE_EOF) {
        eof_ = true;
    } else if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
        std::string msg = la.error_string(ar_) ? la.error_string(ar_) : "unknown error";
        la.read_free(ar_);
        ar_ = nullptr;
        throw Error(ExitCode::usage, fmt::format("cannot read {}: {}", path_ == "-" ? "standard input" : path_, msg),
                    "check that the file exists, is readable, and is a log file (plain or compressed)");
    }
}

namespace {
constexpr std::size_t kShaStateBytes = 8 * 4 + 8 + 4 + SHA256_BLOCK_SIZE;
constexpr char kHexDigits[] = "0123456789abcdef";
} // namespace

void LineReader::hash_consumed() {
    if (sha_ && begin_ > hashed_)
        sha256_update(sha_.get(), begin_ - hashed_, reinterpret_cast<const std::uint8_t*>(buf_.data() + hashed_));
    hashed_ = begin_;
}

bool LineReader::hash_content(std::string_view state) {
    hashed_ = begin_;
    auto ctx = std::make_unique<sha256_ctx>();
    sha256_init(ctx.get());
    if (!state.empty()) {
        // little-endian: state[8] (u32), count (u64, blocks), index (u32), block[64]
        if (state.size() != kShaStateBytes) return false;
        auto u = [&](std::size_t at, int n) {
            std::uint64_t v = 0;
            for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(state[at + static_cast<std::size_t>(i)]);
            return v;
        };
        for (std::size_t i = 0; i < 8; ++i) ctx->state[i] = static_cast<std::uint32_t>(u(4 * i, 4));
        ctx->count = u(32, 8);
        ctx->index = static_cast<unsigned>(u(40, 4));
        if (ctx->index >= SHA256_BLOCK_SIZE) return false;
        std::memcpy(ctx->block, state.data() + 44, SHA256_BLOCK_SIZE);
    }
    sha_ = std::move(ctx);
    return true;
}

std::string LineReader::content_hash_state() {
    if (!sha_) return {};
    hash_consumed();
    std::string out;
    out.reserve(kShaStateBytes);
    auto put = [&](std::uint64_t v, int n) {
        for (int i = 0; i < n; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
    };
    for (std::uint32_t w : sha_->state) put(w, 4);
    put(sha_->count, 8);
    put(sha_->index, 4);
    // only the block's first `index` bytes are pending input; the rest are left over from an
    // earlier block and are saved as zeros, so the state depends on the content alone (not on
    // where the commits fell)
    out.append(reinterpret_cast<const char*>(sha_->block), sha_->index);
    out.append(SHA256_BLOCK_SIZE - sha_->index, '\0');
    return out;
}

std::string LineReader::content_sha256() {
    if (!sha_) return {};
    hash_consumed();
    sha256_ctx copy = *sha_; // sha256_digest resets the context it is given
    std::uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(&copy, sizeof d, d);
    std::string hex;
    for (std::uint8_t b : d) {
        hex += kHexDigits[b >> 4];
        hex += kHexDigits[b & 15];
    }
    return hex;
}

LineReader::~LineReader() {
    if (ar_) detail::archive_api().read_free(ar_);
    if (fd_ >= 0) ::close(fd_);
}

bool LineReader::compressed() const {
    return dec_ || (ar_ && detail::archive_api().filter_count(ar_) > 1); // "none" counts as one filter
}

std::size_t LineReader::read_decoded(char* to, std::size_t n) {
    char* out = to;
    std::size_t out_left = n;
    while (out_left > 0) {
        if (dec_in_left_ == 0) {
            const std::size_t got = read_plain(dec_in_.data(), dec_in_.size());
            dec_raw_ += got;
            if (got == 0) {
                eof_ = true;
                if (dec_done_) break; // clean end after a complete stream
                dec_error_ = fmt::format("truncated {} input (unexpected end of file)", dec_->name());
                break;
            }
            dec_in_pos_ = 0;
            dec_in_left_ = got;
        }
        dec_done_ = false;
        const char* in = dec_in_.data() + dec_in_pos_;
        const char* in0 = in;
        char* out0 = out;
        const Decoder::Step r = dec_->step(in, dec_in_left_, out, out_left);
        dec_in_pos_ += static_cast<std::size_t>(in - in0);
        if (r == Decoder::Step::stream_end) {
            // another stream may follow (concatenated files)
            dec_done_ = true;
            dec_->restart();
        } else if (r == Decoder::Step::error) {
            dec_error_ = fmt::format("corrupt {} data ({})", dec_->name(), dec_->msg);
            eof_ = true;
            break;
        } else if (in == in0 && out == out0 && dec_in_left_ > 0) {
            dec_error_ = fmt::format("corrupt {} data (the decoder makes no progress)", dec_->name());
            eof_ = true;
            break;
        }
    }
    return n - out_left;
}

std::size_t LineReader::read_plain(char* to, std::size_t n) {
    for (;;) {
        ssize_t r = ::read(fd_, to, n);
        if (r >= 0) return static_cast<std::size_t>(r);
        if (errno == EINTR) continue;
        throw Error(ExitCode::usage, fmt::format("{}: cannot read past line {}: {}", path_, line_no_, std::strerror(errno)),
                    "check the file and the disk; the lines before this point were read");
    }
}

std::string_view LineReader::peek(std::size_t n) {
    while (end_ - begin_ < n && fill()) {
    }
    return std::string_view(buf_.data() + begin_, std::min(n, end_ - begin_));
}

std::uint64_t LineReader::skip(std::uint64_t n, std::uint64_t lines) {
    std::uint64_t done = 0;
    if (plain_) {
        // what is buffered, then a seek, bounded by the file's size
        done = std::min<std::uint64_t>(n, end_ - begin_);
        begin_ += done;
        hashed_ = begin_;
        if (done < n) {
            struct stat st{};
            const off_t pos = ::lseek(fd_, 0, SEEK_CUR);
            if (::fstat(fd_, &st) == 0 && pos >= 0) {
                const std::uint64_t left = static_cast<std::uint64_t>(std::max<off_t>(0, st.st_size - pos));
                const std::uint64_t k = std::min(n - done, left);
                ::lseek(fd_, static_cast<off_t>(k), SEEK_CUR);
                done += k;
            }
        }
        offset_ += done;
        if (done == n) line_no_ += lines;
        return done;
    }
    while (done < n) {
        if (begin_ == end_ && !fill()) break;
        std::uint64_t k = std::min<std::uint64_t>(n - done, end_ - begin_);
        begin_ += k;
        done += k;
        if (begin_ == end_) begin_ = end_ = 0;
        hashed_ = begin_;
    }
    offset_ += done;
    if (done == n) line_no_ += lines;
    return done;
}

std::uint64_t LineReader::raw_bytes_read() const {
    if (plain_) return offset_ + (end_ - begin_);
    if (dec_) return dec_raw_;
    return ar_ ? static_cast<std::uint64_t>(detail::archive_api().filter_bytes(ar_, -1)) : 0;
}

bool LineReader::fill() {
    if (eof_) {
        if (!dec_error_.empty() && begin_ == end_) {
            // the lines decompressed before the damage have been handed out: say where it stopped
            std::string what = std::move(dec_error_);
            dec_error_.clear();
            throw Error(ExitCode::usage, fmt::format("{}: {} after line {}", path_, what, line_no_),
                        "the compressed file is cut short or damaged; the lines up to that point were read");
        }
        return false;
    }
    if (begin_ > 0) {
        hash_consumed();
        std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
        hashed_ = 0;
    }
    if (end_ == buf_.size()) return false;
    if (plain_) {
        const std::size_t n = read_plain(buf_.data() + end_, buf_.size() - end_);
        if (n == 0) {
            eof_ = true;
            return false;
        }
        end_ += n;
        return true;
    }
    if (dec_) {
        const std::size_t n = read_decoded(buf_.data() + end_, buf_.size() - end_);
        end_ += n;
        return n > 0 || fill(); // fill() reports a damage found at the end
    }
    // archive_read_data() would wait until the whole request is filled, which stalls on a pipe:
    // take what the next block holds instead.
    if (block_left_ == 0) {
        const void* block = nullptr;
        size_t size = 0;
        la_int64_t off = 0;
        const detail::ArchiveApi& la = detail::archive_api();
        int r = la.read_data_block(ar_, &block, &size, &off);
        if (r == ARCHIVE_EOF) {
            eof_ = true;
            return false;
        }
        if (r < ARCHIVE_WARN) {
            std::string msg = la.error_string(ar_) ? la.error_string(ar_) : "unknown error";
            eof_ = true;
            throw Error(ExitCode::usage,
                        fmt::format("{}: cannot read past line {}: {}", path_ == "-" ? "standard input" : path_,
                                    line_no_, msg),
                        "the compressed file is truncated or corrupt; the lines before this point were read");
        }
        block_ = static_cast<const char*>(block);
        block_left_ = size;
        if (size == 0) return fill();
    }
    const std::size_t n = std::min(block_left_, buf_.size() - end_);
    std::memcpy(buf_.data() + end_, block_, n);
    block_ += n;
    block_left_ -= n;
    end_ += n;
    return true;
}

bool LineReader::next(std::string_view& line) {
    too_long_ = false;
    had_cr_ = false;
    for (;;) {
        const char* start = buf_.data() + begin_;
        const void* nl = std::memchr(start, '\n', end_ - begin_);
        if (nl) {
            std::size_t len = static_cast<std::size_t>(static_cast<const char*>(nl) - start);
            line = std::string_view(start, std::min(len, max_line_));
            too_long_ = len > max_line_;
            begin_ += len + 1;
            offset_ += len + 1;
            ++line_no_;
            if (!line.empty() && line.back() == '\r') {
                line.remove_suffix(1);
                had_cr_ = true;
            }
            return true;
        }
        if (end_ - begin_ > max_line_) {
            // cut the line; skip its rest up to the next newline
            line = std::string_view(start, max_line_);
            std::uint64_t skipped = end_ - begin_;
            too_long_ = true;
            ++line_no_;
            long_head_.assign(line);
            begin_ = end_;
            hash_consumed(); // the whole line is consumed, also the part not returned
            begin_ = end_ = hashed_ = 0;
            for (;;) {
                if (!fill()) break;
                const void* p = std::memchr(buf_.data(), '\n', end_);
                if (p) {
                    std::size_t k = static_cast<std::size_t>(static_cast<const char*>(p) - buf_.data());
                    skipped += k + 1;
                    begin_ = k + 1;
                    break;
                }
                skipped += end_;
                begin_ = end_;
                hash_consumed();
                begin_ = end_ = hashed_ = 0;
            }
            offset_ += skipped;
            line = long_head_;
            return true;
        }
        if (!fill()) {
            if (end_ > begin_ && eof_ && !dec_error_.empty()) {
                // the cut-off end of a damaged file is no line: drop it, then report the damage
                begin_ = end_;
                hashed_ = begin_; // not consumed: not hashed
                fill();
            }
            if (end_ > begin_ && eof_ && hold_partial_) {
                held_back_ = end_ - begin_;
                return false;
            }
            if (end_ > begin_ && eof_) {
                // last line without a newline
                line = std::string_view(buf_.data() + begin_, end_ - begin_);
                offset_ += end_ - begin_;
                begin_ = end_;
                ++line_no_;
                if (!line.empty() && line.back() == '\r') {
                    line.remove_suffix(1);
                    had_cr_ = true;
                }
                return true;
            }
            return false;
        }
    }
}

} // namespace mxtrace
