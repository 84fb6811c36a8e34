// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/index/indexer.hpp"

#include "mxtrace/read/clock.hpp"
#include "mxtrace/base/error.hpp"
#include "mxtrace/mta/events.hpp"
#include "mxtrace/store/fields.hpp"
#include "mxtrace/read/input.hpp"
#include "mxtrace/output/output.hpp"
#include "mxtrace/reduce/reducer.hpp"
#include "mxtrace/read/syslog.hpp"
#include "mxtrace/read/exim_pieces.hpp"
#include "base/testhooks.hpp"

#include <fmt/format.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <chrono>
#include <map>
#include <tuple>
#include <filesystem>

namespace mxtrace {

namespace {
Micros wall_clock() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

constexpr Micros kIdle = Micros{2} * 86400 * kMicrosPerSecond; // evict open transactions idle this long
constexpr std::size_t kFingerprintBytes = 4096;

/// "mail.log.2.gz" -> ("mail.log", 2); "mail.log-20111215" -> ("mail.log", 1e6 + days before 9999);
/// "mail.log" -> ("mail.log", 0). Bigger age = older content.
std::pair<std::string, long> rotation_age(const std::string& path) {
    std::string p = path;
    for (const char* ext : {".gz", ".bz2", ".xz", ".zst", ".lz4", ".Z"}) {
        std::string_view e(ext);
        if (p.size() > e.size() && std::string_view(p).ends_with(e)) {
            p.resize(p.size() - e.size());
            break;
        }
    }
    auto digits_at_end = [&](char sep, std::size_t min, std::size_t max) -> std::optional<long> {
        std::size_t pos = p.rfind(sep);
        if (pos == std::string::npos) return std::nullopt;
        std::string_view d(p.data() + pos + 1, p.size() - pos - 1);
        if (d.size() < min || d.size() > max || !std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return std::nullopt;
        long v = std::stol(std::string(d));
        p.resize(pos);
        return v;
    };
    if (auto n = digits_at_end('.', 1, 4)) return {p, *n};
    if (auto d = digits_at_end('-', 8, 8)) return {p, 1000000 + (99991231 - *d)};
    return {p, 0};
}
/// FNV-1a 64 of a line's identity: host (lower case), program, pid and message text, each ended by
/// a NUL (the UTC second is the other half of the key, see ARCHITECTURE.md "Line identity").
std::uint64_t line_identity(std::string_view host, std::string_view program, std::string_view pid, std::string_view text) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    auto add = [&](std::string_view v, bool lower) {
        for (char ch : v) {
            unsigned char c = static_cast<unsigned char>(ch);
            if (lower && c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
            h = (h ^ c) * 0x100000001b3ULL;
        }
        h = (h ^ 0) * 0x100000001b3ULL;
    };
    add(host, true);
    add(program, false);
    add(pid, false);
    add(text, false);
    return h;
}

/// True if `line` can belong to the copy of a rejected message's header that Exim's reject log
/// writes after the reject line (log.c, log_write() with LOG_REJECT; the Exim specification,
/// "Reject log"): "Envelope-from: <...>", "Envelope-to: <...>", a header line behind its flag
/// character and a blank ("P Received: ...", "  Subject: ...": the flags of "Format of
/// spool files"), or a header's continuation line (starting with a blank or a tab).
bool exim_rejectlog_header(std::string_view line) {
    if (line.starts_with("Envelope-from: ") || line.starts_with("Envelope-to: ")) return true;
    if (line.front() == ' ' || line.front() == '\t') return true;
    if (line.size() < 4 || line[1] != ' ') return false;
    const char flag = line[0];
    if (flag != '*' && !(flag >= 'A' && flag <= 'Z')) return false;
    // a header name: printable, no blank, up to its colon (RFC 5322 section 2.2 field-name)
    std::size_t i = 2;
    while (i < line.size() && line[i] > ' ' && line[i] < 127 && line[i] != ':') ++i;
    return i > 2 && i < line.size() && line[i] == ':';
}

/// True if `head` (the start of a line that is not a syslog line) names Postfix, Sendmail or Exim
/// as its program, e.g. an RFC 5424 line "<165>1 2003-10-11T22:14:15.003Z host postfix - ...".
bool names_mail_program(std::string_view head) {
    for (std::string_view tag : {" postfix/", " postfix[", " postfix - ", " sendmail[", " sendmail - ", " sm-mta[",
                                 " sm-mta - ", " exim[", " exim - ", " exim4[", " exim4 - "})
        if (head.find(tag) != std::string_view::npos) return true;
    return false;
}

/// True if the head of an input is an Exim main log: most of its dated lines have the main log's
/// shape (no host, no syslog tag). See SyslogParser::is_exim_mainlog.
bool is_exim_mainlog_head(std::string_view head) {
    std::size_t main = 0, other = 0, pos = 0;
    while (pos < head.size() && main + other < 64) {
        std::size_t nl = head.find('\n', pos);
        if (nl == std::string_view::npos) nl = head.size();
        std::string_view l = head.substr(pos, nl - pos);
        pos = nl + 1;
        if (l.empty()) continue;
        if (SyslogParser::is_exim_mainlog(l)) ++main;
        // a dated syslog line (RFC 3339, or classic "Mmm dd"); other lines (header dumps of a
        // multi-line entry) say nothing about the form
        else if ((l.size() > 10 && l[0] >= '0' && l[0] <= '9' && l[4] == '-' && l[7] == '-') ||
                 (l.size() > 5 && l[0] >= 'A' && l[0] <= 'Z' && l[3] == ' ' && (l[4] == ' ' || (l[4] >= '0' && l[4] <= '9'))))
            ++other;
    }
    return main > 0 && main >= other;
}
} // namespace

std::vector<std::string> order_inputs(std::vector<std::string> inputs) {
    // group by base name in order of first appearance; within a group, oldest content first
    std::vector<std::string> bases;
    std::vector<std::tuple<std::size_t, long, std::size_t, std::string>> keyed;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (inputs[i] == "-") {
            keyed.emplace_back(bases.size(), 0, i, inputs[i]);
            bases.push_back("\n-" + std::to_string(i));
            continue;
        }
        auto [base, age] = rotation_age(inputs[i]);
        auto it = std::find(bases.begin(), bases.end(), base);
        std::size_t g = static_cast<std::size_t>(it - bases.begin());
        if (it == bases.end()) bases.push_back(base);
        keyed.emplace_back(g, -age, i, inputs[i]);
    }
    std::sort(keyed.begin(), keyed.end());
    std::vector<std::string> out;
    for (auto& k : keyed) out.push_back(std::move(std::get<3>(k)));
    return out;
}

std::string host_for_input(const IndexOptions& opts, const std::string& path) {
    std::string abs;
    if (path != "-") {
        std::error_code ec;
        abs = std::filesystem::absolute(path, ec).lexically_normal().string();
    }
    for (const auto& [glob, name] : opts.host_for) {
        if (::fnmatch(glob.c_str(), path.c_str(), 0) == 0) return name;
        if (!abs.empty() && ::fnmatch(glob.c_str(), abs.c_str(), 0) == 0) return name;
    }
    return opts.host;
}

struct Indexer::Impl {
    Store& store;
    IndexOptions opts;
    Zone zone;
    SyslogParser syslog;
    Reducer reducer;
    IndexStats stats;
    Event ev;
    SyslogLine sl;
    Micros now;
    Micros newest;        // newest line time seen (and newest in the index at start)
    std::vector<Checkpoint> known;   // checkpoints in the index at start
    std::vector<Checkpoint> active;  // checkpoints of inputs read in this run
    std::uint64_t since_commit = 0;
    std::uint64_t raw_done_before = 0;
    std::optional<FileClock> clock;   // of the input being read
    Checkpoint* cp_now = nullptr;     // its checkpoint
    LineReader* in_now = nullptr;     // its reader (for the content hash at a commit)
    std::uint64_t classic_lines = 0;  // classic lines of the input being read
    bool mainlog = false;             // the input being read is an Exim main log
    /// How recently a plain file must have been written for its last line without a newline to
    /// count as unfinished. A syslog daemon writes a line with one write() (rsyslog may split a
    /// full buffer, and writes the rest within its batch): a live log stays cut mid-line only
    /// for an instant. A copy is often cut for good and has a fresh mtime (cp without -p), so
    /// the window is short: a longer one left copied logs' last lines unread, depending on when
    /// they were copied (tests/cli/cases/coverage-corpus.sh).
    static constexpr Micros kGrowing = Micros{10} * kMicrosPerSecond;
    bool pieces_stored = false;       // the index holds Exim syslog pieces saved by a checkpoint
    static constexpr std::string_view kPiecesKey = "exim_pieces";
    bool reject_block = false;        // the last dated line of that log was an Exim reject (a reject
                                      // log's header copy may follow)
    std::string input_host;           // the host name of that main log (--host / --host-for)
    EximPieces pieces;                // Exim syslog pieces waiting for the rest of their line
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    LineSource source;                // where the line being applied comes from
    std::string cr_line;              // scratch: a line with its "\r"
    bool resumed = false;             // the input being read goes on from its checkpoint
    Micros input_cutoff = INT64_MIN;  // the retention cutoff of the input being read (fixed per input)
    std::uint64_t input_too_old = 0;  // its lines skipped as older than input_cutoff
    // Reading an input again for the lines an earlier run skipped as too old: its lines up to
    // byte reread_until at or after reread_cutoff were indexed then and are passed over.
    std::uint64_t reread_until = 0;
    Micros reread_cutoff = INT64_MIN;
    // the line identity of the mail line being read (seen_elsewhere()): its text as logged and
    // its occurrence number in this input, for reject_record_name()
    std::string_view line_logged;
    std::uint32_t line_occurrence = 1;
    std::string reject_name;          // scratch: the name of the reject record being applied

