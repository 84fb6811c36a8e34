// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/seen_lines.hpp"

#include <algorithm>
#include <tuple>

namespace mxtrace::detail {

std::uint32_t SeenBatch::head(std::int64_t sec, std::uint64_t hash) const {
    if (slots_.empty()) return 0;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = mix(sec, hash) & mask;; i = (i + 1) & mask) {
        const std::uint32_t s = slots_[i];
        if (!s) return 0;
        const SeenRow& r = rows_[s - 1];
        if (r.sec == sec && r.hash == hash) return s;
    }
}

void SeenBatch::rehash(std::size_t slots) {
    std::vector<std::uint32_t> old = std::move(slots_);
    slots_.assign(slots, 0);
    const std::size_t mask = slots - 1;
    for (std::uint32_t s : old) {
        if (!s) continue;
        const SeenRow& r = rows_[s - 1];
        std::size_t i = mix(r.sec, r.hash) & mask;
        while (slots_[i]) i = (i + 1) & mask;
        slots_[i] = s;
    }
}

void SeenBatch::put(std::int64_t sec, std::uint64_t hash, std::int64_t input, std::uint32_t n) {
    if ((keys_ + 1) * 2 > slots_.size()) rehash(std::max<std::size_t>(1024, slots_.size() * 2));
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = mix(sec, hash) & mask;
    for (; slots_[i]; i = (i + 1) & mask) {
        std::uint32_t s = slots_[i];
        if (rows_[s - 1].sec != sec || rows_[s - 1].hash != hash) continue;
        for (;;) { // the key is here: this input's row, or a new one at the chain's end
            SeenRow& r = rows_[s - 1];
            if (r.input == input) {
                r.n = n;
                return;
            }
            if (!r.next) break;
            s = r.next;
        }
        rows_.push_back(SeenRow{sec, hash, input, n, 0});
        rows_[s - 1].next = static_cast<std::uint32_t>(rows_.size());
        return;
    }
    rows_.push_back(SeenRow{sec, hash, input, n, 0});
    slots_[i] = static_cast<std::uint32_t>(rows_.size());
    ++keys_;
}

void SeenBatch::forget(std::int64_t input) {
    std::vector<SeenRow> keep;
    keep.reserve(rows_.size());
    for (const auto& r : rows_)
        if (r.input != input) keep.push_back(r);
    clear();
    for (const auto& r : keep) put(r.sec, r.hash, r.input, r.n);
}

std::vector<SeenRow> SeenBatch::sorted() const {
    std::vector<SeenRow> out(rows_);
    std::sort(out.begin(), out.end(), [](const SeenRow& a, const SeenRow& b) {
        return std::tie(a.sec, a.hash, a.input) < std::tie(b.sec, b.hash, b.input);
    });
    return out;
}

void SeenBatch::clear() {
    rows_.clear();
    std::fill(slots_.begin(), slots_.end(), 0u);
    keys_ = 0;
}

std::vector<SeenSpan>* SeenSpans::find(std::string_view host) {
    if (last_valid_ && host == last_host_) return last_;
    auto it = by_host_.find(std::string(host));
    last_host_.assign(host);
    last_ = it == by_host_.end() ? nullptr : &it->second;
    last_valid_ = true;
    return last_;
}

bool SeenSpans::covers(std::string_view host, std::int64_t sec) {
    if (by_host_.empty()) return false;
    auto holds = [sec](const std::vector<SeenSpan>* v) {
        if (v)
            for (const auto& s : *v)
                if (s.lo <= sec && sec <= s.hi) return true;
        return false;
    };
    if (holds(find(host))) return true;
    return !host.empty() && holds(any_);
}

void SeenSpans::widen(std::string_view host, std::int64_t input, std::int64_t lo, std::int64_t hi) {
    std::vector<SeenSpan>* v = find(host);
    if (!v) {
        v = &by_host_[std::string(host)];
        last_ = v; // find() just cached this host
        if (host.empty()) any_ = v;
    }
    for (auto& s : *v)
        if (s.input == input) {
            s.lo = std::min(s.lo, lo);
            s.hi = std::max(s.hi, hi);
            return;
        }
    v->push_back(SeenSpan{input, lo, hi});
}

void SeenSpans::clear() {
    by_host_.clear();
    any_ = nullptr;
    last_ = nullptr;
    last_valid_ = false;
}

} // namespace mxtrace::detail
