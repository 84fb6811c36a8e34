// SPDX-License-Identifier: GPL-3.0-or-later
// Exim line shapes. Reference: the Exim specification, chapter "Log files" (the flags <= => -> >>
// *> ** == and the log_selector fields), Exim's src/deliver.c (delivery_log(), the "**"/"=="
// lines), src/receive.c (the "<=" line), src/log.c (syslog pieces "[n/m]"), and the real logs in
// shared/corpus (exim-testsuite, fail2ban, crowdsec-hub).
//
// A line is "[ID ]text". The fields are "KEY=value" words in any order; a value may be quoted
// ("C=\"250 OK\"", "T=\"a subject\"") and a host value runs over the words that follow it while
// they are "(helo)" or "[address]:port" ("H=mx.example.net (helo) [192.0.2.1]:25"). Fields we do
// not know (X=, CV=, DN=, K, QT=, DT=, RT=, Ci=, ...) are skipped, so every log_selector layout reads.
#include "mxtrace/mta/events.hpp"
#include "mta/parse_util.hpp"

#include <algorithm>

namespace mxtrace {

using namespace detail;

namespace {

bool is_b62(char c) { return is_alnum(c); }

/// An Exim message ID: "1hHB5F-0002Ui-Lq" (before 4.97: 6-6-2) or "1rvHyI-000000001mA-0aKd"
/// (4.97 and later: 6-11-4), base 62.
bool is_exim_id(std::string_view t) {
    auto part = [&](std::size_t from, std::size_t n) {
        for (std::size_t i = from; i < from + n; ++i)
            if (!is_b62(t[i])) return false;
        return true;
    };
    if (t.size() == 16) return t[6] == '-' && t[13] == '-' && part(0, 6) && part(7, 6) && part(14, 2);
    if (t.size() == 23) return t[6] == '-' && t[18] == '-' && part(0, 6) && part(7, 11) && part(19, 4);
    return false;
}

/// One "KEY=value" word of an Exim line; `key` empty for a bare word.
struct Field {
    std::string_view key, value;
};

/// Reads the next word or field of `s` (leading blanks skipped); false at the end.
bool next_field(std::string_view& s, Field& f) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    if (s.empty()) return false;
    std::size_t i = 0;
    while (i < s.size() && s[i] != ' ' && s[i] != '=') ++i;
    if (i < s.size() && s[i] == '=' && i > 0 && i <= 8) {
        f.key = s.substr(0, i);
        std::string_view v = s.substr(i + 1);
        std::size_t end;
        if (!v.empty() && v.front() == '"') {
            // quoted: to the closing quote not escaped by a backslash
            end = 1;
            while (end < v.size() && v[end] != '"') end += v[end] == '\\' ? 2 : 1;
            f.value = v.substr(1, std::min(end, v.size()) - 1);
            end = std::min(end + 1, v.size());
        } else {
            end = v.find(' ');
            if (end == std::string_view::npos) end = v.size();
            if (f.key == "H" || f.key == "I") {
                // "name (helo) [addr]:port", "(helo) [addr]", "[addr]": take the words that follow
                while (end < v.size()) {
                    std::size_t n = end + 1;
                    if (n < v.size() && (v[n] == '(' || v[n] == '[')) {
                        std::size_t e = v.find(' ', n);
                        end = e == std::string_view::npos ? v.size() : e;
                    } else {
                        break;
                    }
                }
            }
            f.value = v.substr(0, end);
            // "H=host [addr]:" before the error text of a "==" line
            if (f.key == "H" && f.value.ends_with(':')) f.value.remove_suffix(1);
        }
        s = v.substr(end);
        return true;
    }
    // a bare word; one with a '=' that starts no field ("=x", a key longer than 8) runs to the
    // next blank: stopping at the '=' would return the same empty word forever
    i = std::min(s.find(' '), s.size());
    f.key = {};
    f.value = s.substr(0, i);
    s.remove_prefix(i);
    return true;
}

/// Splits an H= value "name (helo) [addr]:port" into name and address; a name in parentheses
/// only ("(helo) [addr]") is the HELO name, not a verified host name: the name is left empty.
void split_exim_host(std::string_view v, std::string_view& name, std::string_view& addr) {
    name = {};
    addr = {};
    std::size_t lb = v.rfind('[');
    if (lb != std::string_view::npos) {
        std::size_t rb = v.find(']', lb);
        if (rb != std::string_view::npos) addr = v.substr(lb + 1, rb - lb - 1);
        v = v.substr(0, lb);
    }
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    if (!v.empty() && v.front() != '(') {
        std::size_t sp = v.find(' ');
        name = v.substr(0, sp);
    }
}

/// The queue ID a next hop gave in its reply: Exim "250 OK id=1hHB5F-0002Ui-Lq", Postfix
/// "250 2.0.0 Ok: queued as 4Xyz", Sendmail "250 2.0.0 x1234 Message accepted for delivery".
std::string_view next_hop_id(std::string_view text) {
    std::size_t p = text.find("id=");
    if (p != std::string_view::npos && (p == 0 || text[p - 1] == ' ')) {
        std::string_view v = text.substr(p + 3);
        std::size_t e = 0;
        while (e < v.size() && v[e] != ' ' && v[e] != ')' && v[e] != '"' && v[e] != ',') ++e;
        if (e > 0) return v.substr(0, e);
    }
    if (auto q = queued_as(text); !q.empty()) return q;
    constexpr std::string_view kQ = "queued as ";
    p = text.rfind(kQ);
    if (p != std::string_view::npos) {
        std::string_view v = text.substr(p + kQ.size());
        std::size_t e = 0;
        while (e < v.size() && is_alnum(v[e])) ++e;
        if (e > 0) return v.substr(0, e);
    }
    return {};
}

/// The SMTP reply code at the start of a reply ("550 5.1.1 ...") or after "...: " in an error text.
bool has_reply_code(std::string_view t, char first) {
    for (std::size_t i = 0; i + 3 < t.size(); ++i)
        if (t[i] == first && is_digit(t[i + 1]) && is_digit(t[i + 2]) && (t[i + 3] == ' ' || t[i + 3] == '-') &&
            (i == 0 || t[i - 1] == ' '))
            return true;
    return false;
}

/// Where the error text of a "**" or "==" line starts in `fields` (what follows the recipient):
/// the position of the first ": " (" : " in some versions) outside a quoted value, or of a ':'
/// that ends the line, or npos.
/// "R=r T=t H=mx [192.0.2.1]:25: SMTP error ..." -> the ": " after ":25"; "defer (-44): x" -> ": x".
std::size_t error_colon(std::string_view fields) {
    bool quoted = false;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const char c = fields[i];
        if (quoted) {
            if (c == '\\') ++i;
            else if (c == '"') quoted = false;
        } else if (c == '"' && i > 0 && fields[i - 1] == '=') {
            quoted = true;
        } else if (c == ':' && (i + 1 == fields.size() || fields[i + 1] == ' ')) {
            return i; // a ':' that ends the line: an empty error text
        }
    }
    return std::string_view::npos;
}