    Impl(Store& s, IndexOptions o)
        : store(s), opts(std::move(o)), zone(opts.tz), syslog(zone, 0), // classic lines are dated by the input's FileClock
          reducer([this](std::unique_ptr<Transaction> t) { store.put(std::move(t)); },
                  [this](std::string_view host, std::string_view qid, Micros at, bool starts) {
                      return store.take_open(host, qid, at, starts);
                  }) {
        store.set_background_xapian(true); // parse and reduce the next batch while Xapian takes this one
        now = opts.now ? opts.now : wall_clock();
        newest = store.newest_time().value_or(INT64_MIN);
        known = store.checkpoints();
        // Exim syslog pieces an earlier run held (it stopped, or was killed, between them): the
        // checkpoints resume after them, so their rest is joined to them here
        if (!opts.full) pieces.load(store.state(kPiecesKey));
        pieces_stored = pieces.held() > 0;
    }

    Micros cutoff() const {
        if (opts.retention_days <= 0 || newest == INT64_MIN) return INT64_MIN;
        return std::min(now, newest) - Micros{opts.retention_days} * 86400 * kMicrosPerSecond;
    }

    /// Records in `cp` the lines of the input skipped as too old, so a later run whose window
    /// reaches further back reads them. Resumed: added to those of the part read before; when
    /// both parts skipped lines at different cutoffs the later cutoff is kept (a line between the
    /// two is then read again rather than lost).
    void record_too_old(Checkpoint& cp, bool resumed_input) const {
        if (!resumed_input || cp.too_old == 0) {
            cp.too_old = input_too_old;
            cp.too_old_cutoff = input_too_old ? input_cutoff : 0;
        } else if (input_too_old) {
            cp.too_old += input_too_old;
            cp.too_old_cutoff = std::max(cp.too_old_cutoff, input_cutoff);
        }
    }

