// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace search: see man/mxtrace-search.1.
#include "commands.hpp"
#include "search_options.hpp"

#include "mxtrace/base/error.hpp"
#include "mxtrace/output/output.hpp"
#include "mxtrace/store/store.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <memory>

namespace mxtrace::cli {

namespace {
struct SearchCmdArgs : SearchArgs {
    std::string format = "text";
    RawArgs raw;
};
} // namespace

Runner setup_search(CLI::App& app) {
    auto a = std::make_shared<SearchCmdArgs>();
    add_db_option(app);
    add_search_options(app, *a);
    app.add_option("--format", a->format, "Output format: text (default) or json (one object per line)")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"text", "json"}));
    add_raw_options(app, a->raw);
    return [a, &app]() -> int {
        Zone zone;
        resolve_search(app, *a, zone, now_micros());
        resolve_raw(a->raw, a->format);
        Store store(index_dir(), Store::Mode::read);
        std::string explain;
        std::uint64_t matching = 0;
        auto found = store.search(a->f, a->explain ? &explain : nullptr, &matching);
        if (a->explain) fmt::print(stderr, "query: {}\n", explain);
        std::string out;
        for (const auto& t : found) {
            Zone* z = a->utc ? nullptr : &zone;
            if (a->raw.raw) {
                const auto lines = store.raw_lines(t.id);
                out += a->format == "json" ? format_json(t, lines) : format_text(t, z, lines, a->raw.verbatim);
            } else {
                out += a->format == "json" ? format_json(t) : format_text(t, z);
            }
            if (out.size() > (1 << 16)) {
                std::fwrite(out.data(), 1, out.size(), stdout);
                out.clear();
            }
        }
        std::fwrite(out.data(), 1, out.size(), stdout);
        std::fflush(stdout);
        if (matching > found.size())
            fmt::print(stderr, "mxtrace: showed the {} newest of about {} matching transactions; -r N shows more\n",
                       found.size(), matching);
        return found.empty() ? static_cast<int>(ExitCode::no_match) : 0;
    };
}

} // namespace mxtrace::cli
