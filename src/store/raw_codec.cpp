// SPDX-License-Identifier: GPL-3.0-or-later
// Raw-line blobs (txn_raw.data). Records, in order, each: varint input ID, varint line number,
// zig-zag varint of the time minus the previous record's (the first of a segment: minus 0),
// varint length, the bytes.
//
// Format 1 (read only): byte 1, then the records as one zlib stream (RFC 1950, level 1, 8 KiB
// window) with the preset dictionary kRawDict below.
//
// Format 2: byte 2, then a header of varints: segment count; the largest line key (zig-zag time,
// input, line number); the number of line ranges, then each (input, smallest line number, largest
// line number); then the segments, each: record bytes, line count, compressed bytes, and one
// zstd frame (RFC 8878, checksum on, content size on, no dictionary ID) of records compressed
// with kRawDict as a raw-content dictionary. A transaction's lines are short (~0.9 KB), so a
// frame has little history of its own: the dictionary gives it the fragments all MTA lines share.
// It is part of both formats: never change it without a new format byte (and keep the old one
// readable).
#include "store/raw_codec.hpp"

#include "mxtrace/base/error.hpp"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <tuple>

namespace mxtrace {

namespace {

// Level 1 with an 8 KiB window and a small hash table (format 1 only).
constexpr int kRawZlibLevel = 1;
constexpr int kRawZlibWindowBits = 13;
constexpr int kRawZlibMemLevel = 5;
// zstd level of format 2 (levels 1-3 differ by ~1% in size on these blocks; 1 is the fastest).
constexpr int kRawZstdLevel = 1;

constexpr std::string_view kRawDict =
    " sm-mta[: from=<, size=, class=0, nrcpts=, msgid=<, proto=ESMTP, daemon=MTA, relay=: to=<, delay=00:00:, "
    "xdelay=00:00:, mailer=esmtp, pri=, dsn=2.0.0, stat=Sent (Ok: queued as "
    " postfix/smtpd[: client=, sasl_method=, sasl_username= postfix/cleanup[: message-id=< postfix/qmgr[: from=<, "
    "size=, nrcpt=1 (queue active) postfix/smtp[: to=<, orig_to=<, relay=, delay=, delays=, dsn=2.0.0, status=sent "
    "(250 2.0.0 Ok: queued as  postfix/lmtp[ postfix/local[ postfix/bounce[: sender non-delivery notification: "
    ", status=deferred (connect to [: Connection timed out), status=bounced (host  said: 550 5.1.1 User unknown "
    "(in reply to RCPT TO command) postfix/qmgr[: removed";

Error damaged(std::string_view what) {
    return Error(ExitCode::damaged, "the stored raw lines of a transaction are damaged (" + std::string(what) + ")",
                 "run mxtrace check --full to see what is damaged, then mxtrace repair (it drops lines that cannot be "
                 "read; mxtrace index --full FILE... reads them again)");
}

void put_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out += static_cast<char>((v & 0x7f) | 0x80);
        v >>= 7;
    }
    out += static_cast<char>(v);
}

bool get_varint(std::string_view& in, std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
        auto b = static_cast<unsigned char>(in.front());
        in.remove_prefix(1);
        v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
        if (!(b & 0x80)) return true;
    }
    return false;
}

std::uint64_t zigzag(std::int64_t d) { return (static_cast<std::uint64_t>(d) << 1) ^ static_cast<std::uint64_t>(d >> 63); }
std::int64_t unzigzag(std::uint64_t z) { return static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1)); }

/// The uncompressed records of `lines`, the time deltas starting from 0.
std::string records(const std::vector<RawLine>& lines) {
    std::string rec;
    std::size_t total = 0;
    for (const auto& l : lines) total += l.text.size() + 16;
    rec.reserve(total);
    Micros prev = 0;
    for (const auto& l : lines) {
        put_varint(rec, static_cast<std::uint64_t>(l.input));
        put_varint(rec, l.line);
        put_varint(rec, zigzag(l.time - prev));
        prev = l.time;
        put_varint(rec, l.text.size());
        rec += l.text;
    }
    return rec;
}