    void list_unparsed(const LineReader& in, std::string_view why, std::string_view line) {
        if (!opts.unparsed_out) return;
        std::string out;
        escape_text(in.path(), out);
        out += fmt::format(":{}: {}: ", in.line_no(), why);
        escape_text(line.substr(0, 4096), out);
        out += '\n';
        std::fwrite(out.data(), 1, out.size(), opts.unparsed_out);
    }

    /// Retention: prunes what is older than the window (see Indexer::retain()).
    PruneResult prune();

    /// Writes everything in memory and the checkpoints in one commit.
    void checkpoint() {
        if (cp_now && clock) cp_now->clock = clock->state();
        if (cp_now && in_now) save_hash(*cp_now, *in_now);
        reducer.flush();
        if (pieces.held() > 0 || pieces_stored) {
            store.set_state(kPiecesKey, pieces.save()); // with the checkpoints that resume after them
            pieces_stored = pieces.held() > 0;
        }
        store.commit(active);
        since_commit = 0;
    }

    void line(LineReader& in, Checkpoint& cp, std::string_view text) {
        ++stats.lines;
        classify(in, text);
        cp.offset = in.offset();
        cp.lines = in.line_no();
        detail::crash_point("line");
        if (++since_commit >= opts.commit_lines) checkpoint();
        if ((stats.lines & 0xFFFF) == 0) {
            reducer.evict_idle(newest, kIdle);
            if (opts.progress) report_progress(in);
        }
    }

    /// The content hash of what `in` consumed, for its checkpoint (unknown if it is not hashing).
    static void save_hash(Checkpoint& cp, LineReader& in) {
        cp.sha256_state = in.content_hash_state();
        cp.sha256 = in.content_sha256();
    }

    void report_progress(const LineReader& in) {
        Progress p;
        p.path = in.path();
        p.raw_done = raw_done_before + in.raw_bytes_read();
        p.raw_total = opts.input_bytes;
        p.lines = stats.lines;
        p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        opts.progress(p);
    }

