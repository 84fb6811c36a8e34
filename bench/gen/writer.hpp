// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// mxtrace-gen: output files (plain and gzip) written by one background thread.
#include "common.hpp"

#include <zlib.h>

namespace mxgen {

// ---------------------------------------------------------------------------------------------
// Output: per-host files written by one background thread.

/// One chunk of finished text for one file.
struct Chunk {
    fs::path path;
    bool gz = false;
    bool close = false;
    std::string data;
};

/// Writes chunks in order, keeping one open file per path until its close chunk.
class Writer {
public:
    explicit Writer(int level) : level_(level), thread_([this] { run(); }) {}
    ~Writer() { finish(); }
    void push(Chunk c) {
        std::unique_lock lk(mu_);
        not_full_.wait(lk, [&] { return q_.size() < 32; });
        q_.push_back(std::move(c));
        not_empty_.notify_one();
    }
    void finish() {
        {
            std::lock_guard lk(mu_);
            if (done_) return;
            done_ = true;
        }
        not_empty_.notify_one();
        thread_.join();
        if (!error_.empty()) {
            fmt::print(stderr, "mxtrace-gen: {}\n", error_);
            std::exit(1);
        }
    }

private:
    struct Open {
        std::FILE* f = nullptr;
        gzFile g = nullptr;
    };
    void run() {
        std::unordered_map<std::string, Open> open;
        for (;;) {
            Chunk c;
            {
                std::unique_lock lk(mu_);
                not_empty_.wait(lk, [&] { return !q_.empty() || done_; });
                if (q_.empty()) break;
                c = std::move(q_.front());
                q_.pop_front();
                not_full_.notify_one();
            }
            if (!error_.empty()) continue;
            Open& o = open[c.path.string()];
            if (!o.f && !o.g) {
                if (c.gz) {
                    o.g = gzopen(c.path.c_str(), fmt::format("wb{}", level_).c_str());
                    if (o.g) gzbuffer(o.g, 1 << 18);
                } else {
                    o.f = std::fopen(c.path.c_str(), "wb");
                }
                if (!o.f && !o.g) error_ = fmt::format("cannot write {}: {}", c.path.string(), std::strerror(errno));
            }
            if (!c.data.empty()) {
                if (o.g) {
                    if (gzwrite(o.g, c.data.data(), static_cast<unsigned>(c.data.size())) != static_cast<int>(c.data.size()))
                        error_ = fmt::format("cannot write {}", c.path.string());
                } else if (o.f && std::fwrite(c.data.data(), 1, c.data.size(), o.f) != c.data.size()) {
                    error_ = fmt::format("cannot write {}: {}", c.path.string(), std::strerror(errno));
                }
            }
            if (c.close) {
                if (o.g && gzclose(o.g) != Z_OK) error_ = fmt::format("cannot write {}", c.path.string());
                if (o.f && std::fclose(o.f) != 0) error_ = fmt::format("cannot write {}", c.path.string());
                open.erase(c.path.string());
            }
        }
        for (auto& [p, o] : open) {
            if (o.g) gzclose(o.g);
            if (o.f) std::fclose(o.f);
        }
    }

    int level_;
    std::mutex mu_;
    std::condition_variable not_empty_, not_full_;
    std::deque<Chunk> q_;
    bool done_ = false;
    std::string error_;
    std::thread thread_;
};


} // namespace mxgen
