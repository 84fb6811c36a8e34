// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace index: see man/mxtrace-index.1.
#include "commands.hpp"

#include "mxtrace/base/error.hpp"
#include "mxtrace/index/indexer.hpp"
#include "mxtrace/store/store.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

namespace mxtrace::cli {

namespace {
struct IndexArgs {
    std::vector<std::string> inputs;
    int year = 0;
    std::string tz;
    std::string host;
    std::vector<std::string> host_for; // GLOB=NAME
    std::string unparsed;
    bool full = false;
    bool wait = false;
    bool missing_ok = false;
    bool quiet = false;
};

std::string human_bytes(double b) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (b >= 1024 && u < 4) b /= 1024, ++u;
    return u ? fmt::format("{:.1f} {}", b, units[u]) : fmt::format("{:.0f} B", b);
}

/// One line on stderr, redrawn in place: bar, percent, lines/s, ETA.
void draw_progress(const Progress& p) {
    if (p.seconds < 1.0) return; // short runs show nothing
    const double rate = p.seconds > 0 ? static_cast<double>(p.lines) / p.seconds : 0;
    std::string line;
    if (p.raw_total > 0) {
        const double frac = std::min(1.0, static_cast<double>(p.raw_done) / static_cast<double>(p.raw_total));
        const int width = 30, filled = static_cast<int>(frac * width);
        const double eta = frac > 0 ? p.seconds * (1 - frac) / frac : 0;
        line = fmt::format("[{}{}] {:3.0f}%  {} of {}  {:.0f} lines/s  ETA {:.0f}s", std::string(filled, '#'),
                           std::string(width - filled, '.'), frac * 100, human_bytes(static_cast<double>(p.raw_done)),
                           human_bytes(static_cast<double>(p.raw_total)), rate, eta);
    } else {
        line = fmt::format("{} lines  {:.0f} lines/s", p.lines, rate);
    }
    fmt::print(stderr, "\r{}\x1b[K", line);
    std::fflush(stderr);
}
} // namespace

