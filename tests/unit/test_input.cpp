// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/base/error.hpp"
#include "mxtrace/read/input.hpp"
#include "tmpdir.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <fstream>
#include <csignal>
#include <thread>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace mxtrace;

namespace {
void write(const std::filesystem::path& p, const std::string& s) {
    std::ofstream(p, std::ios::binary) << s;
}
std::vector<std::string> read_all(const std::string& path, std::size_t max_line = 1 << 20) {
    LineReader r(path, max_line);
    std::vector<std::string> out;
    std::string_view l;
    while (r.next(l)) out.emplace_back(r.too_long() ? "LONG:" + std::string(l.substr(0, 3)) : std::string(l));
    return out;
}
} // namespace

TEST_CASE("reading plain, CRLF, unterminated, empty and gzip input") {
    TmpDir tmp;
    write(tmp.path / "a.log", "one\ntwo\r\n\nthree");
    CHECK(read_all((tmp.path / "a.log").string()) == std::vector<std::string>{"one", "two", "", "three"});
    write(tmp.path / "empty.log", "");
    CHECK(read_all((tmp.path / "empty.log").string()).empty());
    write(tmp.path / "b.log", "alpha\nbeta\n");
    REQUIRE(std::system(("gzip -c " + (tmp.path / "b.log").string() + " > " + (tmp.path / "b.log.gz").string()).c_str()) == 0);
    CHECK(read_all((tmp.path / "b.log.gz").string()) == std::vector<std::string>{"alpha", "beta"});
    LineReader r((tmp.path / "b.log.gz").string());
    std::string_view l;
    r.next(l);
    r.next(l);
    CHECK(r.line_no() == 2);
    CHECK(r.offset() == 11);
}

TEST_CASE("a line longer than the limit is cut and flagged, the next one is fine") {
    TmpDir tmp;
    write(tmp.path / "long.log", "short\n" + std::string(300000, 'x') + "\nafter\n");
    CHECK(read_all((tmp.path / "long.log").string(), 1000) == std::vector<std::string>{"short", "LONG:xxx", "after"});
}

TEST_CASE("missing and truncated files raise a clear error") {
    TmpDir tmp;
    CHECK_THROWS_AS(LineReader((tmp.path / "missing.log").string()), Error);
    std::string big;
    for (int i = 0; i < 60000; ++i) big += "line number " + std::to_string(i * 7919) + " of a log that will be cut\n";
    write(tmp.path / "c.log", big);
    // every compression keeps every complete line before the cut: at least as many as the tool's
    // own decompressor writes out of the same cut file (bzip2 -1: 100 kB blocks, so several;
    // bzip2(1) itself drops the last 5000 bytes it decoded), each the line of the original
    for (std::string tool : {"gzip", "bzip2 -1", "xz", "zstd -q"}) {
        CAPTURE(tool);
        const std::string z = (tmp.path / "c.log.z").string();
        REQUIRE(std::system((tool + " -c " + (tmp.path / "c.log").string() + " > " + z).c_str()) == 0);
        auto size = std::filesystem::file_size(z);
        std::filesystem::resize_file(z, size / 2);
        const std::string count = (tmp.path / "count").string();
        REQUIRE(std::system((tool + " -dc " + z + " 2>/dev/null | grep -c 'cut$' > " + count + "; true").c_str()) == 0);
        std::ifstream cf(count);
        std::uint64_t expected = 0;
        cf >> expected;
        REQUIRE(expected > 0);
        LineReader r(z);
        std::string_view l;
        std::uint64_t n = 0;
        try {
            while (r.next(l)) {
                REQUIRE(l == "line number " + std::to_string(n * 7919) + " of a log that will be cut"); // never the cut-off piece
                ++n;
            }
            FAIL("truncated input read without error");
        } catch (const Error& e) {
            CHECK(e.code() == ExitCode::usage);
            CHECK(std::string(e.what()).find("c.log.z") != std::string::npos);
            CHECK(std::string(e.what()).find(fmt::format("after line {}", n)) != std::string::npos);
        }
        if (tool.starts_with("bzip2")) CHECK(n >= expected);
        else CHECK(n == expected);
        CHECK(r.compressed());
    }
}

TEST_CASE("the SHA-256 of the content consumed: whole, across a cut long line, resumed from a saved state") {
    TmpDir tmp;
    const std::string long_log = (tmp.path / "long.log").string();
    write(long_log, "short\n" + std::string(300000, 'x') + "\nafter\n");
    const std::string long_sha = "2a99afc225f768c0647de744826de83a5f9d0087e46e61be4310b0e0b1d854df";
    {
        LineReader r(long_log, 1000);
        CHECK(r.content_sha256().empty()); // not hashing until asked
        r.hash_content({});
        std::string_view l;
        while (r.next(l)) {
        }
        CHECK(r.content_sha256() == long_sha);
    }
    // read the first line, save the state, go on in another reader
    std::string state;
    std::uint64_t offset = 0;
    {
        LineReader r(long_log, 1000);
        r.hash_content({});
        std::string_view l;
        REQUIRE(r.next(l));
        state = r.content_hash_state();
        offset = r.offset();
    }
    CHECK(state.size() == 108);
    {
        LineReader r(long_log, 1000);
        CHECK(r.skip(offset, 1) == offset);
        REQUIRE(r.hash_content(state));
        std::string_view l;
        while (r.next(l)) {
        }
        CHECK(r.content_sha256() == long_sha);
    }
    CHECK_FALSE(LineReader(long_log).hash_content("not a state"));
    // "\r\n" is kept in the hash (and reported by had_cr); a held-back last line is not consumed
    const std::string crlf = (tmp.path / "crlf.log").string();
    write(crlf, "one\r\ntwo\nthree");
    LineReader r(crlf);
    r.hold_partial_line(true);
    r.hash_content({});
    std::string_view l;
    REQUIRE(r.next(l));
    CHECK(l == "one");
    CHECK(r.had_cr());
    REQUIRE(r.next(l));
    CHECK_FALSE(r.had_cr());
    CHECK_FALSE(r.next(l));
    CHECK(r.content_sha256() == "611912c05d6113dd9932610cf2d5876c6f05324e05f326a40620dd4f3fd4ac0d");
}

TEST_CASE("a named pipe is opened once and read once (its writer may be gone before the end)") {
    TmpDir tmp;
    const std::string fifo = (tmp.path / "fifo").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    std::signal(SIGPIPE, SIG_IGN);
    std::thread writer([&] {
        const int fd = ::open(fifo.c_str(), O_WRONLY);
        if (fd < 0) return;
        const std::string d = "one\ntwo\n";
        [[maybe_unused]] auto w = ::write(fd, d.data(), d.size());
        ::close(fd);
    });
    // before: opened, closed unread, opened again -- the second open waited forever for a writer
    const auto got = read_all(fifo);
    writer.join();
    CHECK(got == std::vector<std::string>{"one", "two"});
}