/// Appends the lines of the records `in` to `out`; false if they are damaged.
bool parse_records(std::string_view in, std::vector<RawLine>& out) {
    Micros prev = 0;
    while (!in.empty()) {
        std::uint64_t input, line, zz, n;
        if (!get_varint(in, input) || !get_varint(in, line) || !get_varint(in, zz) || !get_varint(in, n) || n > in.size())
            return false;
        prev += unzigzag(zz);
        out.push_back(RawLine{static_cast<std::int64_t>(input), line, prev, std::string(in.substr(0, n))});
        in.remove_prefix(n);
    }
    return true;
}

/// Line numbers of one input present in a blob (a superset: the smallest and largest).
struct Range {
    std::int64_t input;
    std::uint64_t lo, hi;
};

/// The header of a format 2 blob.
struct Header {
    std::uint64_t segments = 0;
    Micros last_time = 0;
    std::int64_t last_input = 0;
    std::uint64_t last_line = 0;
    std::vector<Range> ranges;

    /// Reads the header from `in` (after the format byte), leaving `in` at the first segment.
    void read(std::string_view& in) {
        std::uint64_t zt, li, n;
        if (!get_varint(in, segments) || !get_varint(in, zt) || !get_varint(in, li) || !get_varint(in, last_line) ||
            !get_varint(in, n) || segments == 0 || n > in.size())
            throw damaged("bad header");
        last_time = unzigzag(zt);
        last_input = static_cast<std::int64_t>(li);
        ranges.resize(n);
        for (auto& r : ranges) {
            std::uint64_t input;
            if (!get_varint(in, input) || !get_varint(in, r.lo) || !get_varint(in, r.hi)) throw damaged("bad header");
            r.input = static_cast<std::int64_t>(input);
        }
    }
    void write(std::string& out) const {
        out += kRawFormatZstdSegments;
        put_varint(out, segments);
        put_varint(out, zigzag(last_time));
        put_varint(out, static_cast<std::uint64_t>(last_input));
        put_varint(out, last_line);
        put_varint(out, ranges.size());
        for (const auto& r : ranges) {
            put_varint(out, static_cast<std::uint64_t>(r.input));
            put_varint(out, r.lo);
            put_varint(out, r.hi);
        }
    }
    /// Takes in `lines` (normalised: the last one has the largest key).
    void add(const std::vector<RawLine>& lines) {
        if (lines.empty()) return;
        const auto& last = lines.back();
        last_time = last.time;
        last_input = last.input;
        last_line = last.line;
        for (const auto& l : lines) {
            auto it = std::find_if(ranges.begin(), ranges.end(), [&](const Range& r) { return r.input == l.input; });
            if (it == ranges.end()) ranges.push_back(Range{l.input, l.line, l.line});
            else {
                it->lo = std::min(it->lo, l.line);
                it->hi = std::max(it->hi, l.line);
            }
        }
    }
};

} // namespace

struct RawCodec::Impl {
    ZSTD_CCtx* cctx = nullptr;
    ZSTD_CDict* cdict = nullptr;
    ZSTD_DCtx* dctx = nullptr;
    ZSTD_DDict* ddict = nullptr;
    z_stream def{}, inf{};
    bool def_ok = false, inf_ok = false;
    std::string scratch; // records being encoded or decoded

    ~Impl() {
        ZSTD_freeCCtx(cctx);
        ZSTD_freeCDict(cdict);
        ZSTD_freeDCtx(dctx);
        ZSTD_freeDDict(ddict);
        if (def_ok) deflateEnd(&def);
        if (inf_ok) inflateEnd(&inf);
    }

