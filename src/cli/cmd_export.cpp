// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace export clickhouse: see man/mxtrace-export.1.
#include "commands.hpp"

#include "mxtrace/base/error.hpp"
#include "mxtrace/store/clickhouse.hpp"
#include "mxtrace/store/store.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mxtrace::cli {

clickhouse::Options clickhouse_options(const ClickHouseArgs& a) {
    clickhouse::Options o;
    o.url = a.url;
    o.database = a.database;
    o.user = a.user;
    o.password = a.password;
    if (const char* p = std::getenv("MXTRACE_CLICKHOUSE_PASSWORD"); p && *p) o.password = p;
    o.timeout_s = a.timeout;
    o.connect_timeout_s = std::min(a.timeout, 10);
    if (!o.url.starts_with("http://") && !o.url.starts_with("https://"))
        throw Error(ExitCode::usage, fmt::format("--url {} is not an http:// or https:// URL", o.url),
                    "give ClickHouse's HTTP interface, such as http://127.0.0.1:8123");
    if (o.database.empty()) throw Error(ExitCode::usage, "--database is empty", "give a database name, such as mxtrace");
    // they go into HTTP headers: a line break would start another header
    for (const auto& [what, v] : {std::pair<const char*, const std::string*>{"clickhouse-user", &o.user},
                                  {"the ClickHouse password", &o.password}})
        for (const char c : *v)
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                throw Error(ExitCode::usage, fmt::format("{} holds a control character", what),
                            "check the config file (mxtrace.conf(5)) or $MXTRACE_CLICKHOUSE_PASSWORD");
    return o;
}

std::string export_clickhouse(Store& store, const clickhouse::Options& o, std::size_t batch) {
    clickhouse::Cluster cluster(o);
    const bool created = cluster.ensure_schema();
    const std::string target = cluster.target();
    std::optional<ChangeMark> mark = store.export_mark(target);
    std::string note;
    if (created && mark) {
        // an empty cluster database (new, or dropped since): whatever the mark says, send all
        note = fmt::format("{}.transactions was just created: sent every transaction again; ", o.database);
        mark.reset();
        store.set_export_mark(target, mark);
    }
    const std::uint64_t pending = store.export_pending(mark);
    std::uint64_t sent = 0, batches = 0;
    for (;;) {
        std::vector<Changed> changes = store.export_changes(mark, batch);
        if (changes.empty()) break;
        // the row version: the wall clock of this batch, so the latest export of a transaction wins,
        // also over rows of an index rebuilt since (its change log restarts at 0)
        const auto version = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::system_clock::now().time_since_epoch()).count());
        std::vector<clickhouse::ExportRow> rows;
        rows.reserve(changes.size());
        for (const auto& c : changes) rows.push_back({&c.txn, version, store.links_of(c.txn.id)});
        cluster.write(rows, [&store](std::int64_t id) { return !store.get(id).has_value(); });
        // acknowledged by the server: only now does the mark move
        mark = changes.back().at;
        store.set_export_mark(target, mark);
        sent += changes.size();
        ++batches;
    }
    return fmt::format("{}exported {} transaction{} in {} batch{} to {} database {} ({} new or changed since the last export)",
                       note, sent, sent == 1 ? "" : "s", batches, batches == 1 ? "" : "es", o.url, o.database, pending);
}

namespace {
struct ExportArgs {
    std::string target;
    ClickHouseArgs ch;
    std::size_t batch = 5000;
    bool wait = false;
};
} // namespace

Runner setup_export(CLI::App& app) {
    auto a = std::make_shared<ExportArgs>();
    add_db_option(app);
    app.add_option("target", a->target, "Where to: clickhouse (the only target)")
        ->type_name("TARGET")
        ->required()
        ->check(CLI::IsMember({"clickhouse"}));
    add_clickhouse_options(app, a->ch);
    app.add_option("--batch", a->batch, "Transactions per INSERT (default 5000); the export mark moves after each one")
        ->type_name("N")
        ->check(CLI::Range(1, 1000000));
    app.add_flag("--wait", a->wait, "If mxtrace index is running on the index, wait for it instead of failing");
    return [a]() -> int {
        const clickhouse::Options o = clickhouse_options(a->ch);
        // the index's write lock keeps the change log still while it is read and the mark moved
        Store store(index_dir(), Store::Mode::write, a->wait);
        fmt::print("{}\n", export_clickhouse(store, o, a->batch));
        return 0;
    };
}

} // namespace mxtrace::cli
