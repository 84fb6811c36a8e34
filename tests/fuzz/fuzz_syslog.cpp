// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz target: the syslog envelope (classic BSD and RFC 3339 lines, Exim main log stamps) and the
// joining of Exim's numbered syslog pieces. Input: log lines separated by '\n'.
#include "fuzz_util.hpp"

#include "mxtrace/read/exim_pieces.hpp"
#include "mxtrace/read/syslog.hpp"

using namespace mxtrace;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Zone utc("UTC");
    static Zone berlin("Europe/Berlin");
    std::string_view in = fuzz::as_view(data, size);
    // the first byte picks the zone and whether classic lines get a year (indexer: year 0)
    const unsigned char mode = size ? data[0] : 0;
    SyslogParser p(mode & 1 ? berlin : utc, mode & 2 ? 0 : 2023);
    EximPieces pieces;
    unsigned sink = 0;
    while (!in.empty()) {
        std::string_view line = fuzz::next_line(in);
        SyslogLine sl;
        const bool mainlog = SyslogParser::is_exim_mainlog(line);
        const bool ok = mainlog ? p.parse_exim_mainlog(line, sl) : p.parse(line, sl);
        if (!ok) continue;
        for (std::string_view v : {sl.host, sl.program, sl.pid, sl.message}) {
            if (!v.empty() && (v.data() < line.data() || v.data() + v.size() > line.data() + line.size()) &&
                !(mainlog && v == "exim"))
                fuzz::fail("a view of the envelope outside its line");
            fuzz::touch(v, sink);
        }
        if (!sl.has_year && (sl.mon < 1 || sl.mon > 12 || sl.day < 1 || sl.day > 31 || sl.sod < 0 || sl.sod > 86400))
            fuzz::fail("classic wall-clock fields out of range");
        if (mta_of_program(sl.program) == Mta::exim) {
            std::string_view whole;
            if (pieces.feed(sl.host, sl.pid, sl.message, whole) != EximPieces::Result::held) fuzz::touch(whole, sink);
            (void)pieces.take_dropped();
        }
        unsigned i = 0, n = 0;
        char sep = 0;
        std::string_view text;
        if (EximPieces::split(sl.message, i, sep, n, text)) fuzz::touch(text, sink);
    }
    pieces.clear();
    (void)pieces.take_dropped();
    if (pieces.held() != 0) fuzz::fail("pieces held after clear()");
    fuzz::g_sink = sink;
    return 0;
}
