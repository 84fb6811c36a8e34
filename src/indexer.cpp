// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/indexer.hpp"

#include "mxtrace/error.hpp"
#include "mxtrace/events.hpp"
#include "mxtrace/input.hpp"
#include "mxtrace/output.hpp"
#include "mxtrace/reducer.hpp"
#include "mxtrace/syslog.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ctime>

namespace mxtrace {

namespace {
int current_year() {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    return tm.tm_year + 1900;
}
constexpr Micros kIdle = Micros{2} * 86400 * kMicrosPerSecond; // evict open transactions idle this long
} // namespace

struct Indexer::Impl {
    Store& store;
    IndexOptions opts;
    Zone zone;
    SyslogParser syslog;
    Reducer reducer;
    IndexStats stats;
    Event ev;
    SyslogLine sl;
    Micros newest = INT64_MIN;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();

    Impl(Store& s, IndexOptions o)
        : store(s), opts(std::move(o)), zone(opts.tz), syslog(zone, opts.year.value_or(current_year())),
          reducer([this](std::unique_ptr<Transaction> t) { store.put(std::move(t)); },
                  [this](std::string_view host, std::string_view qid, Micros at) { return store.take_open(host, qid, at); }) {}

    void list_unparsed(const LineReader& in, std::string_view why, std::string_view line) {
        if (!opts.unparsed_out) return;
        std::string out = fmt::format("{}:{}: {}: ", in.path(), in.line_no(), why);
        escape_text(line.substr(0, 4096), out);
        out += '\n';
        std::fwrite(out.data(), 1, out.size(), opts.unparsed_out);
    }

    void line(const LineReader& in, std::string_view text) {
        ++stats.lines;
        if (in.too_long()) {
            ++stats.unparsed;
            ++stats.too_long;
            list_unparsed(in, "line longer than 1 MiB", text);
            return;
        }
        if (text.empty()) {
            ++stats.empty;
            return;
        }
        if (!syslog.parse(text, sl)) {
            ++stats.unparsed;
            ++stats.not_syslog;
            list_unparsed(in, "not a syslog line", text);
            return;
        }
        ev.clear();
        switch (parse_mail_line(sl.program, sl.message, ev)) {
        case LineClass::not_mine:
            ++stats.other;
            return;
        case LineClass::noqueue:
            ++stats.noqueue;
            if (ev.shape == Shape::pf_noqueue) ++stats.noqueue_rejects;
            return;
        case LineClass::unparsed:
            ++stats.unparsed;
            list_unparsed(in, ev.reason ? ev.reason : "not understood", text);
            return;
        case LineClass::event:
            ++stats.attributed;
            if (sl.time > newest) newest = sl.time;
            reducer.apply(sl.host, sl.time, ev);
            if ((stats.attributed & 0xFFFF) == 0) reducer.evict_idle(newest, kIdle);
            return;
        }
    }
};

Indexer::Indexer(Store& store, IndexOptions opts) : impl_(std::make_unique<Impl>(store, std::move(opts))) {}
Indexer::~Indexer() = default;

void Indexer::add_input(const std::string& path) {
    Impl& m = *impl_;
    auto warn = [&](const std::string& what, const std::string& hint) {
        if (m.opts.warn) m.opts.warn(what, hint);
    };
    const std::uint64_t lines0 = m.stats.lines, empty0 = m.stats.empty, not_syslog0 = m.stats.not_syslog;
    try {
        LineReader in(path);
        std::string_view text;
        while (in.next(text)) m.line(in, text);
        m.stats.bytes += in.offset();
    } catch (const Error& e) {
        ++m.stats.files_failed;
        warn(e.what(), e.hint());
    }
    const std::uint64_t lines = m.stats.lines - lines0 - (m.stats.empty - empty0);
    if (lines > 0 && m.stats.not_syslog - not_syslog0 == lines)
        warn(fmt::format("{}: none of its {} lines is a syslog line", path == "-" ? "standard input" : path, lines),
             "is it a mail log? mxtrace reads syslog files such as /var/log/mail.log (plain or compressed)");
}

IndexStats Indexer::finish() {
    Impl& m = *impl_;
    m.reducer.flush();
    m.store.commit();
    m.stats.writes = m.store.stats();
    m.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m.start).count();
    return m.stats;
}

} // namespace mxtrace
