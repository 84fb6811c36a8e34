// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands.hpp"

#include "mxtrace/store.hpp"

namespace mxtrace::cli {

void add_db_option(CLI::App& app, std::string& db) {
    app.add_option("--db", db, "Index directory (default: $MXTRACE_DB, else $XDG_DATA_HOME/mxtrace, else ~/.local/share/mxtrace)")
        ->type_name("DIR");
}

std::filesystem::path index_dir(const std::string& db) {
    return db.empty() ? default_index_dir() : std::filesystem::path(db);
}

} // namespace mxtrace::cli
