// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace: reduce mail server logs into e-mail transactions and search them.
#include "commands.hpp"

#include "mxtrace/base/error.hpp"

#include <string>
#include <string_view>

#include <fmt/format.h>

#include <clocale>
#include <cstdlib>
#include <filesystem>
#include <cstdio>
#include <exception>
#include <algorithm>
#include <vector>

#ifdef MXTRACE_JEMALLOC
/// jemalloc's settings, read at its first allocation (jemalloc(3) "TUNING"; the MALLOC_CONF
/// environment variable still overrides them). One arena for the process: with one per thread,
/// the reading and the Xapian threads each held freed batches, and an ingest's peak went over
/// the 256 MB bound (BENCHMARKS.md "The allocator").
extern "C" const char* malloc_conf;
const char* malloc_conf = "narenas:1";
#endif

namespace {
constexpr mxtrace::cli::Command kCommands[] = {
    {"index", "Read mail logs and add their transactions to the index", mxtrace::cli::setup_index},
    {"search", "Find transactions by sender, recipient, Message-ID, host, time and more", mxtrace::cli::setup_search},
    {"show", "Print the transactions of a queue ID with their original log lines", mxtrace::cli::setup_show},
    {"trace", "Follow messages hop by hop across hosts: by Message-ID, queue ID or search", mxtrace::cli::setup_trace},
    {"stats", "Summarise a period: counts by outcome, traffic per hour and day, top lists, reasons, delays",
     mxtrace::cli::setup_stats},
    {"prune", "Remove transactions older than the retention window", mxtrace::cli::setup_prune},
    {"compact", "Rewrite the index into its smallest form (after large runs and prunes)", mxtrace::cli::setup_compact},
    {"info", "Show the index: location, counts, time span, size, and the inputs read with their checkpoints",
     mxtrace::cli::setup_info},
    {"check", "Verify the index: SQLite, Xapian, and that both hold the same transactions", mxtrace::cli::setup_check},
    {"repair", "Repair a damaged index: rebuild Xapian from SQLite, salvage a damaged SQLite file", mxtrace::cli::setup_repair},
    {"export", "Copy the index's new and changed transactions to a ClickHouse cluster", mxtrace::cli::setup_export},
};

/// Edit distance of a and b (bytes): insertions, deletions, substitutions and transpositions of
/// neighbours count 1 each (optimal string alignment), so "--form" is 1 from "--from".
[[maybe_unused]] std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i)
        for (std::size_t j = 1; j <= b.size(); ++j) {
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[a.size()][b.size()];
}

/// The candidates nearest to `word` if close enough to be a typo (at most 2 edits, and fewer
/// than half the candidate's length), joined with " or " when several are as near; else "".
/// A candidate that `word` (4 or more bytes) begins counts as 1.5 edits ("--fr" -> "--from"),
/// so a true one-edit typo wins ("--form" -> "--from", not "--format").
[[maybe_unused]] std::string nearest(std::string_view word, const std::vector<std::string>& candidates) {
    std::vector<std::string> best;
    std::size_t best_d = 5; // in half edits
    for (const auto& c : candidates) {
        const std::size_t e = edit_distance(word, c);
        std::size_t d = 2 * e;
        if (word.size() >= 4 && c.starts_with(word)) d = std::min<std::size_t>(d, 3);
        if (d > best_d || d >= c.size()) continue; // fewer edits than half its length
        if (d < best_d) best.clear();
        best_d = d;
        if (std::find(best.begin(), best.end(), c) == best.end()) best.push_back(c);
    }
    std::string out;
    for (const auto& b : best) out += (out.empty() ? "" : " or ") + b;
    return out;
}

/// Every long and short name of app's options ("--from", "-f"), but not of hidden ones (the
/// root's --db and --retention, which only the config file sets).
[[maybe_unused]] std::vector<std::string> option_names(const CLI::App& app) {
    std::vector<std::string> out;
    for (const CLI::Option* o : app.get_options()) {
        if (o->get_group().empty()) continue;
        for (const auto& l : o->get_lnames()) out.push_back("--" + l);
        for (const auto& s : o->get_snames()) out.push_back("-" + s);
    }
    return out;
}

/// The option of `sub` (or of the main app) that `name` ("--from", "-f") names, or nullptr.
/// Hidden options of the main app (config-file-only --db, --retention) do not count.
[[maybe_unused]] const CLI::Option* find_option(const CLI::App& root, const CLI::App& sub, const std::string& name) {
    for (const CLI::App* a : {&sub, &root})
        for (const CLI::Option* o : a->get_options()) {
            if (a == &root && o->get_group().empty()) continue;
            for (const auto& l : o->get_lnames())
                if (name == "--" + l) return o;
            for (const auto& s : o->get_snames())
                if (name == "-" + s) return o;
        }
    return nullptr;
}

