// SPDX-License-Identifier: GPL-3.0-or-later
#include "search_options.hpp"

#include "commands.hpp"
#include "mxtrace/base/error.hpp"
#include "mxtrace/store/query.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <string_view>

#include <unistd.h>

namespace mxtrace::cli {

void add_search_options(CLI::App& app, SearchArgs& a) {
    app.add_option("-f,--from", a.f.from, "Envelope sender (case-insensitive); @DOMAIN for a whole domain; <> for the null sender")->type_name("ADDR");
    app.add_option("-t,--to", a.f.to, "Recipient or original recipient; @DOMAIN for a whole domain")->type_name("ADDR");
    app.add_option("-i,--msgid", a.f.message_id, "Message-ID, with or without angle brackets")->type_name("ID");
    app.add_option("-h,--host", a.f.host, "Host that logged the transaction")->type_name("HOST");
    app.add_option("-d,--since", a.since, "Transactions active at or after TIME (YYYY-MM-DD[ HH:MM[:SS[.FRACTION]]][Z|+HH:MM], 'Mar 14 10:00:00', or 2h, 3d, today, yesterday)")->type_name("TIME");
    app.add_option("-D,--until", a.until, "Transactions that began at or before TIME (a date alone: the end of that day)")->type_name("TIME");
    app.add_option("-r,--max-results", a.f.max_results, "Print the N most recent transactions (default 200)")
        ->type_name("N")
        ->check(CLI::Range(1, 100000000));
    app.add_option("-q,--queue-id", a.f.queue_id, "Queue ID (case-sensitive)")->type_name("QID");
    app.add_option("-c,--client", a.f.client, "Client host name or IP address")->type_name("HOST");
    app.add_option("--relay", a.f.relay, "Relay (next hop) host name, IP address or transport")->type_name("HOST");
    app.add_option("--status", a.status, "Status class of any attempt: sent, deferred, bounced, expired, rejected, discarded, held, "
                                  "removed, deliverable, undeliverable")
        ->type_name("CLASS")
        ->check(CLI::IsMember({"sent", "deferred", "bounced", "expired", "rejected", "discarded", "held",
                                       "removed", "deliverable", "undeliverable"}));
    app.add_option("--text", a.f.text, "Words that occur in the status text or SMTP reply of an attempt not delivered (deferred, bounced, "
                                             "expired, rejected); the replies of sent attempts are not indexed")->type_name("WORDS");
    app.add_flag("--utc", a.utc, "Print times in UTC instead of local time");
    app.add_flag("--explain", a.explain, "Print how the query was understood to stderr");
}

void add_query_words(CLI::App& app, SearchArgs& a) {
    app.add_option("query", a.query_words,
                   "A query (see mxtrace-query(7)), e.g. 'from:bob@foo.com to:*@bar.com status:deferred \"timed out\"'; "
                   "its words are joined by spaces and ANDed with the flags")
        ->type_name("QUERY");
}

void add_raw_options(CLI::App& app, RawArgs& r) {
    app.add_flag("--raw", r.raw,
                 "Print each transaction's original log lines under it, as PATH:LINE: TEXT (escaped; in JSON: a \"raw\" array)");
    app.add_flag("--verbatim", r.verbatim,
                 "Like --raw, but each line's text is written byte for byte, unescaped (for evidence files; text format only)");
}

void add_color_option(CLI::App& app, std::string& when) {
    app.add_option("--color", when,
                   "Colour the status words and labels of the text output: auto (on a terminal, unless NO_COLOR is set), always or never")
        ->type_name("WHEN")
        ->check(CLI::IsMember({"auto", "always", "never"}));
}

bool use_color(const std::string& when) {
    if (when == "always") return true;
    if (when == "never") return false;
    const char* no = std::getenv("NO_COLOR");
    return (!no || !*no) && ::isatty(STDOUT_FILENO) == 1;
}

namespace {
/// The colour of a status word: green delivered, yellow waiting, red refused or returned,
/// magenta dropped on purpose; "" for other words.
std::string_view status_sgr(std::string_view word) {
    if (word == "sent" || word == "deliverable") return "\033[32m";
    if (word == "deferred" || word == "held") return "\033[33m";
    if (word == "bounced" || word == "expired" || word == "rejected" || word == "undeliverable") return "\033[31m";
    if (word == "discarded" || word == "removed") return "\033[35m";
    return "";
}
} // namespace

std::string colorize_trace(const std::string& text) {
    static constexpr std::string_view kBold = "\033[1m", kReset = "\033[0m";
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        const std::string_view line(text.data() + pos, end - pos);
        std::size_t from = 0, to = 0; // the span to colour
        std::string_view sgr;
        if (line.starts_with("message ") || line.starts_with("client ")) {
            to = line.find(' '); // the heading word
            sgr = kBold;
        } else if (const std::size_t branch = line.find("\xe2\x94\x80 "); branch != std::string_view::npos) { // "─ "
            const std::size_t item = branch + 4;
            if (line.compare(item, 4, "to <") == 0) {
                // "to <R>  WORD" or "to <R> (orig_to <O>)  WORD": the status word
                std::size_t gt = line.find(">  ", item);
                const std::size_t orig = line.find("> (orig_to <", item);
                if (orig != std::string_view::npos && orig < gt) gt = line.find(">)  ", orig) + 1;
                if (gt != std::string_view::npos && gt + 3 < line.size()) {
                    from = gt + 3;
                    to = line.find(' ', from);
                    if (to == std::string_view::npos) to = line.size();
                    sgr = status_sgr(line.substr(from, to - from));
                }
            } else if (line.compare(item, 14, "same hand-off ") != 0) {
                // "HOST QID  TIME ...": the transaction's host and queue ID
                from = item;
                to = line.find("  ", item);
                if (to == std::string_view::npos) to = from;
                sgr = kBold;
            }
        }
        if (!sgr.empty() && to > from) {
            out.append(line.substr(0, from));
            out += sgr;
            out.append(line.substr(from, to - from));
            out += kReset;
            out.append(line.substr(to));
        } else {
            out.append(line);
        }
        if (end < text.size()) out += '\n';
        pos = end + 1;
    }
    return out;
}

