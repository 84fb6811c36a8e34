// SPDX-License-Identifier: GPL-3.0-or-later
// Content filter verdicts that name a queue ID. References: amavisd-new's default $log_templ
// ("Passed CLEAN {RelayedInbound}, [ip]:port [ip] <from> -> <to>, Queue-ID: ID, Message-ID: <..>,
// mail_id: .., Hits: 2.913, size: N, queued_as: ID2, ... ms"), rspamd's rspamd_task_write_log
// (src/libserver/task.c: "id: <msgid>, qid: <ID>, ip: .., from: <..>, (default: F (no action):
// [-0.50/15.00] [SYMBOLS]), len: .."), and opendkim/opendkim.c's per-message notes
// ("ID: DKIM-Signature field added (s=.., d=..)", "ID: DKIM verification successful",
// "ID: bad signature data", "ID: no signature data"), and the real logs in shared/corpus.
#include "mxtrace/mta/events.hpp"
#include "mta/parse_util.hpp"

namespace mxtrace {

using namespace detail;

namespace {

/// A queue ID as filters pass it on: letters and digits, 5 to 24 of them (Postfix short or
/// long, Sendmail).
bool looks_like_qid(std::string_view t) {
    if (t.size() < 5 || t.size() > 24) return false;
    for (char c : t)
        if (!is_alnum(c)) return false;
    return true;
}

/// The value after "KEY: " up to the next ", " (or the end).
std::string_view field_after(std::string_view text, std::string_view key) {
    std::size_t p = text.find(key);
    if (p == std::string_view::npos) return {};
    std::string_view v = text.substr(p + key.size());
    return v.substr(0, v.find(", "));
}

LineClass amavis(std::string_view m, Event& ev) {
    // "(237978-11) Passed CLEAN {RelayedInbound}, ..."; older ones without the {...} part
    if (!m.starts_with('(')) return LineClass::not_mine;
    std::size_t close = m.find(") ");
    if (close == std::string_view::npos) return LineClass::not_mine;
    std::string_view rest = m.substr(close + 2);
    if (!rest.starts_with("Passed ") && !rest.starts_with("Blocked ")) return LineClass::not_mine;
    std::size_t end = rest.find(" {");
    if (end == std::string_view::npos) end = rest.find(", ");
    if (end == std::string_view::npos) return LineClass::not_mine;
    ev.verdict = rest.substr(0, end); // "Passed CLEAN", "Blocked INFECTED (Eicar-Signature)"
    std::string_view qid = field_after(rest, ", Queue-ID: ");
    if (qid.empty()) qid = field_after(rest, ", queued_as: ");
    if (!looks_like_qid(qid)) return LineClass::not_mine;
    ev.queue_id = qid;
    std::string_view hits = field_after(rest, ", Hits: ");
    if (hits != "-") ev.score = hits;
    ev.filter = "amavis";
    ev.shape = Shape::filter_amavis;
    return LineClass::event;
}

LineClass rspamd(std::string_view m, Event& ev) {
    std::size_t q = m.find("qid: <");
    if (q == std::string_view::npos || m.find("rspamd_task_write_log") == std::string_view::npos)
        return LineClass::not_mine;
    std::string_view qid = m.substr(q + 6);
    qid = qid.substr(0, qid.find('>'));
    if (!looks_like_qid(qid)) return LineClass::not_mine;
    // "(default: F (no action): [-0.50/15.00] [...])": T/F is "is spam", then the action
    std::size_t sb = m.find("): [", q);
    if (sb == std::string_view::npos) return LineClass::not_mine;
    std::size_t ob = m.rfind(" (", sb);
    if (ob == std::string_view::npos) return LineClass::not_mine;
    ev.verdict = m.substr(ob + 2, sb - ob - 2);
    std::string_view score = m.substr(sb + 4);
    ev.score = score.substr(0, score.find_first_of("/]"));
    ev.queue_id = qid;
    ev.filter = "rspamd";
    ev.shape = Shape::filter_rspamd;
    return LineClass::event;
}

LineClass opendkim(std::string_view m, Event& ev) {
    std::size_t colon = m.find(": ");
    if (colon == std::string_view::npos || !looks_like_qid(m.substr(0, colon))) return LineClass::not_mine;
    std::string_view rest = m.substr(colon + 2);
    struct Note { std::string_view prefix, verdict; };
    static constexpr Note kNotes[] = {
        {"DKIM-Signature field added", "signed"},
        {"DKIM verification successful", "verified"},
        {"bad signature data", "bad signature"},
        {"no signature data", "no signature"},
        {"key retrieval failed", "key retrieval failed"},
        {"signature verification failed", "bad signature"},
    };
    for (const auto& n : kNotes) {
        if (rest.starts_with(n.prefix)) {
            ev.queue_id = m.substr(0, colon);
            ev.verdict = n.verdict;
            ev.filter = "opendkim";
            ev.shape = Shape::filter_opendkim;
            return LineClass::event;
        }
    }
    return LineClass::not_mine;
}

} // namespace

bool is_filter_program(std::string_view p) noexcept {
    return p == "amavis" || p == "amavisd" || p == "amavisd-new" || p == "rspamd" || p == "opendkim";
}

LineClass parse_filter(std::string_view program, std::string_view message, Event& ev) {
    LineClass c = LineClass::not_mine;
    if (program.starts_with("amavis")) c = amavis(message, ev);
    else if (program == "rspamd") c = rspamd(message, ev);
    else if (program == "opendkim") c = opendkim(message, ev);
    if (c == LineClass::event) {
        ev.kind = EventKind::verdict;
    } else {
        ev.clear();
    }
    return c;
}

} // namespace mxtrace
