// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace index: see man/mxtrace-index.1.
#include "commands.hpp"

#include "mxtrace/error.hpp"
#include "mxtrace/indexer.hpp"
#include "mxtrace/store.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <memory>

namespace mxtrace::cli {

namespace {
struct IndexArgs {
    std::string db;
    std::vector<std::string> inputs;
    int year = 0;
    std::string tz;
    std::string unparsed;
    bool quiet = false;
};
} // namespace

Runner setup_index(CLI::App& app) {
    auto a = std::make_shared<IndexArgs>();
    add_db_option(app, a->db);
    app.add_option("-y,--year", a->year, "Year of the first line of classic syslog files (which carry no year); default: the current year")
        ->type_name("YEAR")
        ->check(CLI::Range(1970, 9999));
    app.add_option("--tz", a->tz, "Time zone of classic syslog timestamps (IANA name); default: this machine's zone ($TZ)")
        ->type_name("ZONE");
    app.add_option("--unparsed", a->unparsed, "Write the lines that could not be understood to FILE, as FILE:LINE: reason: text")
        ->type_name("FILE");
    app.add_flag("--quiet", a->quiet, "Print no summary");
    app.add_option("FILE", a->inputs, "Log files to read: plain or compressed (gzip, bzip2, xz, zstd); - reads standard input")
        ->type_name("FILE")
        ->required();
    return [a]() -> int {
        IndexOptions opts;
        if (a->year) opts.year = a->year;
        opts.tz = a->tz;
        opts.warn = [](const std::string& what, const std::string& hint) {
            fmt::print(stderr, "mxtrace: warning: {}\n", what);
            if (!hint.empty()) fmt::print(stderr, "mxtrace: hint: {}\n", hint);
        };
        std::unique_ptr<std::FILE, int (*)(std::FILE*)> unparsed(nullptr, std::fclose);
        if (!a->unparsed.empty()) {
            unparsed.reset(a->unparsed == "-" ? fdopen(dup(1), "w") : std::fopen(a->unparsed.c_str(), "w"));
            if (!unparsed)
                throw Error(ExitCode::usage, fmt::format("cannot write {}", a->unparsed), "give a writable path to --unparsed");
            opts.unparsed_out = unparsed.get();
        }
        Store store(index_dir(a->db), Store::Mode::write);
        Indexer indexer(store, opts);
        for (const auto& in : a->inputs) indexer.add_input(in);
        IndexStats s = indexer.finish();
        if (!a->quiet) {
            std::string hint = a->unparsed.empty() && s.unparsed ? "  (list them with --unparsed FILE)" : "";
            fmt::print(stderr,
                       "lines read:            {}\n"
                       "  attributed:          {}  (Postfix/Sendmail lines about a queued message)\n"
                       "  no queue ID:         {}  (connections, pre-queue rejects: {}, daemon notices)\n"
                       "  other programs:      {}\n"
                       "  unparsed:            {}{}\n"
                       "  empty:               {}\n"
                       "transactions added:    {}\n"
                       "transactions updated:  {}\n"
                       "seconds:               {:.2f}\n",
                       s.lines, s.attributed, s.noqueue, s.noqueue_rejects, s.other, s.unparsed, hint, s.empty,
                       s.writes.added, s.writes.updated, s.seconds);
        }
        return s.files_failed ? static_cast<int>(ExitCode::usage) : 0;
    };
}

} // namespace mxtrace::cli
