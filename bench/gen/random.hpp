// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// mxtrace-gen: the random model: the PRNG, hashes, the Zipf distribution.
#include "common.hpp"

namespace mxgen {

// ---------------------------------------------------------------------------------------------
// Random numbers: xoshiro256** seeded by splitmix64. Only integer and exactly rounded double
// arithmetic, so the output does not depend on the C library.

/// Deterministic PRNG (xoshiro256**).
class Rng {
public:
    explicit Rng(std::uint64_t seed) {
        for (auto& x : s_) {
            seed += 0x9E3779B97F4A7C15ULL;
            std::uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
            x = z ^ (z >> 31);
        }
    }
    std::uint64_t next() {
        const std::uint64_t r = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return r;
    }
    /// Uniform in [0, 1).
    double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    /// Uniform in [0, n).
    std::uint64_t below(std::uint64_t n) {
        if (n <= 1) return 0;
        const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
        for (;;) {
            std::uint64_t x = next();
            if (x < limit) return x % n;
        }
    }
    /// Uniform in [lo, hi].
    std::int64_t range(std::int64_t lo, std::int64_t hi) {
        return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo + 1)));
    }
    bool chance(double p) { return unit() < p; }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t s_[4];
};

/// 64-bit mix of a value (for per-entity attributes that must not consume the main stream).
inline std::uint64_t mix(std::uint64_t z) {
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/// FNV-1a 64 of a string (std::hash differs between standard libraries; the output must not).
inline std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 0xCBF29CE484222325ULL;
    for (unsigned char c : s) h = (h ^ c) * 0x100000001B3ULL;
    return h;
}

/// Zipf (s = 1) over ranks 0..n-1: rank k has weight 1/(k+1).
class Zipf {
public:
    explicit Zipf(std::size_t n) : cdf_(n) {
        double sum = 0;
        for (std::size_t k = 0; k < n; ++k) cdf_[k] = sum += 1.0 / static_cast<double>(k + 1);
    }
    std::size_t operator()(Rng& r) const {
        const double u = r.unit() * cdf_.back();
        auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
        return std::min<std::size_t>(static_cast<std::size_t>(it - cdf_.begin()), cdf_.size() - 1);
    }
    std::size_t size() const { return cdf_.size(); }

private:
    std::vector<double> cdf_;
};


} // namespace mxgen
