// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Line identity in the writer (ARCHITECTURE.md "Line identity"): the counts of the batch that is
// not committed yet, and the spans of seconds that the committed seen_line rows cover per host
// and input. Store::seen asks SQLite only when a committed span of the line's host holds the
// line's second: reading a host's logs one after the other (the usual run) never does.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mxtrace::detail {

/// One count of the batch: input `input` (an `input` row ID) holds the line with UTC second
/// `sec` and line identity hash `hash` `n` times.
struct SeenRow {
    std::int64_t sec = 0;
    std::uint64_t hash = 0;
    std::int64_t input = 0;
    std::uint32_t n = 0;
    std::uint32_t next = 0; ///< 1 + index of the next row of the same (sec, hash); 0: none
};

/// The batch's counts: a flat vector of rows and an open-addressing index by (sec, hash), so a
/// mail line costs no allocation of its own (it replaced a std::map of vectors).
class SeenBatch {
public:
    /// Calls f(input, n) for every row of (sec, hash).
    template <class F>
    void for_key(std::int64_t sec, std::uint64_t hash, F&& f) const {
        for (std::uint32_t i = head(sec, hash); i; i = rows_[i - 1].next) f(rows_[i - 1].input, rows_[i - 1].n);
    }
    /// Sets the count of (sec, hash) in `input` to n, adding the row if it is new.
    void put(std::int64_t sec, std::uint64_t hash, std::int64_t input, std::uint32_t n);
    /// Drops every row of `input`.
    void forget(std::int64_t input);
    /// The rows ordered by (sec, hash, input): seen_line's key order, for writing.
    std::vector<SeenRow> sorted() const;
    bool empty() const { return rows_.empty(); }
    std::size_t size() const { return rows_.size(); }
    void clear();

private:
    static std::size_t mix(std::int64_t sec, std::uint64_t hash) {
        std::uint64_t x = hash ^ (static_cast<std::uint64_t>(sec) * 0x9E3779B97F4A7C15ull);
        x ^= x >> 29;
        return static_cast<std::size_t>(x);
    }
    /// 1 + index of the first row of (sec, hash), 0 if none.
    std::uint32_t head(std::int64_t sec, std::uint64_t hash) const;
    void rehash(std::size_t slots);

    std::vector<SeenRow> rows_;
    std::vector<std::uint32_t> slots_; // 1 + index of a key's first row; 0: empty (size: a power of two)
    std::size_t keys_ = 0;
};

/// The seconds [lo, hi] that the seen_line rows of input `input` for one host fall in.
struct SeenSpan {
    std::int64_t input = 0;
    std::int64_t lo = 0, hi = 0;
};

/// Spans by host. Host "" stands for every host: the spans made from seen_line alone (an index
/// from before the spans were kept has no host in its rows).
class SeenSpans {
public:
    /// True if a span of `host`, or of every host, holds `sec`.
    bool covers(std::string_view host, std::int64_t sec);
    /// Widens the span of (host, input) to hold [lo, hi] (adds it if new).
    void widen(std::string_view host, std::int64_t input, std::int64_t lo, std::int64_t hi);
    /// Calls f(host, span) for each span.
    template <class F>
    void for_each(F&& f) const {
        for (const auto& [host, spans] : by_host_)
            for (const auto& s : spans) f(std::string_view(host), s);
    }
    bool empty() const { return by_host_.empty(); }
    void clear();

private:
    std::vector<SeenSpan>* find(std::string_view host);

    std::unordered_map<std::string, std::vector<SeenSpan>> by_host_;
    std::vector<SeenSpan>* any_ = nullptr;  // the spans of host "", if any
    std::string last_host_;                 // the host asked about last, and its spans (node
    std::vector<SeenSpan>* last_ = nullptr; // addresses are stable); null: that host has none
    bool last_valid_ = false;
};

} // namespace mxtrace::detail