    void classify(const LineReader& in, std::string_view text) {
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
        // Domino and Exchange lines first: a Domino line dated "yyyy-mm-dd hh:mm:ss" would pass
        // for an Exim main log's line
        if (const auto mta = unsupported_mta_line(text); !mta.empty()) {
            ++stats.unsupported_mta;
            list_unparsed(in, fmt::format("a {} line (an MTA mxtrace does not read)", mta), text);
            return;
        }
        bool parsed = mainlog && SyslogParser::is_exim_mainlog(text) ? syslog.parse_exim_mainlog(text, sl)
                                                                            : syslog.parse(text, sl);
        if (!parsed) parsed = parse_tagged_exim(text);
        if (parsed && mainlog && sl.host.empty()) sl.host = input_host;
        if (!parsed && reject_block && exim_rejectlog_header(text)) {
            ++stats.noqueue;
            ++stats.reject_headers;
            return;
        }
        reject_block = false;
        if (!parsed) {
            ++stats.unparsed;
            ++stats.not_syslog;
            if (names_mail_program(text.substr(0, 256))) {
                ++stats.unparsed_mail;
                list_unparsed(in, "a mail server's line in a layout mxtrace does not know", text);
            } else {
                list_unparsed(in, "not a syslog line", text);
            }
            return;
        }
        if (sl.has_year) {
            clock->dated(sl.time);
        } else {
            sl.time = clock->classic(sl);
            ++classic_lines;
        }
        if (sl.time > newest) newest = sl.time;
        if (reread_until && in.offset() <= reread_until && sl.time >= reread_cutoff) {
            ++stats.indexed_before; // read again only for the lines that were too old then
            // its line identity count is recorded again (reading from the start forgot it)
            const std::string_view logged = sl.message;
            ev.clear();
            const Repeat rep = rsyslog_repeat(sl.message);
            if (rep.kind == Repeat::Kind::bad) return; // never applied, so never recorded
            const LineClass c = parse_mail_line(sl.program, rep.kind == Repeat::Kind::ok ? rep.inner : sl.message, ev);
            if (c == LineClass::noqueue || c == LineClass::event) (void)seen_elsewhere(logged);
            return;
        }
        if (sl.time < input_cutoff) {
            ++stats.too_old;
            ++input_too_old;
            return;
        }
        if (mta_of_program(sl.program) == Mta::exim && exim_piece(in, text)) return;
        // the line's identity is its text as logged, a "message repeated" line included
        const std::string_view logged = sl.message;
        const Repeat rep = rsyslog_repeat(sl.message);
        if (rep.kind == Repeat::Kind::bad) {
            // not applied at all; a mail program's line is listed (a malformed or too large
            // repeat of another program's line is none of ours, like its other lines)
            if (mta_of_program(sl.program) != Mta::none || unknown_mail_program(sl.program)) {
                ++stats.unparsed;
                ++stats.unparsed_mail;
                list_unparsed(in, rep.reason, text);
            } else {
                ++stats.other;
            }
            return;
        }
        const unsigned times = rep.kind == Repeat::Kind::ok ? static_cast<unsigned>(rep.times) : 0;
        if (times) sl.message = rep.inner;
        ev.clear();
        const LineClass cls = parse_mail_line(sl.program, sl.message, ev);
        reject_block = mainlog && ev.shape == Shape::exim_reject;
        if ((cls == LineClass::noqueue || cls == LineClass::event) && seen_elsewhere(logged)) {
            ++stats.duplicates;
            return;
        }
        // "repeats expanded": the extra applications of an event or a reject record only
        if (times && (cls == LineClass::event || (cls == LineClass::noqueue && ev.kind == EventKind::reject_record)))
            stats.repeats += times - 1;
        switch (cls) {
        case LineClass::not_mine:
            if (const auto mta = unsupported_mta(sl.program, sl.message); !mta.empty()) {
                ++stats.unsupported_mta;
                list_unparsed(in, fmt::format("a {} line (an MTA mxtrace does not read)", mta), text);
            } else if (unknown_mail_program(sl.program)) {
                ++stats.unparsed;
                ++stats.unparsed_mail;
                list_unparsed(in, "a mail server's tag in a form mxtrace does not know", text);
            } else {
                ++stats.other;
            }
            return;
        case LineClass::noqueue:
            ++stats.noqueue;
            if (ev.shape == Shape::pf_noqueue || ev.shape == Shape::exim_reject || ev.shape == Shape::sm_reject_ruleset)
                stats.noqueue_rejects += times ? times : 1;
            if (ev.kind == EventKind::reject_record) {
                set_source(in, text);
                for (unsigned i = 0; i < std::max(times, 1u); ++i) { // each repeat is a reject of its own
                    ++stats.reject_records;
                    ev.queue_id = reject_record_name(i);
                    reducer.apply(sl.host, sl.time, ev, &source);
                }
            }
            return;
        case LineClass::unparsed:
            ++stats.unparsed;
            ++stats.unparsed_mail;
            list_unparsed(in, ev.reason ? ev.reason : "not understood", text);
            return;
        case LineClass::event:
            ++stats.attributed;
            if (!sl.has_year && (ev.shape == Shape::sm_from || ev.shape == Shape::pf_client ||
                                 ev.shape == Shape::pf_pickup || ev.shape == Shape::pf_message_id)) {
                std::string w = clock->check_queue_id(ev.queue_id, ev.mta == Mta::sendmail, sl.time, in.line_no(),
                                                      in.path() == "-" ? "standard input" : in.path());
                if (!w.empty() && opts.warn) opts.warn(w, "");
            }
            set_source(in, text);
            for (unsigned i = 0; i < std::max(times, 1u); ++i) reducer.apply(sl.host, sl.time, ev, &source);
            return;
        }
    }

