// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/base/error.hpp"
#include "mxtrace/read/input.hpp"
#include "tmpdir.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <fstream>

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
    for (int i = 0; i < 20000; ++i) big += "line number " + std::to_string(i * 7919) + " of a log that will be cut\n";
    write(tmp.path / "c.log", big);
    std::string gz = (tmp.path / "c.log.gz").string();
    REQUIRE(std::system(("gzip -c " + (tmp.path / "c.log").string() + " > " + gz).c_str()) == 0);
    auto size = std::filesystem::file_size(gz);
    std::filesystem::resize_file(gz, size / 2);
    LineReader r(gz);
    std::string_view l;
    std::uint64_t n = 0;
    try {
        while (r.next(l)) {
            ++n;
            REQUIRE(l.ends_with("of a log that will be cut")); // never the cut-off piece
        }
        FAIL("truncated gzip read without error");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::usage);
        CHECK(std::string(e.what()).find("c.log.gz") != std::string::npos);
        CHECK(std::string(e.what()).find(fmt::format("after line {}", n)) != std::string::npos);
    }
    // every complete line before the cut is handed out (zcat would give the same)
    CHECK(n > 9000);
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
