// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The table of subcommands. Each command file provides a setup function that adds its
// options to its CLI11 subcommand and returns the function that runs it (returning an exit code).
// Nothing in src/cli includes <xapian.h> or <sqlite3.h>.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <functional>
#include <string>

namespace mxtrace::cli {

using Runner = std::function<int()>;

struct Command {
    const char* name;
    const char* help;
    Runner (*setup)(CLI::App&);
};

Runner setup_index(CLI::App& app);
Runner setup_search(CLI::App& app);

/// Adds --db DIR to a subcommand; the resolved directory is read with index_dir().
void add_db_option(CLI::App& app, std::string& db);

/// --db if given, else the default (MXTRACE_DB, XDG_DATA_HOME, HOME).
std::filesystem::path index_dir(const std::string& db);

} // namespace mxtrace::cli
