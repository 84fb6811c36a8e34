// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "mxtrace/output/output.hpp"
#include "mxtrace/store/store.hpp"
#include "mxtrace/base/timeutil.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>

namespace mxtrace::cli {

Shared& shared() {
    static Shared s;
    return s;
}

void add_db_option(CLI::App& app) {
    app.add_option("--db", shared().db, "Index directory (default: $MXTRACE_DB, else $XDG_DATA_HOME/mxtrace, else ~/.local/share/mxtrace)")
        ->type_name("DIR");
}

std::int64_t now_micros() {
    if (const char* n = std::getenv("MXTRACE_NOW"); n && *n) {
        Zone utc("UTC");
        return parse_user_time(n, false, utc);
    }
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string days_text(int days) {
    return days ? fmt::format("{} day{}", days, days == 1 ? "" : "s") : std::string("everything (retention 0)");
}

void escape_path(const std::string& path, std::string& out) { escape_message(path, out); }

void add_retention_option(CLI::App& app, const std::string& help) {
    app.add_option("--retention", shared().retention, help)->type_name("DAYS")->check(CLI::Range(0, 36500));
}

void add_clickhouse_options(CLI::App& app, ClickHouseArgs& a) {
    app.add_option("--url", a.url, "ClickHouse's HTTP interface (default http://127.0.0.1:8123)")->type_name("URL");
    app.add_option("--database", a.database, "ClickHouse database of the transactions (default mxtrace)")->type_name("NAME");
    app.add_option("--timeout", a.timeout, "Seconds to wait for each ClickHouse request (default 60)")
        ->type_name("SECONDS")
        ->check(CLI::Range(1, 86400));
    // config file only (mxtrace.conf(5)): hidden, and main() refuses the password on a command line
    app.add_option("--clickhouse-user", a.user, "ClickHouse user (config file key clickhouse-user)")->group("");
    app.add_option("--clickhouse-password", a.password, "ClickHouse password (config file key clickhouse-password)")->group("");
}

std::filesystem::path index_dir() {
    const std::string& db = shared().db;
    if (db.empty()) return default_index_dir();
    // "~/" as a shell would expand it (a config file value is not seen by a shell)
    if (db == "~" || db.starts_with("~/")) {
        if (const char* home = std::getenv("HOME"); home && *home) return std::filesystem::path(home) / db.substr(db.size() > 1 ? 2 : 1);
    }
    return std::filesystem::path(db);
}

} // namespace mxtrace::cli