    /// Appends one segment (record bytes, line count, compressed bytes, the zstd frame) of `rec`.
    void put_segment(std::string_view rec, std::size_t nlines, std::string& out) {
        if (!cctx) {
            cctx = ZSTD_createCCtx();
            cdict = ZSTD_createCDict(kRawDict.data(), kRawDict.size(), kRawZstdLevel);
            if (!cctx || !cdict || ZSTD_isError(ZSTD_CCtx_refCDict(cctx, cdict)) ||
                ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)) ||
                ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1)) ||
                ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_dictIDFlag, 0)))
                throw Error(ExitCode::internal, "zstd: cannot create a compression context");
        }
        std::string frame(ZSTD_compressBound(rec.size()), '\0');
        const std::size_t n = ZSTD_compress2(cctx, frame.data(), frame.size(), rec.data(), rec.size());
        if (ZSTD_isError(n))
            throw Error(ExitCode::internal, std::string("zstd: cannot compress the raw lines of a transaction: ") + ZSTD_getErrorName(n));
        put_varint(out, rec.size());
        put_varint(out, nlines);
        put_varint(out, n);
        out.append(frame.data(), n);
    }

    /// Decompresses one zstd frame of exactly `size` bytes into scratch; false if it is damaged.
    bool unzstd(std::string_view frame, std::size_t size) {
        if (!dctx) {
            dctx = ZSTD_createDCtx();
            ddict = ZSTD_createDDict(kRawDict.data(), kRawDict.size());
            if (!dctx || !ddict) throw Error(ExitCode::internal, "zstd: cannot create a decompression context");
        }
        scratch.resize(size);
        const std::size_t n = ZSTD_decompress_usingDDict(dctx, scratch.data(), size, frame.data(), frame.size(), ddict);
        return !ZSTD_isError(n) && n == size;
    }

    /// Decompresses a format 1 zlib stream of exactly `size` bytes into scratch; false if damaged.
    bool unzlib(std::string_view in, std::size_t size) {
        if (!inf_ok) {
            if (inflateInit(&inf) != Z_OK) throw Error(ExitCode::internal, "zlib: inflateInit failed");
            inf_ok = true;
        } else if (inflateReset(&inf) != Z_OK) {
            return false;
        }
        scratch.assign(size, '\0');
        inf.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        inf.avail_in = static_cast<uInt>(in.size());
        inf.next_out = reinterpret_cast<Bytef*>(scratch.data());
        inf.avail_out = static_cast<uInt>(size);
        int r = inflate(&inf, Z_FINISH);
        if (r == Z_NEED_DICT) {
            if (inflateSetDictionary(&inf, reinterpret_cast<const Bytef*>(kRawDict.data()), static_cast<uInt>(kRawDict.size())) != Z_OK)
                return false;
            r = inflate(&inf, Z_FINISH);
        }
        return r == Z_STREAM_END && inf.avail_out == 0 && inf.avail_in == 0;
    }
};

RawCodec::RawCodec() : impl_(std::make_unique<Impl>()) {}
RawCodec::~RawCodec() = default;

std::string RawCodec::encode(const std::vector<RawLine>& lines, std::uint64_t& size) {
    Header h;
    h.segments = 1;
    h.add(lines);
    std::string out;
    h.write(out);
    const std::string rec = records(lines);
    size = rec.size();
    impl_->put_segment(rec, lines.size(), out);
    return out;
}

bool RawCodec::try_append(std::string_view blob, const std::vector<RawLine>& fresh, std::string& out, std::uint64_t& added) {
    if (blob.empty() || blob[0] != kRawFormatZstdSegments || fresh.empty()) return false;
    std::string_view in = blob.substr(1);
    Header h;
    h.read(in);
    if (h.segments >= kMaxSegments) return false;
    const RawLine& first = fresh.front();
    if (std::tie(first.time, first.input, first.line) <= std::tie(h.last_time, h.last_input, h.last_line)) return false;
    for (const auto& l : fresh)
        for (const auto& r : h.ranges)
            if (r.input == l.input && l.line >= r.lo && l.line <= r.hi) return false; // maybe stored: merge
    ++h.segments;
    h.add(fresh);
    out.clear();
    h.write(out);
    out.append(in); // the stored segments, unchanged
    const std::string rec = records(fresh);
    added = rec.size();
    impl_->put_segment(rec, fresh.size(), out);
    return true;
}

