// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace index: see man/mxtrace-index.1.
#include "commands.hpp"

#include "mxtrace/base/error.hpp"
#include "mxtrace/index/indexer.hpp"
#include "mxtrace/query/stats_rollup.hpp"
#include "mxtrace/store/clickhouse.hpp"
#include "mxtrace/store/store.hpp"

#include <fmt/format.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>

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
    bool follow = false;
    std::string export_to;   ///< --export clickhouse: export after the run
    ClickHouseArgs ch;
};

volatile std::sig_atomic_t g_stop = 0; // SIGINT/SIGTERM while following
extern "C" void on_stop_signal(int) { g_stop = 1; }

/// Installs on_stop_signal for SIGINT and SIGTERM (no SA_RESTART: a wait returns EINTR).
void catch_stop_signals() {
    struct sigaction sa{};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
}

using Clock = std::chrono::steady_clock;
constexpr auto kCommitEvery = std::chrono::seconds(1);    // new lines are committed this soon
constexpr auto kRetainEvery = std::chrono::hours(1);      // retention while following

/// A follower's period from a test hook: $NAME seconds when it is set to 1..max, else `dflt`.
std::chrono::seconds hook_seconds(const char* name, long max, std::chrono::seconds dflt) {
    if (const char* v = std::getenv(name); v && *v) {
        const long n = std::atol(v);
        if (n >= 1 && n <= max) return std::chrono::seconds(n);
    }
    return dflt;
}

/// How often the follower runs retention: kRetainEvery, or $MXTRACE_RETAIN_EVERY seconds (a test
/// hook, 1..86400; tests/cli/cases/follow.sh).
std::chrono::seconds retain_every() { return hook_seconds("MXTRACE_RETAIN_EVERY", 86400, kRetainEvery); }
constexpr auto kCompactEvery = std::chrono::hours(24);   // compaction while following

/// How often the follower compacts the index (at a retention tick): kCompactEvery, or
/// $MXTRACE_COMPACT_EVERY seconds (a test hook, 1..604800; tests/cli/cases/follow.sh).
std::chrono::seconds compact_every() { return hook_seconds("MXTRACE_COMPACT_EVERY", 604800, kCompactEvery); }

constexpr auto kRetiredGrace = std::chrono::seconds(10);  // a rotated file is read this long after it last grew
constexpr auto kRollupEvery = std::chrono::minutes(5);    // stats rollups refreshed while following

/// Recomputes the dirty stats rollups (stats_rollup.hpp) after a commit, unless the test hook
/// MXTRACE_NO_ROLLUP_REFRESH is set (tests/cli/cases/stats-rollup.sh: dirty buckets are scanned).
void refresh_rollups(Store& store) {
    if (const char* v = std::getenv("MXTRACE_NO_ROLLUP_REFRESH"); v && *v) return;
    refresh_stats_rollups(store);
}

/// How often a follower exports (index --follow --export): every minute, or
/// $MXTRACE_EXPORT_EVERY seconds (a test hook, 1..86400).
std::chrono::seconds export_every() { return hook_seconds("MXTRACE_EXPORT_EVERY", 86400, std::chrono::minutes(1)); }

/// What a follower does besides reading, on its own schedule (both follow modes, files and
/// standard input, call tick() after each read or wait):
/// - commits what it read once kCommitEvery has passed, so a search sees it;
/// - every retain_every(): retention, and once per compact_every() a compaction;
/// - every kRollupEvery, once nothing is uncommitted: refreshes the stats rollups;
/// - with `index --follow --export clickhouse`, once per export_every(): commits, then sends what
///   is new or changed (export_clickhouse). A failure (server down, refused) is said once, as a
///   warning with its hint, and retried at the next period; the follower goes on reading. The
///   run's last export, after it stops, is the caller's.
struct FollowSchedule {
    std::optional<clickhouse::Options> export_opts;
    Clock::time_point last_commit = Clock::now(), last_retain = last_commit, last_compact = last_commit,
                      last_rollup = last_commit, last_export = last_commit;
    std::chrono::seconds retain = retain_every();
    bool export_failing = false;

