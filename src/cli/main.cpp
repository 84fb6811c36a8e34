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

namespace {
constexpr mxtrace::cli::Command kCommands[] = {
    {"index", "Read mail logs and add their transactions to the index", mxtrace::cli::setup_index},
    {"search", "Find transactions by sender, recipient, Message-ID, host, time and more", mxtrace::cli::setup_search},
    {"show", "Print the transactions of a queue ID with their original log lines", mxtrace::cli::setup_show},
    {"trace", "Follow messages hop by hop across hosts: by Message-ID, queue ID or search", mxtrace::cli::setup_trace},
    {"stats", "Summarise a period: counts by outcome, traffic per hour and day, top lists, reasons, delays",
     mxtrace::cli::setup_stats},
    {"prune", "Remove transactions older than the retention window", mxtrace::cli::setup_prune},
    {"info", "Show the index: location, counts, time span, size, and the inputs read with their checkpoints",
     mxtrace::cli::setup_info},
};

/// The config file read by default: $XDG_CONFIG_HOME/mxtrace/config (~/.config/mxtrace/config)
/// if it exists, else /etc/mxtrace.conf. Format: CLI11's (TOML-like), one [section] per subcommand.
std::string default_config() {
    namespace fs = std::filesystem;
    fs::path user;
    if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) user = fs::path(x) / "mxtrace" / "config";
    else if (const char* h = std::getenv("HOME"); h && *h) user = fs::path(h) / ".config" / "mxtrace" / "config";
    std::error_code ec;
    if (!user.empty() && fs::exists(user, ec)) return user.string();
    return "/etc/mxtrace.conf";
}

int report(const mxtrace::Error& e) {
    std::string safe;
    mxtrace::cli::escape_path(e.what(), safe); // messages quote file names and log text
    std::fprintf(stderr, "mxtrace: error: %s\n", safe.c_str());
    if (!e.detail().empty()) std::fprintf(stderr, "%s", e.detail().c_str());
    if (!e.hint().empty()) std::fprintf(stderr, "mxtrace: hint: %s\n", e.hint().c_str());
    return static_cast<int>(e.code());
}
} // namespace

int main(int argc, char** argv) {
    std::setlocale(LC_ALL, "C");
    CLI::App app{"mxtrace: reduce Postfix and Sendmail logs into e-mail transactions, index them, and search them.\n"
                 "See mxtrace(1) and mxtrace-COMMAND(1)."};
    app.name("mxtrace");
    app.set_help_flag("--help", "Print this help and exit");
    app.set_version_flag("--version", std::string("mxtrace ") + MXTRACE_VERSION);
    app.set_config("--config", default_config(),
                   "Read settings from FILE (default: $XDG_CONFIG_HOME/mxtrace/config, else /etc/mxtrace.conf); see mxtrace.conf(5)")
        ->type_name("FILE");
    app.allow_config_extras(CLI::config_extras_mode::error); // a misspelt key is an error, not silence
    app.require_subcommand(1);
    app.fallthrough(false);
    mxtrace::cli::Runner run;
    for (const auto& c : kCommands) {
        CLI::App* sub = app.add_subcommand(c.name, c.help);
        sub->set_help_flag("--help", "Print this help and exit");
        auto r = c.setup(*sub);
        sub->callback([&run, r]() { run = r; });
    }
    // the first word that is not an option must name a command
    std::string names;
    for (const auto& c : kCommands) names += names.empty() ? c.name : std::string(", ") + c.name;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--config") { ++i; continue; }
        if (a.starts_with("-")) continue;
        bool known = false;
        for (const auto& c : kCommands) known = known || a == c.name;
        if (!known) {
            std::string safe;
            mxtrace::cli::escape_path(std::string(a), safe);
            std::fprintf(stderr, "mxtrace: error: unknown command '%s'\nmxtrace: hint: the commands are %s; see mxtrace --help\n",
                         safe.c_str(), names.c_str());
            return static_cast<int>(mxtrace::ExitCode::usage);
        }
        break;
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
    } catch (const CLI::ParseError& e) {
        // CLI11's words, in mxtrace's format
        std::string safe;
        mxtrace::cli::escape_path(e.what(), safe);
        std::fprintf(stderr, "mxtrace: error: %s\nmxtrace: hint: %s\n", safe.c_str(),
                     "check the options (mxtrace COMMAND --help, man mxtrace-COMMAND) and the config file, "
                     "whose values count as options (mxtrace.conf(5))");
        return static_cast<int>(mxtrace::ExitCode::usage);
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