    /// The queue ID column of the reject record of the current line (sl), application `repeat`
    /// (0 for the line itself, R-1 for the R-th application of an rsyslog "message repeated N
    /// times" line): "NOQUEUE-HASH", with "-K" when the line is the K-th occurrence of its line
    /// identity in this input (seen_elsewhere(), kept in seen_line across runs), and ".R" for
    /// repeats (HASH: 12 hex digits of FNV-1a 64 over program, pid and the text as logged). With
    /// host and time (the rest of the store key) this is the line's identity: re-reading the
    /// input, resuming it in a later run, or the same line in another input (Exim's reject log
    /// repeats the main log's reject lines), writes the same record again instead of a second
    /// one, while a burst of identical rejects in one second is one record per line.
    std::string_view reject_record_name(unsigned repeat) {
        std::string content;
        content.reserve(sl.program.size() + sl.pid.size() + line_logged.size() + 2);
        content.append(sl.program).append(1, '\0').append(sl.pid).append(1, '\0').append(line_logged);
        reject_name = "NOQUEUE-" + fnv1a_hex(content).substr(0, 12);
        if (line_occurrence > 1) reject_name += fmt::format("-{}", line_occurrence);
        if (repeat > 0) reject_name += fmt::format(".{}", repeat + 1);
        return reject_name;
    }

    /// Points `source` at the current line (its number, and its bytes with a "\r" it had).
    void set_source(const LineReader& in, std::string_view text) {
        source.line = in.line_no();
        if (in.had_cr()) {
            cr_line.assign(text);
            cr_line += '\r';
            source.text = cr_line;
        } else {
            source.text = text;
        }
    }

    /// "HOST exim[PID]: STAMP TEXT": an Exim main log line behind a host and a syslog tag with no
    /// syslog time stamp (a syslog daemon's template); read into `sl` with that host and pid.
    bool parse_tagged_exim(std::string_view text) {
        const std::size_t sp = text.find(' ');
        if (sp == 0 || sp == std::string_view::npos || sp > 255) return false;
        const std::string_view tag = text.substr(sp + 1);
        const std::size_t open = tag.starts_with("exim[") ? 4 : tag.starts_with("exim4[") ? 5 : 0;
        const std::size_t close = open ? tag.find("]: ") : std::string_view::npos;
        if (close == std::string_view::npos || close <= open + 1) return false;
        const std::string_view rest = tag.substr(close + 3);
        if (!SyslogParser::is_exim_mainlog(rest) || !syslog.parse_exim_mainlog(rest, sl)) return false;
        sl.host = text.substr(0, sp);
        sl.program = tag.substr(0, open);
        sl.pid = tag.substr(open + 1, close - open - 1);
        return true;
    }

    /// Line identity (ARCHITECTURE.md): counts this occurrence of the mail line in `sl` (with
    /// `logged` its message as logged) for the input being read; true if another input already
    /// holds the line at least as many times (it was applied from there).
    bool seen_elsewhere(std::string_view logged) {
        const Micros t = sl.time;
        const std::int64_t sec = t >= 0 ? t / kMicrosPerSecond : -((-t + kMicrosPerSecond - 1) / kMicrosPerSecond);
        const std::uint64_t h = line_identity(sl.host, sl.program, sl.pid, logged);
        const SeenCounts c = store.seen(sec, h, source.input);
        const std::uint32_t k = c.mine + 1;
        store.put_seen(sec, h, source.input, k);
        line_logged = logged;
        line_occurrence = k;
        return k <= c.others;
    }

    /// Exim's syslog pieces "[i/n] ...": true if the line was a piece kept for later (counted in
    /// exim_pieces); for the last piece, sl.message becomes the joined line and false is returned.
    bool exim_piece(const LineReader& in, std::string_view text) {
        std::string_view whole;
        const auto r = pieces.feed(sl.host, sl.pid, sl.message, whole);
        if (r == EximPieces::Result::held) ++stats.exim_pieces;
        if (const auto d = pieces.take_dropped()) {
            stats.exim_pieces -= d;
            stats.unparsed += d;
            stats.unparsed_mail += d;
            list_unparsed(in, "Exim syslog piece whose other pieces are missing (at or before this line)", text);
        }
        if (const auto d = pieces.take_dropped_restored(); d && opts.warn)
            opts.warn(fmt::format("{}:{}: {} Exim syslog piece{} an earlier run held for this host and pid never got "
                                  "the rest of {} entry; dropped",
                                  in.path() == "-" ? "standard input" : in.path(), in.line_no(), d, d == 1 ? "" : "s",
                                  d == 1 ? "its" : "their"),
                      "");
        if (r == EximPieces::Result::held) return true;
        sl.message = whole;
        return false;
    }