/// "<= sender fields..." (arrival). `rest` is after "<= ".
LineClass arrival(std::string_view rest, Event& ev) {
    std::size_t sp = rest.find(' ');
    std::string_view sender = rest.substr(0, sp);
    rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp);
    ev.has_sender = true;
    ev.sender = sender == "<>" ? std::string_view{} : strip_angle(sender);
    ev.kind = EventKind::queued;
    ev.shape = Shape::exim_arrival;
    Field f;
    std::string_view user;
    bool local = false;
    while (next_field(rest, f)) {
        if (f.key.empty()) {
            if (f.value == "for") {
                // +received_recipients: the rest of the line is the recipient list
                std::string_view r = rest;
                while (!r.empty()) {
                    std::size_t e = r.find(' ');
                    std::string_view w = r.substr(0, e);
                    if (!w.empty()) ev.recipients.push_back(strip_angle(w));
                    if (e == std::string_view::npos) break;
                    r.remove_prefix(e + 1);
                }
                break;
            }
            continue;
        }
        if (f.key == "H") split_exim_host(f.value, ev.client_name, ev.client_ip);
        else if (f.key == "S") to_int(f.value, ev.size);
        else if (f.key == "id") ev.message_id = strip_angle(f.value);
        else if (f.key == "A") {
            // "A=authenticator" or "A=authenticator:authenticated_id[:sender]"
            std::string_view a = f.value;
            std::size_t c = a.find(':');
            if (c != std::string_view::npos) {
                std::string_view id = a.substr(c + 1);
                id = id.substr(0, id.find(':'));
                ev.sasl_username = id.empty() ? a.substr(0, c) : id;
            } else {
                ev.sasl_username = a;
            }
        } else if (f.key == "U") {
            user = f.value;
        } else if (f.key == "P") {
            local = f.value.starts_with("local");
        } else if (f.key == "R" && sender == "<>") {
            ev.child_queue_id = f.value; // the message this bounce is about (its parent)
            ev.shape = Shape::exim_bounce_arrival;
        }
    }
    // a command-line submission ("U=root P=local", no H=): the client is the local user, shown
    // as USER@localhost like Sendmail's "relay=root@localhost"
    if (local && !user.empty() && ev.client_name.empty() && ev.client_ip.empty()) {
        ev.client_name = user;
        ev.local_user = true;
    }
    return LineClass::event;
}