    void tick(Indexer& indexer, Store& store) {
        if (indexer.uncommitted() > 0 && Clock::now() - last_commit >= kCommitEvery) {
            indexer.commit();
            last_commit = Clock::now();
        }
        if (Clock::now() - last_retain >= retain) {
            indexer.set_now(now_micros());
            indexer.retain();
            if (Clock::now() - last_compact >= compact_every()) {
                indexer.compact();
                last_compact = Clock::now();
            }
            last_retain = last_commit = Clock::now();
        }
        if (indexer.uncommitted() == 0 && Clock::now() - last_rollup >= kRollupEvery) {
            indexer.commit(); // the store's batch is empty after it: the rollups never commit one
            refresh_rollups(store);
            last_rollup = Clock::now();
        }
        if (export_opts && Clock::now() - last_export >= export_every()) {
            indexer.commit();
            try {
                (void)export_clickhouse(store, *export_opts, 5000);
                if (export_failing) fmt::print(stderr, "mxtrace: the export to {} works again\n", export_opts->url);
                export_failing = false;
            } catch (const Error& e) {
                if (!export_failing)
                    fmt::print(stderr, "mxtrace: warning: the export failed: {}\nmxtrace: hint: {}; the follower goes on and "
                                       "retries every {} s\n",
                               e.what(), e.hint(), export_every().count());
                export_failing = true;
            }
            last_export = Clock::now();
        }
    }
};