    /// The checkpoint of the input whose content starts with `prefix`, or a new one.
    Checkpoint& checkpoint_for(std::string_view prefix, const std::string& path) {
        const std::string hash = fnv1a_hex(prefix);
        auto same_content = [&](const Checkpoint& c) {
            return c.fp_len > 0 && static_cast<std::size_t>(c.fp_len) <= prefix.size() &&
                   fnv1a_hex(prefix.substr(0, static_cast<std::size_t>(c.fp_len))) == c.fp_hash;
        };
        // the same content given twice in one run (e.g. a file and its compressed copy): the same
        // first bytes, as many of them (a shorter prefix could be another file's beginning)
        for (auto& c : active)
            if (c.fp_len == static_cast<std::int64_t>(prefix.size()) && c.fp_hash == hash) return c;
        // following: an input read before (under this name or another, after a rotation) has
        // grown past its first bytes; known as a later run would know it (the longest match)
        if (opts.follow) {
            Checkpoint* grown = nullptr;
            for (auto& c : active)
                if (same_content(c) && (!grown || c.fp_len > grown->fp_len)) grown = &c;
            if (grown) {
                grown->fp_hash = hash;
                grown->fp_len = static_cast<std::int64_t>(prefix.size());
                return *grown;
            }
        }
        Checkpoint cp;
        const Checkpoint* best = nullptr;
        for (const auto& c : known)
            if (same_content(c) && (!best || c.fp_len > best->fp_len)) best = &c;
        if (best) cp = *best;
        cp.fp_hash = hash;
        cp.fp_len = static_cast<std::int64_t>(prefix.size());
        cp.path = path;
        store.add_input(cp); // its row ID, which the lines read from it name
        active.push_back(cp);
        return active.back();
    }
};

Indexer::Indexer(Store& store, IndexOptions opts) : impl_(std::make_unique<Impl>(store, std::move(opts))) {}
Indexer::~Indexer() = default;

void Indexer::add_input(const std::string& path, const std::string& open_path) {
    Impl& m = *impl_;
    const std::string& src = open_path.empty() ? path : open_path; // what is opened
    ++m.stats.files;
    auto warn = [&](const std::string& what, const std::string& hint) {
        if (m.opts.warn) m.opts.warn(what, hint);
    };
    const std::string shown = path == "-" ? "standard input" : path;
    if (path != "-") {
        std::error_code ec;
        if (std::filesystem::is_directory(src, ec)) {
            ++m.stats.files_failed;
            warn(fmt::format("{} is a directory", path), "give the log files in it, e.g. DIR/mail.log*");
            return;
        }
    }
    const std::uint64_t lines0 = m.stats.lines, empty0 = m.stats.empty, not_syslog0 = m.stats.not_syslog,
                        too_old0 = m.stats.too_old;
    // the window is fixed for the whole input, so that what it skipped can be told later by time
    m.input_cutoff = m.cutoff();
    m.input_too_old = 0;
    m.reread_until = 0;
    m.reread_cutoff = INT64_MIN;
    m.resumed = false;
    try {
        auto in = m.opts.follow && path == "-" ? std::make_unique<LineReader>(path, m.opts.stdin_idle)
                                               : std::make_unique<LineReader>(src);
        std::string_view prefix;
        if (m.opts.follow && path == "-") {
            // a pipe fed as things happen (journalctl -f): what its first read brought, not
            // 4 KiB that may take hours to come
            in->peek(1);
            prefix = in->buffered().substr(0, kFingerprintBytes);
        } else {
            prefix = in->peek(kFingerprintBytes);
        }
        if (prefix.empty()) return; // empty input: nothing to read, nothing to remember
        m.mainlog = is_exim_mainlog_head(prefix);
        m.reject_block = false;
        m.input_host = m.mainlog ? host_for_input(m.opts, path) : std::string();
        if (m.mainlog && m.input_host.empty()) {
            ++m.stats.files_failed;
            warn(fmt::format("{} is an Exim main log: its lines name no host, and mxtrace will not label it with this "
                             "machine's name; not read", shown),
                 "give the name of the host that wrote it: mxtrace index --host NAME FILE (or --host-for 'GLOB=NAME', "
                 "config key host-for in [index]; see mxtrace-index(1))");
            return;
        }
        if (m.mainlog) ++m.stats.exim_mainlogs;
        // a plain file written to in the last kGrowing seconds may still be (and a followed one
        // is): its unfinished last line waits for the next run. One left alone longer (a copy,
        // an old log) is read to its end.
        struct stat st{};
        const bool regular = path != "-" && ::stat(src.c_str(), &st) == 0 && S_ISREG(st.st_mode);
        const bool may_grow = regular && !in->compressed() &&
                              (m.opts.follow ||
                               static_cast<Micros>(st.st_mtim.tv_sec) * kMicrosPerSecond > wall_clock() - Impl::kGrowing);
        in->hold_partial_line(may_grow);
        Checkpoint& cp = m.checkpoint_for(prefix, path);
        std::uint64_t resume = m.opts.full ? 0 : cp.offset;
        if (resume > 0 && cp.too_old > 0 && m.input_cutoff < cp.too_old_cutoff) {
            // an earlier run skipped lines of it as too old, and the window now reaches further
            // back (the retention was raised or set to 0): read it again from the start for them
            m.reread_until = resume;
            m.reread_cutoff = cp.too_old_cutoff;
            ++m.stats.files_reread;
            resume = 0;
        }
        m.resumed = resume > 0;
        // the clock: resumed with the input, or inferred from its head
        auto infer = [&](LineReader& r) {
            Micros limit = m.now;
            YearSource limit_source = YearSource::now;
            const Micros mtime = static_cast<Micros>(st.st_mtim.tv_sec) * kMicrosPerSecond;
            // an mtime before 1990 or after now is no clue (a restored or touched file)
            if (regular && mtime >= Micros{631152000} * kMicrosPerSecond && mtime <= m.now + Micros{86400} * kMicrosPerSecond) {
                limit = mtime;
                limit_source = YearSource::mtime;
            }
            // a pipe gives what it has: do not wait for more than the fingerprint needed
            return FileClock::infer(regular ? r.peek(256 * 1024) : r.buffered(), m.zone, m.opts.year, limit, limit_source,
                                    shown, [&](const std::string& w) { warn(w, ""); });
        };
        ClockState cs = cp.clock;
        if (resume == 0) {
            cs = infer(*in);
        } else if (cs.source == YearSource::none) {
            // no classic line read yet: infer again (a -y flag or an mtime may say more now), but a
            // run that learns nothing keeps what the lines read so far taught (the latest instant,
            // the year of RFC 3339 lines), so resuming changes nothing (tests/cli/cases/crash-writes.sh)
            ClockState inferred = infer(*in);
            if (inferred.source != YearSource::none) {
                inferred.prev = std::max(inferred.prev, cs.prev);
                cs = std::move(inferred);
            }
        }
        m.clock.emplace(m.zone, cs, m.now);
        m.cp_now = &cp;
        m.classic_lines = 0;
        if (resume > 0 && !cp.zone.empty() && cp.zone != m.zone.name())
            warn(fmt::format("{}: its earlier lines were read in the zone {}, its new ones are read in {}", shown, cp.zone,
                             m.zone.name()),
                 "give the same --tz on every run; for one zone throughout, move the index away and index the logs "
                 "again with the right --tz");
        cp.zone = m.zone.name();
        // a compressed file read to its end before, of the same size and head, holds nothing new:
        // skip it without decompressing it (rotated logs are compressed once and left alone)
        if (!m.opts.full && resume > 0 && in->compressed() && regular && cp.raw_size > 0 &&
            cp.raw_size == static_cast<std::uint64_t>(st.st_size)) {
            cp.last_read = m.now;
            ++m.stats.files_unchanged;
            m.stats.skipped_bytes += resume;
            m.cp_now = nullptr;
            return;
        }
        std::uint64_t skipped = 0;
        const std::uint64_t resume_lines = cp.lines;
        m.source.input = cp.id;
        // read again from its start: its line counts start again (in the batch: a crash keeps the old ones)
        if (resume == 0 && resume_lines > 0) m.store.forget_seen(cp.id);
        cp.offset = 0;
        cp.lines = 0;
        if (resume > 0) {
            skipped = in->skip(resume, resume_lines);
            if (skipped < resume && path == "-") {
                // standard input cannot be read again: it held only content read before
                cp.offset = resume;
                cp.lines = resume_lines;
                cp.last_read = m.now;
                ++m.stats.files_unchanged;
                m.stats.skipped_bytes += skipped;
                return;
            }
            if (skipped < resume) {
                // same first bytes but shorter than what was read: rewritten; read it again
                if (m.opts.follow)
                    warn(fmt::format("{} was truncated ({} < {} bytes read; copytruncate?); reading it from the start",
                                     shown, skipped, resume), "");
                else
                    warn(fmt::format("{} is shorter than when it was last read ({} < {} bytes); reading it again from the start",
                                     shown, skipped, resume), "");
                in = std::make_unique<LineReader>(src);
                in->hold_partial_line(may_grow);
                in->hash_content({});
                skipped = 0;
                m.store.forget_seen(cp.id);
                m.clock.emplace(m.zone, infer(*in), m.now); // new content: its own year
                m.resumed = false;
            } else {
                m.stats.skipped_bytes += skipped;
                cp.offset = skipped;
                cp.lines = resume_lines;
                // the hash goes on from the saved state (unknown if there is none)
                if (!cp.sha256_state.empty()) in->hash_content(cp.sha256_state);
            }
        } else {
            in->hash_content({});
        }
        std::string_view text;
        m.in_now = in.get();
        try {
            while (in->next(text)) m.line(*in, cp, text);
        } catch (...) {
            Impl::save_hash(cp, *in); // the offset reached keeps its hash
            m.in_now = nullptr;
            throw;
        }
        m.in_now = nullptr;
        Impl::save_hash(cp, *in);
        // pieces of an entry the input does not finish stay held: the rest may come in the next
        // input (a log rotated between them) or the next run (checkpoint())
        cp.offset = in->offset();
        cp.lines = in->line_no();
        cp.last_read = m.now;
        cp.raw_size = in->compressed() && regular ? static_cast<std::uint64_t>(st.st_size) : 0;
        cp.clock = m.clock->state();
        m.record_too_old(cp, m.resumed);
        if (m.classic_lines && cp.clock.source == YearSource::now)
            warn(fmt::format("{}: its classic lines carry no year and nothing in the data gave one; they were put in "
                             "{}, the year that puts the first of them before now",
                             shown, cp.clock.first_year),
                 "give -y YEAR if that is wrong");
        m.stats.bytes += in->offset() - skipped;
        m.stats.held_back += in->held_back();
        if (m.stats.lines == lines0 && in->held_back() == 0 && resume > 0) ++m.stats.files_unchanged;
        m.raw_done_before += in->raw_bytes_read();
        m.cp_now = nullptr;
    } catch (const Error& e) {
        if (m.cp_now && m.clock) m.cp_now->clock = m.clock->state(); // the offset reached keeps its year
        if (m.cp_now) m.record_too_old(*m.cp_now, m.resumed);
        m.cp_now = nullptr;
        ++m.stats.files_failed;
        warn(e.what(), e.hint());
    }
    const std::uint64_t lines = m.stats.lines - lines0 - (m.stats.empty - empty0);
    if (const std::uint64_t old = m.stats.too_old - too_old0) {
        SkippedInput sk;
        sk.path = path;
        sk.lines = old;
        sk.cutoff = m.input_cutoff;
        sk.all = old == lines - (m.stats.not_syslog - not_syslog0);
        m.stats.too_old_inputs.push_back(std::move(sk));
    }
    if (lines > 0 && m.stats.not_syslog - not_syslog0 == lines)
        warn(fmt::format("{}: none of its {} lines is a syslog line", shown, lines),
             "is it a mail log? mxtrace reads syslog files such as /var/log/mail.log (plain or compressed)");
}

std::uint64_t Indexer::poll_input(const std::string& path, const std::string& open_path) {
    Impl& m = *impl_;
    // the totals count inputs and what earlier runs read once, at the first reading
    // and an unfinished last line is told by the last reading, not by every one
    const std::uint64_t files = m.stats.files, unchanged = m.stats.files_unchanged, skipped = m.stats.skipped_bytes,
                        lines = m.stats.lines, held = m.stats.held_back;
    add_input(path, open_path);
    m.stats.held_back = held;
    m.stats.files = files;
    m.stats.files_unchanged = unchanged;
    m.stats.skipped_bytes = skipped;
    return m.stats.lines - lines;
}

void Indexer::commit() { impl_->checkpoint(); }

std::uint64_t Indexer::uncommitted() const { return impl_->since_commit; }

void Indexer::set_now(Micros now) { impl_->now = now; }

CompactResult Indexer::compact() {
    impl_->checkpoint();
    return impl_->store.compact(false);
}

PruneResult Indexer::retain() {
    impl_->checkpoint();
    return impl_->prune();
}

PruneResult Indexer::Impl::prune() {
    Impl& m = *this;
    PruneResult done;
    if (m.opts.retention_days > 0) {
        // A run prunes what fell out of the window since the last one. Should that be more than
        // half of the index (old copied logs, then one current line), it asks instead of acting.
        PruneResult would = m.store.prune(m.opts.retention_days, m.now, true);
        const std::uint64_t total = m.store.count();
        if (would.transactions > 1000 && would.transactions * 2 > total) {
            const bool told = m.stats.prune_deferred.transactions > 0; // a follower says it once
            m.stats.prune_deferred = would;
            if (m.opts.warn && !told)
                m.opts.warn(fmt::format("retention would remove {} of the {} transactions (those last active before {}); "
                                        "not done",
                                        would.transactions, total, format_rfc3339(would.cutoff)),
                            fmt::format("run mxtrace prune --db {0} to remove them, or keep everything with "
                                        "mxtrace prune --db {0} --set-retention 0",
                                        shell_quote(m.store.dir().string())));
        } else {
            done = m.store.prune(m.opts.retention_days, m.now, false);
            if (m.stats.pruned.transactions == 0) {
                m.stats.pruned = done;
            } else { // a follower's later prune: the totals add up
                m.stats.pruned.anchor = done.anchor;
                m.stats.pruned.cutoff = done.cutoff;
                m.stats.pruned.transactions += done.transactions;
                m.stats.pruned.attempts += done.attempts;
            }
        }
    }
    return done;
}

IndexStats Indexer::finish() {
    Impl& m = *impl_;
    m.checkpoint();
    m.store.sync(); // the last batch's Xapian update: its errors are this run's
    m.stats.writes = m.store.stats();
    m.prune();
    m.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m.start).count();
    return m.stats;
}

} // namespace mxtrace