/// "=> rcpt [(parent)] [<original>] fields..." and the ->, >>, *>, **, == lines. `flag` is the
/// two-character flag; `rest` is after "FLAG ". A "**" (failure) or "==" (deferral) line is
/// "ADDRESS [(parent)] [<orig>] [fields] [defer (errno)]: error text" (the Exim specification,
/// "Log line flags"; deliver.c): the text follows the first ": " after the address (error_colon()),
/// "** carol@x.com: Unrouteable address" included; its DSN and SMTP reply code are taken from it.
LineClass delivery(std::string_view flag, std::string_view rest, Event& ev) {
    // the recipient: a word, or a pipe command up to " <" / " R=" (it may hold blanks)
    std::size_t end;
    if (!rest.empty() && rest.front() == '|') {
        end = rest.find(" <");
        std::size_t r = rest.find(" R=");
        if (end == std::string_view::npos || (r != std::string_view::npos && r < end)) end = r;
    } else {
        end = rest.find(' ');
    }
    if (end == std::string_view::npos) end = rest.size();
    std::string_view rcpt = rest.substr(0, end);
    rest.remove_prefix(end);
    const bool failure = flag == "**" || flag == "==";
    std::string_view text;
    // "** carol@x.com: Unrouteable address": no fields, the error text right after the address
    if (failure && rcpt.size() > 1 && rcpt.back() == ':' && rcpt.front() != '|') {
        rcpt.remove_suffix(1);
        text = rest;
        rest = {};
    }
    if (rcpt.empty()) return unparsed(ev, "Exim delivery line without a recipient");
    ev.recipients.push_back(strip_angle(rcpt));
    while (rest.starts_with(" (")) { // "(parent address)" with +all_parents
        std::size_t e = rest.find(')');
        if (e == std::string_view::npos) break;
        rest.remove_prefix(e + 1);
    }
    if (rest.starts_with(" <")) {
        std::size_t e = rest.find('>');
        if (e != std::string_view::npos) {
            ev.orig_recipient = rest.substr(2, e - 2);
            rest.remove_prefix(e + 1);
        }
    }
    if (failure && text.empty()) {
        // deliver.c writes the error text of "**" and "==" lines after the fields as ": TEXT"
        // (": strerror: message" when both are set); cut it off so that no field swallows it
        if (std::size_t c = error_colon(rest); c != std::string_view::npos) {
            text = rest.substr(std::min(c + 2, rest.size()));
            rest = rest.substr(0, c);
        }
    }
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    std::string_view transport, router, host, confirm;
    Field f;
    while (true) {
        std::string_view before = rest;
        while (!before.empty() && before.front() == ' ') before.remove_prefix(1);
        // the error text of ** and == lines: " : text", or "defer (-44) [H=...]: text"
        if (text.empty() && before.starts_with(": ")) {
            text = before.substr(2);
            break;
        }
        if (!next_field(rest, f)) break;
        if (f.key.empty()) {
            if (text.empty() && f.value.ends_with(":") && (f.value.starts_with("(") || f.value == "defer:")) {
                text = rest;
                while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
                break;
            }
            continue;
        }
        if (f.key == "T" && transport.empty()) transport = f.value;
        else if (f.key == "R" && router.empty()) router = f.value;
        else if (f.key == "H" && host.empty()) host = f.value;
        else if (f.key == "C") confirm = f.value;
        else if (f.key == "P" && flag == ">>") {
            // cutthrough "P=<sender>"
        }
        if (f.key == "H" && text.empty() && before.size() > 0) {
            // "H=host [addr]: SMTP error ..." (the colon ends the host value)
            std::string_view after_h = before.substr(2 + f.value.size());
            if (after_h.starts_with(": ")) {
                text = after_h.substr(2);
                break;
            }
        }
    }
    ev.relay = host.empty() ? (transport.empty() ? router : transport) : host;
    if (flag == "==") {
        ev.status = Status::deferred;
        ev.text = text;
        ev.shape = Shape::exim_deferral;
        if (text.find("retry time not reached") != std::string_view::npos ||
            text.find("Retry time not yet reached") != std::string_view::npos)
            ev.shape = Shape::exim_retry_not_reached;
    } else if (flag == "**") {
        ev.status = Status::bounced;
        ev.text = text;
        ev.shape = Shape::exim_failure;
    } else {
        ev.status = Status::sent;
        ev.text = confirm;
        ev.child_queue_id = next_hop_id(confirm);
        ev.shape = flag == "=>" ? Shape::exim_delivery
                   : flag == "->" ? Shape::exim_delivery_more
                   : flag == ">>" ? Shape::exim_cutthrough
                                  : Shape::exim_suppressed;
        if (flag == "*>" && ev.text.empty()) ev.text = "delivery suppressed";
    }
    if (ev.status != Status::sent || has_reply_code(ev.text, '2')) ev.dsn = find_dsn(ev.text);
    if (failure) ev.code = find_reply_code(ev.text); // "...: 550 5.1.1 User unknown"
    ev.kind = EventKind::delivery;
    return LineClass::event;
}