void RawCodec::decode(std::string_view blob, std::uint64_t size, std::vector<RawLine>& out) {
    if (blob.empty()) throw damaged("empty");
    if (size > (std::uint64_t{1} << 31)) throw damaged("impossible size");
    if (blob[0] == kRawFormatZlibDict1) {
        if (!impl_->unzlib(blob.substr(1), static_cast<std::size_t>(size))) throw damaged("zlib stream");
        if (!parse_records(impl_->scratch, out)) throw damaged("records");
        return;
    }
    if (blob[0] != kRawFormatZstdSegments) throw damaged("unknown format " + std::to_string(static_cast<unsigned char>(blob[0])));
    std::string_view in = blob.substr(1);
    Header h;
    h.read(in);
    std::uint64_t total = 0;
    for (std::uint64_t s = 0; s < h.segments; ++s) {
        std::uint64_t rec_size, nlines, clen;
        if (!get_varint(in, rec_size) || !get_varint(in, nlines) || !get_varint(in, clen) || clen > in.size() ||
            rec_size > size - total)
            throw damaged("bad segment");
        if (!impl_->unzstd(in.substr(0, clen), static_cast<std::size_t>(rec_size))) throw damaged("zstd frame");
        const std::size_t before = out.size();
        if (!parse_records(impl_->scratch, out) || out.size() - before != nlines) throw damaged("records");
        in.remove_prefix(clen);
        total += rec_size;
    }
    if (!in.empty() || total != size) throw damaged("length");
}

std::string RawCodec::encode_v1(const std::vector<RawLine>& lines, std::uint64_t& size) {
    Impl& m = *impl_;
    const std::string rec = records(lines);
    size = rec.size();
    if (!m.def_ok) {
        if (deflateInit2(&m.def, kRawZlibLevel, Z_DEFLATED, kRawZlibWindowBits, kRawZlibMemLevel, Z_DEFAULT_STRATEGY) != Z_OK)
            throw Error(ExitCode::internal, "zlib: deflateInit2 failed");
        m.def_ok = true;
    } else if (deflateReset(&m.def) != Z_OK) {
        throw Error(ExitCode::internal, "zlib: deflateReset failed");
    }
    if (deflateSetDictionary(&m.def, reinterpret_cast<const Bytef*>(kRawDict.data()), static_cast<uInt>(kRawDict.size())) != Z_OK)
        throw Error(ExitCode::internal, "zlib: deflateSetDictionary failed");
    std::string out(1, kRawFormatZlibDict1);
    out.resize(1 + deflateBound(&m.def, static_cast<uLong>(rec.size())));
    m.def.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(rec.data()));
    m.def.avail_in = static_cast<uInt>(rec.size());
    m.def.next_out = reinterpret_cast<Bytef*>(out.data() + 1);
    m.def.avail_out = static_cast<uInt>(out.size() - 1);
    if (deflate(&m.def, Z_FINISH) != Z_STREAM_END) throw Error(ExitCode::internal, "zlib: cannot compress raw lines");
    out.resize(out.size() - m.def.avail_out);
    return out;
}

void normalise_raw(std::vector<RawLine>& lines) {
    auto by_id = [](const RawLine& a, const RawLine& b) { return std::tie(a.input, a.line) < std::tie(b.input, b.line); };
    std::stable_sort(lines.begin(), lines.end(), by_id);
    // keep the last of each run of equal IDs
    std::size_t w = 0;
    for (std::size_t r = 0; r < lines.size(); ++r) {
        if (r + 1 < lines.size() && lines[r].input == lines[r + 1].input && lines[r].line == lines[r + 1].line) continue;
        if (w != r) lines[w] = std::move(lines[r]);
        ++w;
    }
    lines.resize(w);
    std::sort(lines.begin(), lines.end(), [](const RawLine& a, const RawLine& b) {
        return std::tie(a.time, a.input, a.line) < std::tie(b.time, b.input, b.line);
    });
}

} // namespace mxtrace
