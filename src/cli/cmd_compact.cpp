// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace compact: see man/mxtrace-compact.1.
#include "commands.hpp"

#include "mxtrace/base/error.hpp"
#include "mxtrace/store/store.hpp"

#include <fmt/format.h>

#include <memory>
#include <string>

namespace mxtrace::cli {

namespace {
struct CompactArgs {
    bool vacuum = false;
    bool wait = false;
};

/// Bytes as MiB with one decimal ("66.0 MiB"), the unit `mxtrace info` uses.
std::string mib(std::uint64_t b) { return fmt::format("{:.1f} MiB", static_cast<double>(b) / (1024.0 * 1024.0)); }

std::string change(std::uint64_t before, std::uint64_t after) {
    if (before == 0) return fmt::format("{} -> {}", mib(before), mib(after));
    return fmt::format("{} -> {} ({:+.0f}%)", mib(before), mib(after),
                       (static_cast<double>(after) - static_cast<double>(before)) * 100.0 / static_cast<double>(before));
}
} // namespace

Runner setup_compact(CLI::App& app) {
    auto a = std::make_shared<CompactArgs>();
    add_db_option(app);
    app.add_flag("--vacuum", a->vacuum,
                 "Rewrite the SQLite records too (VACUUM), even when less than 5% of their pages are free");
    app.add_flag("--wait", a->wait, "If mxtrace index is running on the index, wait for it instead of failing");
    return [a]() -> int {
        { Store exists(index_dir(), Store::Mode::read); } // compact never creates an index
        Store store(index_dir(), Store::Mode::write, a->wait);
        const CompactResult r = store.compact(a->vacuum);
        std::string dir;
        escape_path(store.dir().string(), dir);
        fmt::print("compacted {}\n", dir);
        fmt::print("  Xapian  {}\n", change(r.xapian_before, r.xapian_after));
        fmt::print("  SQLite  {}; {} of {} pages were free{}\n", change(r.sqlite_before, r.sqlite_after), r.free_pages, r.pages,
                   r.vacuumed ? ", rewritten (VACUUM)" : ", not rewritten (--vacuum rewrites it)");
        return 0;
    };
}

} // namespace mxtrace::cli