[[maybe_unused]] int usage_error(const std::string& what, const std::string& hint) {
    std::string safe;
    mxtrace::cli::escape_path(what, safe);
    std::fprintf(stderr, "mxtrace: error: %s\nmxtrace: hint: %s\n", safe.c_str(), hint.c_str());
    return static_cast<int>(mxtrace::ExitCode::usage);
}

/// Checks the options given to subcommand `sub` (argv[from..]) before CLI11 parses them, so a
/// mistyped option gets "did you mean". Returns an exit code, or -1 if all are known.
[[maybe_unused]] int check_options(const CLI::App& root, const CLI::App& sub, int from, int argc, char** argv) {
    for (int i = from; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--") break;
        if (a.size() < 2 || a[0] != '-' || (a[1] != '-' && a.size() != 2)) continue; // values, -rN forms
        if (a[1] >= '0' && a[1] <= '9') continue;                                       // a negative number
        const auto eq = a.find('=');
        const std::string name = a.substr(0, eq);
        if (const CLI::Option* o = find_option(root, sub, name)) {
            if (o->get_items_expected_max() > 0 && eq == std::string::npos) ++i; // skip its value
            continue;
        }
        std::vector<std::string> names = option_names(sub);
        for (auto& n : option_names(root)) names.push_back(n);
        std::string safe;
        mxtrace::cli::escape_path(name, safe);
        const std::string near = nearest(name, names);
        return usage_error(fmt::format("{} has no option {}", sub.get_name(), name),
                           near.empty() ? fmt::format("see mxtrace {} --help", sub.get_name())
                                        : fmt::format("did you mean {}? (mxtrace {} --help lists the options)", near,
                                                      sub.get_name()));
    }
    return -1;
}

/// The system-wide config file: SYSCONFDIR/mxtrace.conf, SYSCONFDIR being meson's
/// prefix/sysconfdir (/usr/local/etc by default, /etc in the Debian package).
std::string system_config() { return std::string(MXTRACE_SYSCONFDIR) + "/mxtrace.conf"; }

/// The config file read by default: $XDG_CONFIG_HOME/mxtrace/config (~/.config/mxtrace/config)
/// if it exists, else system_config(). Format: CLI11's (TOML-like), one [section] per subcommand.
std::string default_config() {
    namespace fs = std::filesystem;
    fs::path user;
    if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) user = fs::path(x) / "mxtrace" / "config";
    else if (const char* h = std::getenv("HOME"); h && *h) user = fs::path(h) / ".config" / "mxtrace" / "config";
    std::error_code ec;
    if (!user.empty() && fs::exists(user, ec)) return user.string();
    return system_config();
}

[[maybe_unused]] int report(const mxtrace::Error& e) {
    std::string safe;
    mxtrace::cli::escape_path(e.what(), safe); // messages quote file names and log text
    std::fprintf(stderr, "mxtrace: error: %s\n", safe.c_str());
    if (!e.detail().empty()) std::fprintf(stderr, "%s", e.detail().c_str());
    if (!e.hint().empty()) std::fprintf(stderr, "mxtrace: hint: %s\n", e.hint().c_str());
    return static_cast<int>(e.code());
}
} // namespace

