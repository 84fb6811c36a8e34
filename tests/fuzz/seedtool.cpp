// SPDX-License-Identifier: GPL-3.0-or-later
// Helper of make_seeds.py (not a fuzz target): prints what the seed generator needs from the code.
//   seedtool shapes     one line per shape sample: NAME \t PROGRAM \t MESSAGE
//   seedtool queries    the example query of every field of the query language (fields())
//   seedtool classify   reads log lines on stdin, prints CLASS \t MTA \t PROGRAM \t LINE for each
//                       line with an envelope, CLASS being the shape name, "noqueue:SHAPE",
//                       "unparsed" or "not_mine"; Exim main log lines have PROGRAM "exim-mainlog".
//                       Output: CLASS \t MTA \t PROGRAM \t OFFSET \t LINE, the message being
//                       LINE from byte OFFSET on
#include "mxtrace/mta/events.hpp"
#include "mxtrace/read/syslog.hpp"
#include "mxtrace/store/fields.hpp"

#include <cstdio>
#include <iostream>
#include <string>

using namespace mxtrace;

int main(int argc, char** argv) {
    const std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "shapes") {
        for (const auto& s : line_shapes())
            std::printf("%.*s\t%.*s\t%.*s\n", static_cast<int>(s.name.size()), s.name.data(),
                        static_cast<int>(s.program.size()), s.program.data(), static_cast<int>(s.message.size()),
                        s.message.data());
        return 0;
    }
    if (cmd == "queries") {
        for (const auto& f : fields())
            std::printf("%.*s\n", static_cast<int>(f.example.size()), f.example.data());
        return 0;
    }
    if (cmd == "classify") {
        Zone utc("UTC");
        SyslogParser p(utc, 2023);
        std::string line;
        SyslogLine sl;
        Event ev;
        while (std::getline(std::cin, line)) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            const bool mainlog = SyslogParser::is_exim_mainlog(line);
            if (!(mainlog ? p.parse_exim_mainlog(line, sl) : p.parse(line, sl))) continue;
            ev.clear();
            const LineClass c = parse_mail_line(sl.program, sl.message, ev);
            std::string cls;
            switch (c) {
            case LineClass::event: cls = std::string(shape_name(ev.shape)); break;
            case LineClass::noqueue: cls = "noqueue:" + std::string(shape_name(ev.shape)); break;
            case LineClass::unparsed: cls = "unparsed"; break;
            case LineClass::not_mine: cls = "not_mine"; break;
            }
            const std::string mta(mta_name(mta_of_program(sl.program)));
            std::printf("%s\t%s\t%s\t%zu\t%s\n", cls.c_str(), mta.empty() ? "-" : mta.c_str(),
                        mainlog ? "exim-mainlog" : std::string(sl.program).c_str(),
                        static_cast<std::size_t>(sl.message.data() - line.data()), line.c_str());
        }
        return 0;
    }
    std::fprintf(stderr, "usage: seedtool shapes | seedtool classify < LINES\n");
    return 2;
}
