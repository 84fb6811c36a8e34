// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Minimal RAII wrappers over the SQLite C API: prepared statements with bound values only.
#include "mxtrace/base/error.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mxtrace::sql {

/// The exit code for a failed SQLite call: a damaged file is a damaged index, one that cannot be
/// opened a bad index.
inline ExitCode code_of(sqlite3* db) {
    const int e = sqlite3_errcode(db) & 0xff;
    if (e == SQLITE_CORRUPT || e == SQLITE_NOTADB) return ExitCode::damaged;
    return e == SQLITE_CANTOPEN ? ExitCode::bad_index : ExitCode::internal;
}
inline const char* hint_of(sqlite3* db) {
    return code_of(db) == ExitCode::damaged
               ? "the index is damaged: run mxtrace check to see what, then mxtrace repair (it keeps the damaged files)"
               : "";
}

/// Reads the file at `path` from start to end, discarding what it reads, so that a pass which
/// visits every page in B-tree order (PRAGMA quick_check / integrity_check) then finds them in
/// the page cache instead of reading them one 4 KiB pread at a time from disk: at 1 M messages,
/// on a cold cache, 4.4 s of sequential reading then 6.7 s of quick_check, against 80 s for the
/// quick_check alone (BENCHMARKS.md "Prune at 1 M"). Done only when the file is at most half of
/// the memory Linux says is available (/proc/meminfo MemAvailable), as a larger file would push
/// its own first pages out again. A hint: any failure is ignored. Costs 0.1 s per GB if cached.
inline void prefetch_file(const char* path) {
    long long avail_kb = 0;
    if (std::FILE* f = std::fopen("/proc/meminfo", "re")) {
        char line[256];
        while (std::fgets(line, sizeof line, f))
            if (std::sscanf(line, "MemAvailable: %lld kB", &avail_kb) == 1) break;
        std::fclose(f);
    }
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    const off_t size = ::lseek(fd, 0, SEEK_END);
    if (size > 0 && avail_kb > 0 && size / 1024 <= avail_kb / 2) {
        ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        constexpr std::size_t kChunk = 1 << 20;
        const std::unique_ptr<char[]> buf(new char[kChunk]);
        off_t at = 0;
        for (ssize_t n; (n = ::pread(fd, buf.get(), kChunk, at)) > 0;) at += n;
    }
    ::close(fd);
}

class Db {
public:
    Db() = default;
    Db(const std::string& path, int flags) {
        if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
            std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close(db_);
            db_ = nullptr;
            throw Error(ExitCode::bad_index, fmt::format("cannot open {}: {}", path, msg),
                        "check the path and its permissions, or run mxtrace index to create the index");
        }
        sqlite3_extended_result_codes(db_, 1);
    }
    ~Db() { sqlite3_close(db_); }
    Db(Db&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
    Db& operator=(Db&& o) noexcept {
        std::swap(db_, o.db_);
        return *this;
    }
    sqlite3* get() const { return db_; }
    void exec(const char* sql) {
        char* err = nullptr;
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
            std::string msg = err ? err : sqlite3_errmsg(db_);
            sqlite3_free(err);
            throw Error(code_of(db_), fmt::format("SQLite: {} (in: {:.60})", msg, sql), hint_of(db_));
        }
    }

private:
    sqlite3* db_ = nullptr;
};

class Stmt {
public:
    Stmt() = default;
    Stmt(const Db& db, const char* sql) : db_(db.get()) {
        if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &st_, nullptr) != SQLITE_OK)
            throw Error(ExitCode::bad_index, fmt::format("SQLite: {} (preparing: {:.60})", sqlite3_errmsg(db_), sql),
                        "the index may be damaged or of another version: run mxtrace check, then mxtrace repair");
    }
    ~Stmt() { sqlite3_finalize(st_); }
    Stmt(Stmt&& o) noexcept : db_(o.db_), st_(o.st_) { o.st_ = nullptr; }
    Stmt& operator=(Stmt&& o) noexcept {
        std::swap(db_, o.db_);
        std::swap(st_, o.st_);
        return *this;
    }

    Stmt& reset() {
        sqlite3_reset(st_);
        sqlite3_clear_bindings(st_);
        idx_ = 0;
        return *this;
    }
    Stmt& bind(std::int64_t v) { check(sqlite3_bind_int64(st_, ++idx_, v)); return *this; }
    Stmt& bind(int v) { return bind(static_cast<std::int64_t>(v)); }
    Stmt& bind(double v) { check(sqlite3_bind_double(st_, ++idx_, v)); return *this; }
    Stmt& bind(std::string_view v) {
        check(sqlite3_bind_text(st_, ++idx_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
        return *this;
    }
    Stmt& bind(const std::string& v) { return bind(std::string_view(v)); }
    /// Binds text without a copy (SQLITE_STATIC): the bytes must stay where they are, unchanged,
    /// until the statement is reset() (the row writes of a commit, whose strings live in the
    /// batch's transactions: a copy per column was a tenth of the writer's malloc calls).
    Stmt& bind_ref(std::string_view v) {
        check(sqlite3_bind_text(st_, ++idx_, v.data(), static_cast<int>(v.size()), SQLITE_STATIC));
        return *this;
    }
    Stmt& bind_ref(const std::string& v) { return bind_ref(std::string_view(v)); }
    Stmt& bind_ref(const std::optional<std::string>& v) { return v ? bind_ref(std::string_view(*v)) : bind_null(); }
    /// bind_blob() without a copy; the same rule as bind_ref().
    Stmt& bind_blob_ref(std::string_view v) {
        check(sqlite3_bind_blob(st_, ++idx_, v.data(), static_cast<int>(v.size()), SQLITE_STATIC));
        return *this;
    }
    Stmt& bind(const char* v) { return bind(std::string_view(v)); }
    /// Binds bytes as a BLOB (not text: no encoding assumed).
    Stmt& bind_blob(std::string_view v) {
        check(sqlite3_bind_blob(st_, ++idx_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
        return *this;
    }
    Stmt& bind_null() { check(sqlite3_bind_null(st_, ++idx_)); return *this; }
    Stmt& bind(const std::optional<std::string>& v) { return v ? bind(*v) : bind_null(); }

    /// Steps once; true if a row is available.
    bool step() {
        int r = sqlite3_step(st_);
        if (r == SQLITE_ROW) return true;
        if (r == SQLITE_DONE) return false;
        throw Error(code_of(db_), fmt::format("SQLite: {}", sqlite3_errmsg(db_)), hint_of(db_));
    }
    void run() {
        while (step()) {}
    }

    std::int64_t i64(int col) const { return sqlite3_column_int64(st_, col); }
    double dbl(int col) const { return sqlite3_column_double(st_, col); }
    bool is_null(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
    std::string str(int col) const {
        auto p = reinterpret_cast<const char*>(sqlite3_column_text(st_, col));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st_, col))) : std::string();
    }

    /// A BLOB (or text) column's bytes; valid until the next step() or reset().
    std::string_view blob(int col) const {
        auto p = static_cast<const char*>(sqlite3_column_blob(st_, col));
        return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(st_, col))) : std::string_view();
    }

private:
    void check(int r) {
        if (r != SQLITE_OK) throw Error(ExitCode::internal, fmt::format("SQLite bind: {}", sqlite3_errmsg(db_)));
    }
    sqlite3* db_ = nullptr;
    sqlite3_stmt* st_ = nullptr;
    int idx_ = 0;
};

} // namespace mxtrace::sql