std::string colorize_text(const std::string& block) {
    static constexpr std::string_view kBold = "\033[1m", kReset = "\033[0m";
    std::string out;
    out.reserve(block.size() + 64);
    std::size_t pos = 0;
    while (pos < block.size()) {
        std::size_t end = block.find('\n', pos);
        if (end == std::string::npos) end = block.size();
        std::string_view line(block.data() + pos, end - pos);
        const auto colon = line.find(": ");
        // a label: word characters then ": " at the start of the line (raw lines start with a path)
        const bool label = colon != std::string_view::npos && colon > 0 &&
                           line.substr(0, colon).find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string_view::npos;
        if (label) {
            out += kBold;
            out.append(line.substr(0, colon + 1));
            out += kReset;
            line.remove_prefix(colon + 1);
            // the status word: after ", status=" on a to: line, first on the status: line
            const bool to_line = block.compare(pos, 4, "to: ") == 0;
            const bool status_line = block.compare(pos, 8, "status: ") == 0;
            const auto st = to_line ? line.find(", status=") : std::string_view::npos;
            std::string_view word, sgr;
            std::size_t w = 0;
            if (st != std::string_view::npos || status_line) {
                w = status_line ? 1 : st + 9;
                const std::size_t we = line.find_first_of(", (", w);
                word = line.substr(w, we == std::string_view::npos ? std::string_view::npos : we - w);
                sgr = status_sgr(word);
            }
            if (!sgr.empty()) {
                out.append(line.substr(0, w));
                out += sgr;
                out.append(word);
                out += kReset;
                out.append(line.substr(w + word.size()));
            } else {
                out.append(line);
            }
        } else {
            out.append(line);
        }
        if (end < block.size()) out += '\n';
        pos = end + 1;
    }
    return out;
}

void resolve_raw(RawArgs& r, const std::string& format) {
    if ((r.raw || r.verbatim) && format == "csv")
        throw Error(ExitCode::usage, "--raw and --verbatim print log lines under each transaction; CSV has one row per attempt and no place for them",
                    "use --format json --raw (a \"raw\" array in each object), or text output with --raw or --verbatim");
    if (r.verbatim && format != "text")
        throw Error(ExitCode::usage, fmt::format("--verbatim writes raw bytes and cannot be used with --format {}", format),
                    "use --raw with JSON (its strings are escaped), or --verbatim with text output");
    if (r.verbatim) r.raw = true;
}

void resolve_search(CLI::App& app, SearchArgs& a, Zone& zone, Micros now) {
    for (const char* name : {"--from", "--to", "--msgid", "--host", "--queue-id", "--client", "--relay", "--text",
                             "--since", "--until"}) {
        const CLI::Option* o = app.get_option(name);
        std::string v = o->count() > 0 ? o->as<std::string>() : std::string("x");
        v.erase(0, v.find_first_not_of(' '));
        // "@" (no domain) and "<>" for a Message-ID name nothing either; "<>" as -f is the null sender
        if (v.empty() || ((std::string_view(name) == "--from" || std::string_view(name) == "--to") && v == "@") ||
            (std::string_view(name) == "--msgid" && v == "<>"))
            throw Error(ExitCode::usage, fmt::format("{} was given an empty value ('{}')", name, o->as<std::string>()),
                        "give a value, or leave the option out to match everything");
    }
    if (!a.since.empty()) a.f.since = parse_user_time(a.since, false, zone, now);
    if (!a.until.empty()) a.f.until = parse_user_time(a.until, true, zone, now);
    if (a.f.since && a.f.until && *a.f.since > *a.f.until)
        throw Error(ExitCode::usage, fmt::format("--since {} is after --until {}", a.since, a.until),
                    "swap them: -d is the start of the span, -D its end");
    // Xapian's parser drops a '*' from plain words: "conn*" would be looked up as "conn"
    if (a.f.text.find('*') != std::string::npos)
        throw Error(ExitCode::usage, "--text takes no wildcard: words are matched whole",
                    "remove the '*'; the query language has wildcards on fields (mxtrace-query(7))");
    a.f.status = status_from_name(a.status);
    a.f.now = now;
    if (!a.query_words.empty()) {
        std::string q;
        for (const auto& w : a.query_words) q += (q.empty() ? "" : " ") + w;
        if (q.find_first_not_of(" \t\r\n") == std::string::npos) // the white space the query checker skips
            throw Error(ExitCode::usage, "the query is empty", "give a query (mxtrace-query(7)), or none to match everything");
        check_query(q, zone, now); // a malformed query is reported before the index is opened
        a.f.query = std::move(q);
    }
}

} // namespace mxtrace::cli