Runner setup_index(CLI::App& app) {
    auto a = std::make_shared<IndexArgs>();
    add_db_option(app);
    app.add_option("-y,--year", a->year, "Year of the first classic (year-less) line of each file; default: inferred from the data, the file's mtime, or the current date")
        ->type_name("YEAR")
        ->check(CLI::Range(1970, 9999));
    app.add_option("--tz", a->tz, "Time zone of classic syslog timestamps (IANA name); default: this machine's zone ($TZ)")
        ->type_name("ZONE");
    app.add_option("--host", a->host,
                   "Host name for inputs whose lines name none (an Exim main log, /var/log/exim4/mainlog); without it such an input is refused")
        ->type_name("NAME");
    app.add_option("--host-for", a->host_for,
                   "Host name by path for such inputs: GLOB=NAME (fnmatch(3) glob on the path as given or made absolute; "
                   "the first match wins over --host); repeatable")
        ->type_name("GLOB=NAME")
        ->allow_extra_args(false)
        ->check([](const std::string& v) -> std::string {
            const auto eq = v.rfind('=');
            if (eq == std::string::npos || eq == 0 || eq + 1 == v.size())
                return "expected GLOB=NAME, e.g. '/var/log/exim4/*=mail1'";
            return {};
        });
    add_retention_option(app, "Keep DAYS days back from the newest time in the index (or now, if earlier); 0 keeps everything (default 90)");
    app.add_flag("--full", a->full, "Read every input from its start, ignoring what earlier runs read");
    app.add_flag("--wait", a->wait, "If another mxtrace index is running on the index, wait for it instead of failing");
    app.add_flag("--missing-ok", a->missing_ok,
                 "Skip inputs that do not exist without a word (for cron jobs naming mail.log.1 before the first rotation)");
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
        opts.host = a->host;
        for (const auto& v : a->host_for) {
            const auto eq = v.rfind('=');
            opts.host_for.emplace_back(v.substr(0, eq), v.substr(eq + 1));
        }
        opts.full = a->full;
        opts.retention_days = shared().retention;
        opts.now = now_micros();
        const bool tty = ::isatty(2) && !a->quiet;
        opts.warn = [tty](const std::string& what, const std::string& hint) {
            // on a terminal, first clear the progress line
            std::string safe;
            escape_path(what, safe); // names and log text may hold control characters
            fmt::print(stderr, "{}mxtrace: warning: {}\n", tty ? "\r\x1b[K" : "", safe);
            if (!hint.empty()) fmt::print(stderr, "mxtrace: hint: {}\n", hint);
        };
        if (tty) {
            opts.progress = draw_progress;
            for (const auto& in : a->inputs) {
                struct stat st{};
                if (in != "-" && ::stat(in.c_str(), &st) == 0 && S_ISREG(st.st_mode))
                    opts.input_bytes += static_cast<std::uint64_t>(st.st_size);
            }
        }
        if (const char* n = std::getenv("MXTRACE_COMMIT_LINES"); n && std::atoll(n) > 0)
            opts.commit_lines = static_cast<std::uint64_t>(std::atoll(n)); // for the crash tests
        std::unique_ptr<std::FILE, int (*)(std::FILE*)> unparsed(nullptr, std::fclose);
        if (!a->unparsed.empty()) {
            unparsed.reset(a->unparsed == "-" ? fdopen(dup(1), "w") : std::fopen(a->unparsed.c_str(), "w"));
            if (!unparsed)
                throw Error(ExitCode::usage, fmt::format("cannot write {}", a->unparsed), "give a writable path to --unparsed");
            opts.unparsed_out = unparsed.get();
        }
        Store store(index_dir(), Store::Mode::write, a->wait);
        Indexer indexer(store, opts);
        for (const auto& in : order_inputs(a->inputs)) {
            std::error_code ec;
            if (a->missing_ok && in != "-" && !std::filesystem::exists(in, ec)) continue;
            indexer.add_input(in);
        }
        IndexStats s = indexer.finish();
        if (tty) fmt::print(stderr, "\r\x1b[K");
        if (!a->quiet) {
            std::string hint = a->unparsed.empty() && s.unparsed ? "  (list them with --unparsed FILE)" : "";
            std::string out = fmt::format(
                "lines read:            {}\n"
                "  attributed:          {}  (Postfix/Sendmail lines about a queued message)\n"
                "  no queue ID:         {}  (connections, pre-queue rejects: {}, daemon notices)\n"
                "  other programs:      {}\n"
                "  unparsed:            {}{}\n",
                s.lines, s.attributed, s.noqueue, s.noqueue_rejects, s.other, s.unparsed, hint);
            if (s.unparsed_mail)
                out += fmt::format("    of them mail:      {}  (Postfix/Sendmail/Exim lines not understood)\n", s.unparsed_mail);
            out += fmt::format("  empty:               {}\n", s.empty);
            if (s.unsupported_mta)
                out += fmt::format("  unsupported MTA:     {}  (qmail, Courier, OpenSMTPD, Domino, Exchange lines: not indexed)\n",
                                   s.unsupported_mta);
            if (s.exim_pieces)
                out += fmt::format("  Exim syslog pieces:  {}  (joined into the line they belong to)\n", s.exim_pieces);
            if (s.duplicates)
                out += fmt::format("  read twice:          {}  (mail lines another input holds too: applied once)\n",
                                   s.duplicates);
            if (s.repeats)
                out += fmt::format("  repeats expanded:    {}  (extra events of \"message repeated N times\" lines)\n",
                                   s.repeats);
            if (s.too_old) out += fmt::format("  older than {} days: {}  (not indexed)\n", shared().retention, s.too_old);
            if (s.skipped_bytes || s.files_unchanged)
                out += fmt::format("already read:          {} in earlier runs; {} of {} inputs unchanged\n",
                                   human_bytes(static_cast<double>(s.skipped_bytes)), s.files_unchanged, s.files);
            if (s.held_back)
                out += fmt::format("left for the next run: {} bytes of an unfinished last line\n", s.held_back);
            out += fmt::format("transactions added:    {}\n"
                               "transactions updated:  {}\n",
                               s.writes.added, s.writes.updated);
            if (s.writes.merged) out += fmt::format("pieces joined:         {}\n", s.writes.merged);
            if (s.pruned.transactions)
                out += fmt::format("pruned:                {} transactions last active before {}\n", s.pruned.transactions,
                                   format_rfc3339(s.pruned.cutoff));
            out += fmt::format("seconds:               {:.2f}\n", s.seconds);
            std::fputs(out.c_str(), stderr);
        }
        return s.files_failed ? static_cast<int>(ExitCode::usage) : 0;
    };
}

} // namespace mxtrace::cli
