// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz target template for the MTA parsers, built three times (meson.build) with FUZZ_MTA set to
// 1 (Postfix), 2 (Sendmail) or 3 (Exim).
//  - Postfix: the first line is the daemon ("smtpd", "qmgr", "submission/smtpd"); the rest the
//    message text after "postfix/DAEMON[pid]: ".
//  - Sendmail: the first line is the program ("sm-mta", "sendmail"; another word means sm-mta);
//    the rest the message text.
//  - Exim: the input is one line as Exim writes it, either an Exim main log line with its stamp
//    ("2019-10-22 03:39:17 1iMmIl-0001Yg-1z <= ...") or the message text after "exim[pid]: ",
//    possibly a numbered syslog piece "[1/2] ...".
#include "fuzz_util.hpp"

#include "mxtrace/read/exim_pieces.hpp"
#include "mxtrace/read/syslog.hpp"

#include <string>

using namespace mxtrace;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in = fuzz::as_view(data, size);
    Event ev;
    LineClass c{};
#if FUZZ_MTA == 1
    std::string_view daemon = fuzz::next_line(in);
    const std::string program = "postfix/" + std::string(daemon);
    c = parse_postfix(program, in, ev);
    if (c == LineClass::event && ev.mta != Mta::postfix) fuzz::fail("a Postfix line read as another MTA's");
#elif FUZZ_MTA == 2
    std::string_view program = fuzz::next_line(in);
    if (mta_of_program(program) != Mta::sendmail) program = "sm-mta";
    c = parse_sendmail(program, in, ev);
    if (c == LineClass::event && ev.mta != Mta::sendmail) fuzz::fail("a Sendmail line read as another MTA's");
#elif FUZZ_MTA == 3
    static Zone utc("UTC");
    static SyslogParser stamps(utc, 0);
    std::string_view message = in;
    if (SyslogParser::is_exim_mainlog(in)) {
        SyslogLine sl;
        if (stamps.parse_exim_mainlog(in, sl)) message = sl.message;
    }
    unsigned i = 0, n = 0;
    char sep = 0;
    std::string_view text;
    if (EximPieces::split(message, i, sep, n, text)) message = text;
    c = parse_exim("exim", message, ev);
    if (c == LineClass::event && ev.mta != Mta::exim) fuzz::fail("an Exim line read as another MTA's");
    if (c == LineClass::event && !is_exim_message_id(ev.queue_id)) fuzz::fail("an Exim event without a message ID");
#else
#error "FUZZ_MTA must be 1, 2 or 3"
#endif
    fuzz::check_event(c, ev);
    unsigned sink = 0;
    fuzz::touch(queued_as(ev.text), sink);
    fuzz::g_sink = sink;
    return 0;
}