namespace mxtrace::cli {
void build_app(CLI::App& app, Runner& run) {
    app.description("mxtrace: reduce Postfix, Sendmail and Exim logs into e-mail transactions, index them, and search them.\n"
                    "See mxtrace(1) and mxtrace-COMMAND(1).");
    app.name("mxtrace");
    // Keys before any [section] of the config file are the root app's: db and retention there
    // serve every command (bound to the same storage as each command's --db and --retention,
    // whose callbacks run after the root's, so a command's own option or section wins).
    // Hidden: on the command line they belong after the command name. Added first, so that their
    // group ("") is not the last of --help's groups (CLI11 then adds an empty line).
    app.add_option("--db", shared().db, "Index directory for every command (config file only)")
        ->type_name("DIR")
        ->group("");
    app.add_option("--retention", shared().retention, "Days to keep, for every command (config file only)")
        ->type_name("DAYS")
        ->check(CLI::Range(0, 36500))
        ->group("");
    app.set_help_flag("--help", "Print this help and exit");
    app.set_version_flag("--version", std::string("mxtrace ") + MXTRACE_VERSION);
    app.set_config("--config", default_config(),
                   "Read settings from FILE (default: $XDG_CONFIG_HOME/mxtrace/config if it exists, else " +
                       system_config() + "); see mxtrace.conf(5)")
        ->type_name("FILE")
        ->option_text("FILE"); // no "=DEFAULT" in --help: which file is read depends on $XDG_CONFIG_HOME
    app.allow_config_extras(CLI::config_extras_mode::error); // a misspelt key is an error, not silence
    app.require_subcommand(1);
    app.fallthrough(false);
    for (const auto& c : kCommands) {
        CLI::App* sub = app.add_subcommand(c.name, c.help);
        sub->set_help_flag("--help", "Print this help and exit");
        auto r = c.setup(*sub);
        sub->callback([&run, r]() { run = r; });
    }
    {
        CLI::App* sub = app.add_subcommand("completions", "Print a shell completion script (bash, zsh or fish)");
        sub->group(""); // hidden: for packagers (mxtrace(1))
        sub->set_help_flag("--help", "Print this help and exit");
        auto r = mxtrace::cli::setup_completions(*sub);
        sub->callback([&run, r]() { run = r; });
    }
}
} // namespace mxtrace::cli