/// The follow mode over files (`tail -F`): waits with inotify (on the files and their
/// directories; a 1 s timeout re-checks by stat(2) in case an event was missed), reads what
/// each input gained through a descriptor held on it, so a file renamed away by a rotation is
/// read to its end before the new file under its name; commits by time (kCommitEvery) and by
/// count (IndexOptions::commit_lines), runs retention every hour; returns on SIGINT/SIGTERM.
void follow_files(Indexer& indexer, Store& store, FollowSchedule& schedule, const std::vector<std::string>& inputs) {
    struct Followed {
        std::string path;
        int fd = -1;
        dev_t dev = 0;
        ino_t ino = 0;
        off_t size = -1;
        timespec mtime{};
        Clock::time_point retired{}; // for a rotated file: when it last grew
    };
    const int ifd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    std::set<std::string> dirs;
    auto watch_dir = [&](const std::string& path) {
        std::string d = std::filesystem::path(path).parent_path().string();
        if (d.empty()) d = ".";
        if (ifd >= 0 && dirs.insert(d).second)
            ::inotify_add_watch(ifd, d.c_str(), IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB);
    };
    std::vector<Followed> files, retired;
    for (const auto& p : inputs) {
        files.push_back(Followed{p});
        watch_dir(p);
    }
    auto proc = [](int fd) { return fmt::format("/proc/self/fd/{}", fd); };
    // reads what `f` gained since it was last looked at; true if it changed
    auto read_new = [&](Followed& f) {
        struct stat st{};
        if (::fstat(f.fd, &st) != 0) return false;
        if (st.st_size == f.size && st.st_mtim.tv_sec == f.mtime.tv_sec && st.st_mtim.tv_nsec == f.mtime.tv_nsec) return false;
        f.size = st.st_size;
        f.mtime = st.st_mtim;
        indexer.poll_input(f.path, proc(f.fd));
        return true;
    };
    sigset_t stop, old;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    ::sigprocmask(SIG_BLOCK, &stop, &old); // delivered only inside ppoll(): no missed wake-up
    catch_stop_signals();
    bool first = true;
    while (!g_stop) {
        if (!first) {
            auto wait = std::chrono::milliseconds(1000);
            if (indexer.uncommitted() > 0)
                wait = std::max(std::chrono::milliseconds(0), std::chrono::duration_cast<std::chrono::milliseconds>(
                                                                  schedule.last_commit + kCommitEvery - Clock::now()));
            const timespec ts{static_cast<time_t>(wait.count() / 1000), static_cast<long>(wait.count() % 1000) * 1000000L};
            pollfd pfd{ifd, POLLIN, 0};
            ::ppoll(&pfd, ifd >= 0 ? 1 : 0, &ts, &old);
            // on SIGINT/SIGTERM too: what is written by now is read, then the loop ends
            alignas(inotify_event) char ev[4096];
            while (ifd >= 0 && ::read(ifd, ev, sizeof ev) > 0) {
            } // what changed is found by stat below
        }
        first = false;
        indexer.set_now(now_micros());
        // rotated files first: their last lines come before the new file's
        for (auto it = retired.begin(); it != retired.end();) {
            if (read_new(*it)) it->retired = Clock::now();
            if (Clock::now() - it->retired > kRetiredGrace) {
                ::close(it->fd);
                it = retired.erase(it);
            } else {
                ++it;
            }
        }
        for (auto& f : files) {
            struct stat st{};
            const bool exists = ::stat(f.path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
            if (f.fd >= 0 && (!exists || st.st_dev != f.dev || st.st_ino != f.ino)) {
                // renamed away or removed: read to its end now, and a while longer for late writes
                read_new(f);
                f.retired = Clock::now();
                retired.push_back(f);
                f.fd = -1;
                f.size = -1;
                f.mtime = {};
            }
            if (f.fd < 0 && exists) {
                f.fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
                struct stat fst{};
                if (f.fd >= 0 && ::fstat(f.fd, &fst) == 0) {
                    f.dev = fst.st_dev;
                    f.ino = fst.st_ino;
                    if (ifd >= 0) ::inotify_add_watch(ifd, f.path.c_str(), IN_MODIFY | IN_CLOSE_WRITE);
                }
            }
            if (f.fd >= 0) read_new(f);
        }
        schedule.tick(indexer, store);
    }
    for (auto& f : retired) ::close(f.fd);
    for (auto& f : files)
        if (f.fd >= 0) ::close(f.fd);
    if (ifd >= 0) ::close(ifd);
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
}

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
    // a host name as syslog writes it: one word of printable characters (RFC 5424 HOSTNAME)
    const auto host_word = [](std::string_view v) {
        return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c > ' ' && c < 127; });
    };
    app.add_option("--host", a->host,
                   "Host name for inputs whose lines name none (an Exim main log, /var/log/exim4/mainlog); without it such an input is refused")
        ->type_name("NAME")
        ->check([host_word](const std::string& v) -> std::string {
            return host_word(v) ? std::string() : "a host name is one word of printable characters, as syslog logs it";
        });
    app.add_option("--host-for", a->host_for,
                   "Host name by path for such inputs: GLOB=NAME (fnmatch(3) glob on the path as given or made absolute; "
                   "the first match wins over --host); repeatable")
        ->type_name("GLOB=NAME")
        ->allow_extra_args(false)
        ->check([host_word](const std::string& v) -> std::string {
            const auto eq = v.rfind('=');
            if (eq == std::string::npos || eq == 0 || eq + 1 == v.size())
                return "expected GLOB=NAME, e.g. '/var/log/exim4/*=mail1'";
            if (!host_word(std::string_view(v).substr(eq + 1)))
                return "the NAME of GLOB=NAME is one word of printable characters, as syslog logs a host name";
            return {};
        });
    add_retention_option(app, "Days the index keeps, back from its newest time (or now, if earlier), stored in the index "
                              "when it is created (default 90); 0 keeps everything (a forensic index). On an existing index "
                              "it must match the stored one: change that with mxtrace prune --set-retention DAYS");
    app.add_flag("--full", a->full, "Read every input from its start, ignoring what earlier runs read");
    app.add_flag("--wait", a->wait, "If another mxtrace index is running on the index, wait for it instead of failing");
    app.add_flag("--missing-ok", a->missing_ok,
                 "Skip inputs that do not exist without a word (for cron jobs naming mail.log.1 before the first rotation); "
                 "a warning if none exists");
    app.add_option("--unparsed", a->unparsed, "Write the lines that could not be understood to FILE, as FILE:LINE: reason: text")
        ->type_name("FILE");
    app.add_flag("--quiet", a->quiet, "Print no summary");
    app.add_option("--export", a->export_to,
                   "After the run (with --follow: every minute, and when it stops), export what is new or changed to TARGET (clickhouse; see mxtrace-export(1))")
        ->type_name("TARGET")
        ->check(CLI::IsMember({"clickhouse"}));
    add_clickhouse_options(app, a->ch);
    app.add_flag("--follow", a->follow,
                 "After reading the inputs, keep reading what is added to them (tail -F: rotation, copytruncate, files "
                 "that appear later; or standard input as it comes): new mail is searchable within about 2 seconds; "
                 "SIGINT/SIGTERM commit and stop");
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
        std::optional<clickhouse::Options> export_opts;
        if (!a->export_to.empty()) export_opts = clickhouse_options(a->ch); // a bad --url before reading anything
        Store store(index_dir(), Store::Mode::write, a->wait);
        // the retention is the index's: stored when it is created, changed only by prune --set-retention
        const std::string db = shell_quote(store.dir().string());
        if (const std::optional<int> stored = store.retention()) {
            if (shared().retention_given && shared().retention != *stored)
                throw Error(ExitCode::usage,
                            fmt::format("the index in {} keeps {}; --retention {} would change that, and a run does not",
                                        store.dir().string(), days_text(*stored), shared().retention),
                            fmt::format("change the index's retention with: mxtrace prune --db {} --set-retention {} "
                                        "(it says what that removes); or index into an index of its own: "
                                        "mxtrace index --db NEWDIR --retention {} FILE...",
                                        db, shared().retention, shared().retention));
            opts.retention_days = *stored;
        } else {
            opts.retention_days = shared().retention; // a new index, or one made before it was stored
            store.set_retention(opts.retention_days);
        }
        // --unparsed is opened (and truncated) only now that the index opened: never an input,
        // never a file of the index
        if (!a->unparsed.empty() && a->unparsed != "-") {
            namespace fs = std::filesystem;
            std::error_code ec;
            struct stat out_st{};
            const bool exists = ::stat(a->unparsed.c_str(), &out_st) == 0;
            for (const auto& in : a->inputs) {
                struct stat in_st{};
                if (exists && in != "-" && ::stat(in.c_str(), &in_st) == 0 && in_st.st_dev == out_st.st_dev &&
                    in_st.st_ino == out_st.st_ino)
                    throw Error(ExitCode::usage, fmt::format("--unparsed {} is one of the inputs", a->unparsed),
                                "give --unparsed a file of its own, e.g. --unparsed unparsed.txt");
            }
            const fs::path dir = fs::weakly_canonical(store.dir(), ec);
            const fs::path out = fs::weakly_canonical(fs::absolute(a->unparsed, ec), ec);
            const auto rel = out.lexically_relative(dir);
            if (!dir.empty() && !rel.empty() && *rel.begin() != "..")
                throw Error(ExitCode::usage, fmt::format("--unparsed {} is inside the index directory {}", a->unparsed, store.dir().string()),
                            "give --unparsed a file outside the index, e.g. --unparsed unparsed.txt");
        }
        std::unique_ptr<std::FILE, int (*)(std::FILE*)> unparsed(nullptr, std::fclose);
        if (!a->unparsed.empty()) {
            if (a->unparsed == "-") {
                unparsed.reset(fdopen(dup(1), "w"));
            } else {
                // it holds raw log lines: private like the index (0600), also when it existed
                const int fd = ::open(a->unparsed.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                struct stat st{};
                if (fd >= 0 && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077)) ::fchmod(fd, 0600);
                if (fd >= 0) unparsed.reset(fdopen(fd, "w"));
                if (fd >= 0 && !unparsed) ::close(fd);
            }
            if (!unparsed)
                throw Error(ExitCode::usage, fmt::format("cannot write {}", a->unparsed), "give a writable path to --unparsed");
            opts.unparsed_out = unparsed.get();
        }
        const bool has_stdin = std::find(a->inputs.begin(), a->inputs.end(), "-") != a->inputs.end();
        if (a->follow && has_stdin && a->inputs.size() > 1)
            throw Error(ExitCode::usage, "--follow reads standard input (-) alone, not with files",
                        "run one follower for the pipe and another for the files, each with its own index");
        // the follower's hook while standard input has nothing: commit by time, stop on a signal
        FollowSchedule schedule{a->follow ? export_opts : std::nullopt};
        Indexer* follower = nullptr;
        if (a->follow) {
            opts.follow = true;
            opts.stdin_idle = [&]() {
                if (g_stop) return false;
                if (!follower) return true;
                schedule.tick(*follower, store);
                return true;
            };
            store.mark_follower("mxtrace index --follow");
        }
        Indexer indexer(store, opts);
        if (a->follow && has_stdin) {
            follower = &indexer;
            catch_stop_signals(); // the reader's poll(2) returns, the hook says stop
        }
        std::size_t skipped = 0;
        for (const auto& in : order_inputs(a->inputs)) {
            std::error_code ec;
            if (a->missing_ok && in != "-" && !std::filesystem::exists(in, ec)) {
                ++skipped;
                continue;
            }
            indexer.add_input(in);
        }
        if (skipped > 0 && skipped == a->inputs.size() && !a->follow) {
            // --missing-ok is for a rotated file that is not there yet, not for a wrong path
            std::string first;
            escape_path(a->inputs.front(), first);
            fmt::print(stderr,
                       "mxtrace: warning: none of the {} input{} exists (such as {}); nothing was read\n"
                       "mxtrace: hint: check the paths; --missing-ok skips missing inputs without a word only when "
                       "another one is there\n",
                       skipped, skipped == 1 ? "" : "s", first);
        }
        if (a->follow && !has_stdin) {
            indexer.commit(); // what is there is searchable before the first wait
            indexer.retain();
            follow_files(indexer, store, schedule, order_inputs(a->inputs));
        }
        IndexStats s = indexer.finish();
        refresh_rollups(store); // the stats rollups of the buckets this run changed
        if (tty) fmt::print(stderr, "\r\x1b[K");
        // the index is written; the list of unparsed lines must be complete or say it is not
        bool unparsed_failed = false;
        if (unparsed && (std::fflush(unparsed.get()) != 0 || std::ferror(unparsed.get()))) {
            const int err = errno;
            std::string name;
            escape_path(a->unparsed == "-" ? std::string("standard output") : a->unparsed, name);
            fmt::print(stderr, "mxtrace: error: writing the unparsed lines to {} failed: {}\n"
                               "mxtrace: hint: the index is complete; free space or give --unparsed another file, "
                               "then run again with --full to list them all\n",
                       name, std::strerror(err));
            unparsed_failed = true;
        }
        if (!a->quiet) {
            std::string hint = a->unparsed.empty() && s.unparsed ? "  (list them with --unparsed FILE)" : "";
            std::string out = fmt::format(
                "lines read:            {}\n"
                "  attributed:          {}  (Postfix/Sendmail/Exim lines about a queued message)\n"
                "  no queue ID:         {}  (connections, pre-queue rejects: {}, daemon notices)\n"
                "  other programs:      {}\n"
                "  unparsed:            {}{}\n",
                s.lines, s.attributed, s.noqueue, s.noqueue_rejects, s.other, s.unparsed, hint);
            if (s.unparsed_mail)
                out += fmt::format("    of them mail:      {}  (Postfix/Sendmail/Exim lines not understood)\n", s.unparsed_mail);
            out += fmt::format("  empty:               {}\n", s.empty);
            if (s.reject_records)
                out += fmt::format("    reject records:    {}  (pre-queue rejects stored, status rejected)\n",
                                   s.reject_records);
            if (s.reject_headers)
                out += fmt::format("    reject headers:    {}  (header lines Exim's reject log copies after a reject; "
                                   "counted in no queue ID)\n",
                                   s.reject_headers);
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
            if (s.too_old)
                out += fmt::format("  older than {} days: {}  (not indexed, not recorded as read)\n", opts.retention_days, s.too_old);
            if (s.indexed_before)
                out += fmt::format("  indexed before:      {}  (read again for lines the retention skipped then: {} input{})\n",
                                   s.indexed_before, s.files_reread, s.files_reread == 1 ? "" : "s");
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
        bool all_skipped = false;
        for (const auto& sk : s.too_old_inputs) {
            all_skipped = all_skipped || sk.all;
            std::string msg, hint;
            escape_path(fmt::format("{}: {} {} older than the index's retention of {} (before {}); not indexed, not recorded as read",
                                    sk.path == "-" ? std::string("standard input") : sk.path, sk.all ? "all its" : std::to_string(sk.lines),
                                    sk.all ? fmt::format("{} lines are", sk.lines) : sk.lines == 1 ? "line is" : "lines are",
                                    days_text(opts.retention_days), format_rfc3339(sk.cutoff)),
                        msg);
            const std::string file = sk.path == "-" ? std::string("FILE") : shell_quote(sk.path);
            escape_path(fmt::format("to index them, make this index keep everything: mxtrace prune --db {} --set-retention 0 "
                                    "&& mxtrace index --db {} {}; or give them an index of their own: "
                                    "mxtrace index --db NEWDIR --retention 0 {}",
                                    db, db, file, file),
                        hint);
            fmt::print(stderr, "mxtrace: warning: {}\nmxtrace: hint: {}\n", msg, hint);
        }
        if (export_opts) {
            try {
                const std::string line = export_clickhouse(store, *export_opts, 5000);
                if (!a->quiet) fmt::print(stderr, "{}\n", line);
            } catch (const Error& e) {
                throw Error(e.code(), fmt::format("the index is written, but the export failed: {}", e.what()),
                            e.hint() + "; then run mxtrace export clickhouse", e.detail());
            }
        }
        if (s.files_failed || unparsed_failed) return static_cast<int>(ExitCode::usage);
        return all_skipped ? static_cast<int>(ExitCode::too_old) : 0;
    };
}

} // namespace mxtrace::cli
