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
};
} // namespace

Runner setup_search(CLI::App& app) {
    auto a = std::make_shared<SearchCmdArgs>();
    add_db_option(app);
    add_search_options(app, *a);
    add_query_words(app, *a);
    app.add_option("--format", a->format, "Output format: text (default) or json (one object per line)")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"text", "json"}));
    return [a, &app]() -> int {
        Zone zone;
        resolve_search(app, *a, zone, now_micros());
        Store store(index_dir(), Store::Mode::read);
        std::string explain;
        std::uint64_t matching = 0;
        std::vector<std::string> understood;
        auto found = store.search(a->f, a->explain ? &explain : nullptr, &matching, a->explain ? &understood : nullptr);
        if (a->explain) {
            std::string line;
            for (const auto& u : understood) {
                line.clear();
                escape_text(u, line); // the query is the user's, but may hold anything
                fmt::print(stderr, "understood: {}\n", line);
            }
            fmt::print(stderr, "query: {}\n", explain);
        }
        std::string out;
        for (const auto& t : found) {
            out += a->format == "json" ? format_json(t) : format_text(t, a->utc ? nullptr : &zone);
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
