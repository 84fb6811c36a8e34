// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The options that choose transactions (the search flags) and how they are printed, shared by
// `search` and `trace` (and later `stats`). See man/mxtrace-search.1.
#include "mxtrace/base/timeutil.hpp"
#include "mxtrace/store/store.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace mxtrace::cli {

/// What the user typed; resolve_search() turns it into a SearchFilter.
struct SearchArgs {
    SearchFilter f;
    std::string since, until, status;
    std::vector<std::string> query_words; ///< the query (mxtrace-query(7)) as positional words, joined by spaces
    bool utc = false;
    bool explain = false;
};

/// Adds the selection flags (-f -t -i -h -d -D -q -c --relay --status --text -r) and --utc,
/// --explain to `app`, bound to `a`.
void add_search_options(CLI::App& app, SearchArgs& a);

/// How the original log lines of each result are printed (shared by search and trace).
struct RawArgs {
    bool raw = false;       ///< --raw: print each result's original lines (escaped)
    bool verbatim = false;  ///< --verbatim: the same, the lines' text byte for byte (implies raw)
};

/// Adds --color WHEN (auto, always, never; default auto) to `app`, bound to `when`.
void add_color_option(CLI::App& app, std::string& when);

/// Whether text output gets colour: `when` "always" yes, "never" no; "auto" (the default) only
/// when standard output is a terminal and $NO_COLOR is unset or empty (https://no-color.org).
bool use_color(const std::string& when);

/// Colours a text-format block (format_text()): the labels ("transaction:", "to:", ...) bold,
/// and each attempt's and the summary's status word by class (sent green, deferred yellow, bounced/expired/rejected
/// red), with ANSI SGR sequences. The block's log content is already escaped, so the only
/// escape sequences in the result are these.
std::string colorize_text(const std::string& block);

/// The same for a trace tree (format_trace_text): the status word of each "to <R>" line in its
/// colour, headings and each hop's host and queue ID in bold. Text without those is unchanged.
std::string colorize_trace(const std::string& text);

/// Adds --raw and --verbatim to `app`, bound to `r`.
void add_raw_options(CLI::App& app, RawArgs& r);

/// Checks --raw/--verbatim against the output format ("text", "json", ...): --verbatim is for
/// text only. Sets r.raw when --verbatim is given. @throws Error(usage).
void resolve_raw(RawArgs& r, const std::string& format);

/// Checks the flags for empty values, parses the times in `zone` relative to `now` and fills
/// `a.f`; joins `a.query_words` (if any) into `a.f.query`, checks it (check_query) and sets
/// `a.f.now` so the query's relative dates count from the same now as -d/-D.
/// @throws Error(usage) with a hint for an empty value, a bad time, -d after -D, or a malformed
/// query (the detail points at the place).
/// Adds the positional QUERY words (mxtrace-query(7)) to `app`, bound to `a.query_words`.
void add_query_words(CLI::App& app, SearchArgs& a);

void resolve_search(CLI::App& app, SearchArgs& a, Zone& zone, Micros now);

} // namespace mxtrace::cli
