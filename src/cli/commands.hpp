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
Runner setup_prune(CLI::App& app);
Runner setup_info(CLI::App& app);
Runner setup_show(CLI::App& app);
Runner setup_trace(CLI::App& app);
Runner setup_stats(CLI::App& app);
Runner setup_check(CLI::App& app);
Runner setup_repair(CLI::App& app);
Runner setup_export(CLI::App& app);
Runner setup_compact(CLI::App& app);

/// `mxtrace completions SHELL` (hidden): prints a completion script generated from the
/// parent app's subcommands and options and the field table.
Runner setup_completions(CLI::App& app);

/// Sets up `app` as the mxtrace command line: global options (--config, --version), the config
/// file reading (mxtrace.conf(5)) and every subcommand, whose callback stores its runner in
/// `run` (which must outlive `app`'s parse). Defined in main.cpp.
void build_app(CLI::App& app, Runner& run);

/// Appends a file name to `out` with control characters escaped (names come from the user's
/// file system and are echoed to a terminal).
void escape_path(const std::string& path, std::string& out);

/// Settings shared by the subcommands that have them. Each subcommand's option is bound to the
/// same storage, so a value from any config file section (mxtrace.conf(5)) serves them all,
/// and a value on the command line wins.
struct Shared {
    std::string db;
    int retention = 90;
    bool retention_given = false; ///< --retention was on the command line (not only in a config file)
};
Shared& shared();

/// Where the ClickHouse cluster is (export, search and prune --engine clickhouse).
struct ClickHouseArgs {
    std::string url = "http://127.0.0.1:8123";
    std::string database = "mxtrace";
    int timeout = 60;          ///< seconds per request
    std::string user;          ///< config key clickhouse-user (hidden option --clickhouse-user)
    std::string password;      ///< config key clickhouse-password only; $MXTRACE_CLICKHOUSE_PASSWORD wins
};

/// Adds --url, --database, --timeout and the config-file-only keys clickhouse-user and
/// clickhouse-password (hidden options; main() refuses a password on the command line) to `app`.
void add_clickhouse_options(CLI::App& app, ClickHouseArgs& a);

} // namespace mxtrace::cli
namespace mxtrace::clickhouse { struct Options; }
namespace mxtrace::cli {

/// The connection settings of `a` ($MXTRACE_CLICKHOUSE_PASSWORD over the config file's
/// password). @throws Error(usage) for a URL that is not http(s) or an empty database name.
clickhouse::Options clickhouse_options(const ClickHouseArgs& a);

} // namespace mxtrace::cli
namespace mxtrace { class Store; }
namespace mxtrace::cli {

/// Sends every transaction of `store` (open for writing) new or changed since the last export
/// to the ClickHouse database of `o`, `batch` per INSERT, creating the schema if absent; moves
/// the export mark after each acknowledged batch. Returns the line to print ("exported N
/// transactions in B batches to URL database DB (P new or changed since the last export)").
/// @throws Error(remote) for a server failure (the mark stays after the last acknowledged batch).
std::string export_clickhouse(Store& store, const clickhouse::Options& o, std::size_t batch);

/// Adds --db DIR to a subcommand (bound to shared().db).
void add_db_option(CLI::App& app);

/// Adds --retention DAYS to a subcommand (bound to shared().retention).
void add_retention_option(CLI::App& app, const std::string& help);

/// "90 days", "1 day", or for 0 "everything (retention 0)".
std::string days_text(int days);


/// The wall clock, UTC microseconds: $MXTRACE_NOW (RFC 3339, a test hook) if set, else the system clock.
std::int64_t now_micros();

/// --db if given, else the default (MXTRACE_DB, XDG_DATA_HOME, HOME).
std::filesystem::path index_dir();

} // namespace mxtrace::cli
