// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace info: see man/mxtrace-info.1.
#include "commands.hpp"

#include "mxtrace/store/fields.hpp"
#include "mxtrace/store/store.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <memory>

namespace mxtrace::cli {

namespace {
struct InfoArgs {
    std::string topic;
};

/// `mxtrace info fields`: the field table (src/store/fields.cpp), one line per field.
int print_fields() {
    auto dash = [](std::string_view s) { return s.empty() ? std::string("-") : std::string(s); };
    fmt::print("{:<14} {:<7} {:<10} {:<8} {:<34} {}\n", "FIELD", "ALIAS", "KIND", "PREFIX", "EXAMPLE", "DESCRIPTION");
    for (const Field& f : fields())
        fmt::print("{:<14} {:<7} {:<10} {:<8} {:<34} {}\n", f.name, dash(f.aliases), kind_name(f.kind), dash(f.prefix),
                   f.example, f.description);
    return 0;
}

/// `mxtrace info inputs`: every input with its path last seen, fingerprint, what was read and
/// the SHA-256 of it, so a report can cite its sources.
int print_inputs(Store& store) {
    const auto inputs = store.checkpoints();
    std::string out;
    for (const auto& c : inputs) {
        escape_path(c.path, out);
        out += '\n';
        out += fmt::format("  fingerprint: {}\n", fingerprint_text(c));
        out += fmt::format("  read:        {} lines, {} bytes, last {}\n", c.lines, c.offset, format_rfc3339(c.last_read));
        out += fmt::format("  sha256:      {}\n",
                           c.sha256.empty() ? std::string("unknown (read before its hash was kept; index it again with --full)")
                                            : c.sha256);
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}
} // namespace

Runner setup_info(CLI::App& app) {
    auto a = std::make_shared<InfoArgs>();
    add_db_option(app);
    add_retention_option(app, "The retention to show for an index that does not store its own (one made before mxtrace stored it; default 90)");
    app.add_option("topic", a->topic, "What to show instead of the summary: fields (the searchable fields of the query "
                                      "language, mxtrace-query(7), with prefix, kind and an example) or inputs (every input "
                                      "read, with its SHA-256)")
        ->type_name("TOPIC")
        ->check(CLI::IsMember({"fields", "inputs"}));
    return [a]() -> int {
        if (a->topic == "fields") return print_fields();
        Store store(index_dir(), Store::Mode::read);
        if (a->topic == "inputs") return print_inputs(store);
        IndexInfo i = store.info();
        auto t = [](const std::optional<Micros>& v) { return v ? format_rfc3339(*v) : std::string("-"); };
        fmt::print("index:          {}\n", i.dir.string());
        fmt::print("schema version: {}\n", i.schema_version);
        fmt::print("transactions:   {}\n", i.transactions);
        if (i.reject_records) fmt::print("  reject records: {}  (pre-queue rejects, queue ID NOQUEUE-...)\n", i.reject_records);
        fmt::print("attempts:       {}\n", i.attempts);
        fmt::print("first time:     {}\n", t(i.first_time));
        fmt::print("last time:      {}\n", t(i.last_time));
        fmt::print("size:           SQLite {} bytes, Xapian {} bytes\n", i.sqlite_bytes, i.xapian_bytes);
        fmt::print("time terms:     {}\n", i.hour_terms  ? "days and hours"
                                        : i.day_terms ? "days (mxtrace repair adds hours)"
                                                      : "none (mxtrace repair adds days and hours)");
        const std::optional<int> stored = store.retention();
        const int days = stored.value_or(shared().retention);
        fmt::print("retention:      {}{}\n", days ? fmt::format("{} day{}", days, days == 1 ? "" : "s") : std::string("0, keep everything"),
                   stored ? "" : " (not stored in this index: the setting)");
        fmt::print("inputs:         {}\n", i.inputs.size());
        for (const auto& c : i.inputs) {
            std::string path;
            escape_path(c.path, path);
            fmt::print("  {}\n    read to byte {} (line {}), last read {}, fingerprint {} of the first {} bytes\n", path,
                       c.offset, c.lines, format_rfc3339(c.last_read), c.fp_hash, c.fp_len);
            if (c.too_old)
                fmt::print("    {} line{} before {} not indexed: older than the retention\n", c.too_old, c.too_old == 1 ? "" : "s",
                           format_rfc3339(c.too_old_cutoff));
            std::string evidence;
            escape_path(c.clock.evidence, evidence);
            if (c.clock.source == YearSource::none)
                fmt::print("    timestamps: all carry their own year and offset (RFC 3339)\n");
            else
                fmt::print("    year: {} from {} ({}); zone: {}{}\n", c.clock.first_year, year_source_name(c.clock.source),
                           evidence, c.zone, c.clock.offset_note.empty() ? "" : "; " + c.clock.offset_note);
        }
        return 0;
    };
}

} // namespace mxtrace::cli