/// A reject without a queued message: "H=... F=<...> rejected RCPT <...>: ...", "rejected MAIL",
/// "rejected after DATA", "rejected connection", "temporarily rejected ...", "rejected EHLO".
bool is_reject(std::string_view s) {
    return s.find("rejected RCPT") != std::string_view::npos || s.find("rejected MAIL") != std::string_view::npos ||
           s.find("rejected after DATA") != std::string_view::npos ||
           s.find("rejected connection") != std::string_view::npos || s.find("rejected EHLO") != std::string_view::npos ||
           s.find("rejected HELO") != std::string_view::npos || s.find("rejected DATA") != std::string_view::npos ||
           s.find("rejected by local_scan") != std::string_view::npos ||
           s.find("rejected VRFY") != std::string_view::npos || s.find("rejected ETRN") != std::string_view::npos ||
           s.find("rejected AUTH") != std::string_view::npos || s.find("rejected after BDAT") != std::string_view::npos;
}

/// Fills a reject record (EventKind::reject_record) from an Exim reject line without a queued
/// message: "H=name (helo) [addr]:port F=<sender> rejected RCPT <rcpt>: text", "H=... rejected
/// EHLO or HELO x: text", "H=... F=<s> rejected after DATA: text", "H=... rejected connection
/// in \"connect\" ACL". Client from H=, sender from F=, recipient from "rejected RCPT <...>";
/// the text is the whole line (it names the stage), the DSN the first enhanced code in it.
void reject_record(std::string_view m, Event& ev) {
    ev.shape = Shape::exim_reject;
    ev.kind = EventKind::reject_record;
    ev.status = Status::rejected;
    ev.text = m;
    ev.dsn = find_dsn(m);
    std::size_t rj = m.find(" rejected ");
    if (rj == std::string_view::npos) rj = m.find("rejected ");
    std::string_view fields = m.substr(0, rj == std::string_view::npos ? m.size() : rj);
    Field f;
    while (!fields.empty() && next_field(fields, f)) {
        if (f.key == "H" && ev.client_ip.empty()) {
            split_exim_host(f.value, ev.client_name, ev.client_ip);
            // "name (helo) [addr]" / "(helo) [addr]": the HELO name in parentheses
            std::size_t lp = f.value.find('('), rp = f.value.find(')');
            if (lp != std::string_view::npos && rp != std::string_view::npos && lp < rp)
                ev.helo = f.value.substr(lp + 1, rp - lp - 1);
        }
        else if (f.key == "F") {
            ev.has_sender = true;
            ev.sender = strip_angle(f.value);
        }
    }
    if (std::size_t r = m.find("rejected EHLO or HELO "); r != std::string_view::npos) {
        std::string_view v = m.substr(r + 22);
        ev.helo = v.substr(0, v.find(':'));
    }
    ev.code = find_reply_code(m);
    if (std::size_t r = m.find("rejected RCPT <"); r != std::string_view::npos) {
        std::string_view v = m.substr(r + 15);
        std::size_t e = v.find('>');
        if (e != std::string_view::npos) ev.recipients.push_back(v.substr(0, e));
    }
}