// The fuzz target of the config file (tests/fuzz/fuzz_config.cpp) builds this file without main.
#ifndef MXTRACE_NO_MAIN
int main(int argc, char** argv) {
    std::setlocale(LC_ALL, "C");
    CLI::App app;
    mxtrace::cli::Runner run;
    mxtrace::cli::build_app(app, run);
    std::vector<std::string> command_names;
    for (const auto& c : kCommands) command_names.emplace_back(c.name);
    command_names.emplace_back("help");
    if (argc == 1) { // mxtrace alone: the usage, as an error
        std::fprintf(stderr, "%s", app.help().c_str());
        return static_cast<int>(mxtrace::ExitCode::usage);
    }
    if (std::string_view(argv[1]) == "help") { // mxtrace help [COMMAND]
        if (argc == 2) {
            std::fputs(app.help().c_str(), stdout);
            return 0;
        }
        for (const auto& c : kCommands)
            if (std::string_view(argv[2]) == c.name) {
                std::fputs(app.get_subcommand(c.name)->help("mxtrace").c_str(), stdout);
                return 0;
            }
        const std::string near = nearest(argv[2], command_names);
        return usage_error(fmt::format("unknown command '{}'", argv[2]),
                           near.empty() ? "the commands are " + [&] {
                               std::string n;
                               for (const auto& c : kCommands) n += n.empty() ? c.name : std::string(", ") + c.name;
                               return n;
                           }()
                                        : fmt::format("did you mean {}?", near));
    }
    // the first word that is not an option must name a command
    std::string names;
    for (const auto& c : kCommands) names += names.empty() ? c.name : std::string(", ") + c.name;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--config") { ++i; continue; }
        for (const std::string_view o : {"--db", "--retention"})
            if (a == o || (a.starts_with(o) && a.substr(o.size()).starts_with("=")))
                return usage_error(fmt::format("{} must come after the command name", o),
                                   fmt::format("mxtrace COMMAND {} ... (in the config file, {} before any [section] "
                                               "serves every command: mxtrace.conf(5))",
                                               o, o.substr(2)));
        if (a.starts_with("-")) continue;
        bool known = a == "completions";
        for (const auto& c : kCommands) known = known || a == c.name;
        if (!known) {
            std::string safe;
            mxtrace::cli::escape_path(std::string(a), safe);
            const std::string near = nearest(a, command_names);
            std::fprintf(stderr, "mxtrace: error: unknown command '%s'\nmxtrace: hint: %s\n", safe.c_str(),
                         near.empty() ? fmt::format("the commands are {}; see mxtrace --help", names).c_str()
                                      : fmt::format("did you mean {}? (mxtrace --help lists the commands)", near).c_str());
            return static_cast<int>(mxtrace::ExitCode::usage);
        }
        const CLI::App* sub = app.get_subcommand(std::string(a));
        // -h is --host for search and trace (kept from the original tool); alone, or before
        // another option, it has no host to take and means help
        // the value; an empty one (an empty shell variable) is an error, not help, so that
        // a script does not read exit 0 as "found"
        for (int j = i + 1; j < argc; ++j) {
            const std::string_view o = argv[j];
            if (o == "--") break;
            if ((o == "-h" || o == "--host") && j + 1 < argc && argv[j + 1][0] == '\0' &&
                find_option(app, *sub, "-h") != nullptr)
                return usage_error(fmt::format("{} {}: the host name is empty", sub->get_name(), o),
                                   "give a host name (as syslog logs it), or leave the option out; "
                                   "for help: mxtrace " + sub->get_name() + " --help");
            if (o == "--host=" && find_option(app, *sub, "-h") != nullptr)
                return usage_error(fmt::format("{} --host: the host name is empty", sub->get_name()),
                                   "give a host name (as syslog logs it), or leave the option out");
            if (o == "-h" && (j + 1 == argc || argv[j + 1][0] == '-') && find_option(app, *sub, "-h") != nullptr) {
                std::fputs(sub->help("mxtrace").c_str(), stdout);
                return 0;
            }
        }
        if (int rc = check_options(app, *sub, i + 1, argc, argv); rc >= 0) return rc;
        break;
    }
    // a password on a command line is seen by every user (ps, /proc, shell history)
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--") break;
        if (a == "--clickhouse-password" || a.starts_with("--clickhouse-password="))
            return usage_error("the ClickHouse password is never taken from the command line",
                               "set clickhouse-password in the command's section of the config file (mode 0600, "
                               "mxtrace.conf(5)) or $MXTRACE_CLICKHOUSE_PASSWORD");
    }
    // an index's retention is changed only by an explicit command-line option, never by a config file
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--") break;
        if (a == "--retention" || a.starts_with("--retention=")) mxtrace::cli::shared().retention_given = true;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::FileError& e) {
        std::fprintf(stderr, "mxtrace: error: config file: %s\nmxtrace: hint: see mxtrace.conf(5)\n", e.what());
        return static_cast<int>(mxtrace::ExitCode::usage);
    } catch (const CLI::ConfigError& e) {
        // CLI11 says "INI was not able to parse KEY" for a key no option takes
        std::string what = e.what(), safe;
        constexpr std::string_view kExtra = "INI was not able to parse ";
        if (what.starts_with(kExtra)) {
            const std::string key = what.substr(kExtra.size()); // "KEY" or "SECTION.KEY"
            const std::size_t dot = key.find('.');
            std::string where = "before any [section]";
            if (dot != std::string::npos) where = "in [" + key.substr(0, dot) + "]";
            mxtrace::cli::escape_path(dot == std::string::npos ? key : key.substr(dot + 1), safe);
            std::string safe_where;
            mxtrace::cli::escape_path(where, safe_where);
            std::fprintf(stderr,
                         "mxtrace: error: config file: unknown key %s %s\n"
                         "mxtrace: hint: before any [section] only db and retention may stand; in [COMMAND], "
                         "that command's long options without the dashes (mxtrace COMMAND --help, mxtrace.conf(5))\n",
                         safe.c_str(), safe_where.c_str());
        } else {
            mxtrace::cli::escape_path(what, safe);
            std::fprintf(stderr, "mxtrace: error: config file: %s\nmxtrace: hint: see mxtrace.conf(5)\n", safe.c_str());
        }
        return static_cast<int>(mxtrace::ExitCode::usage);
    } catch (const CLI::ParseError& e) {
        // CLI11's words, in mxtrace's format
        std::string safe;
        mxtrace::cli::escape_path(e.what(), safe);
        std::fprintf(stderr, "mxtrace: error: %s\nmxtrace: hint: %s\n", safe.c_str(),
                     "check the options (mxtrace COMMAND --help, man mxtrace-COMMAND) and the config file, "
                     "whose values count as options (mxtrace.conf(5))");
        return static_cast<int>(mxtrace::ExitCode::usage);
    }
    // Each command's --db and --retention write the shared storage, the root's first, then every
    // subcommand's in the order of kCommands, whether it runs or not (a config section of
    // another command sets its option too). The command that runs has the last word: its option
    // holds the command line's value, else its own section's.
    for (const CLI::App* sub : app.get_subcommands())
        for (const char* name : {"--db", "--retention"})
            if (const CLI::Option* o = sub->get_option_no_throw(name); o != nullptr && o->count() > 0) {
                if (std::string_view(name) == "--db") mxtrace::cli::shared().db = o->as<std::string>();
                else mxtrace::cli::shared().retention = o->as<int>();
            }
    try {
        return run ? run() : 0;
    } catch (const mxtrace::Error& e) {
        return report(e);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mxtrace: internal error: %s\nmxtrace: hint: please report this with the command you ran\n",
                     e.what());
        return static_cast<int>(mxtrace::ExitCode::internal);
    }
}
#endif // MXTRACE_NO_MAIN