/// Skips "YYYY-MM-DD HH:MM:SS[.fff] [+zone] " (Exim's own stamp inside a syslog message, with
/// syslog_timestamp set) and "[pid] " (+pid).
std::string_view skip_inner_stamp(std::string_view m) {
    if (m.size() > 20 && is_digit(m[0]) && m[4] == '-' && m[7] == '-' && m[10] == ' ' && m[13] == ':' && m[16] == ':') {
        std::size_t i = 19;
        if (i < m.size() && m[i] == '.') {
            ++i;
            while (i < m.size() && is_digit(m[i])) ++i;
        }
        if (i + 6 < m.size() && m[i] == ' ' && (m[i + 1] == '+' || m[i + 1] == '-') && is_digit(m[i + 2]) &&
            is_digit(m[i + 5]) && m[i + 6] == ' ')
            i += 6;
        if (i < m.size() && m[i] == ' ') m.remove_prefix(i + 1);
    }
    if (m.size() > 3 && m[0] == '[' && is_digit(m[1])) {
        std::size_t e = m.find("] ");
        if (e != std::string_view::npos) {
            bool digits = true;
            for (std::size_t i = 1; i < e; ++i) digits = digits && is_digit(m[i]);
            if (digits) m.remove_prefix(e + 2);
        }
    }
    return m;
}

} // namespace

bool is_exim_message_id(std::string_view s) noexcept { return is_exim_id(s); }

LineClass parse_exim(std::string_view /*program*/, std::string_view message, Event& ev) {
    ev.mta = Mta::exim;
    std::string_view m = skip_inner_stamp(message);
    // a line joined from syslog pieces or a multi-line entry: the fields are on its first line
    if (std::size_t nl = m.find('\n'); nl != std::string_view::npos) m = m.substr(0, nl);
    std::size_t sp = m.find(' ');
    std::string_view first = m.substr(0, sp);
    if (!is_exim_id(first)) {
        if (is_reject(m)) {
            reject_record(m, ev);
        } else {
            ev.shape = Shape::exim_session;
        }
        return LineClass::noqueue;
    }
    if (sp == std::string_view::npos) return unparsed(ev, "Exim message ID without text");
    ev.queue_id = first;
    std::string_view rest = m.substr(sp + 1);
    if (rest.size() >= 3 && rest[2] == ' ') {
        std::string_view flag = rest.substr(0, 2);
        if (flag == "<=") return arrival(rest.substr(3), ev);
        if (flag == "=>" || flag == "->" || flag == ">>" || flag == "*>" || flag == "**" || flag == "==")
            return delivery(flag, rest.substr(3), ev);
    }
    if (rest == "Completed" || rest.starts_with("Completed ") || rest.starts_with("removed by ")) {
        // "removed by root": exim -Mrm took the message off the queue
        ev.kind = EventKind::removed;
        ev.shape = Shape::exim_completed;
        return LineClass::event;
    }
    if (rest.starts_with("Frozen") || rest.starts_with("Message is frozen") || rest.starts_with("frozen by") ||
        rest.starts_with("Unfrozen")) {
        ev.shape = Shape::exim_frozen;
        ev.text = rest;
        return LineClass::event;
    }
    if (rest.find("SMTP error from remote mail server") != std::string_view::npos) {
        ev.shape = Shape::exim_smtp_error;
        ev.text = rest;
        return LineClass::event;
    }
    if (is_reject(rest) || rest.find("closed by DROP in ACL") != std::string_view::npos) {
        // a message refused after DATA (it got an ID but was never queued), or a dropped session
        ev.queue_id = {};
        if (is_reject(rest)) reject_record(rest, ev);
        else ev.shape = Shape::exim_session;
        return LineClass::noqueue;
    }
    // Any other line with a message ID: Exim and its ACLs (logwrite) say something about the
    // message that carries no field we keep (DKIM verdicts, "removed by root", TLS notes, ...).
    ev.shape = Shape::exim_info;
    ev.text = rest;
    return LineClass::event;
}

} // namespace mxtrace
