// SPDX-License-Identifier: GPL-3.0-or-later
// Sendmail line shapes. Reference: sendmail/deliver.c logdelivery() ("to=, ctladdr=, delay=,
// xdelay=, mailer=, pri=, relay=, dsn=, stat="), sendmail/savemail.c and
// sendmail/recipient.c (DSN/return-to-sender lines), sendmail/srvrsmtp.c and
// sendmail/parseaddr.c (ruleset rejects), logsender() in sendmail/envelope.c ("from=, size=,
// class=, nrcpts=, msgid=, proto=, daemon=, relay="), plus the real logs in shared/corpus.
#include "mxtrace/mta/events.hpp"
#include "mta/parse_util.hpp"

namespace mxtrace {

using namespace detail;

namespace {

/// A Sendmail queue ID: YMDhmsNN + pid, e.g. "pBFERI8l019936" (8 base-60 chars + 5-6 digits).
bool is_sendmail_qid(std::string_view t) {
    if (t.size() < 12 || t.size() > 18) return false;
    for (char c : t)
        if (!is_alnum(c)) return false;
    for (std::size_t i = t.size() - 5; i < t.size(); ++i)
        if (!is_digit(t[i])) return false;
    return true;
}

/// "[d+]hh:mm:ss" -> seconds.
bool sendmail_delay(std::string_view s, double& out) {
    std::int64_t days = 0;
    std::size_t plus = s.find('+');
    if (plus != std::string_view::npos) {
        if (!to_int(s.substr(0, plus), days)) return false;
        s.remove_prefix(plus + 1);
    }
    if (s.size() != 8 || s[2] != ':' || s[5] != ':') return false;
    std::int64_t h = 0, m = 0, sec = 0;
    if (!to_int(s.substr(0, 2), h) || !to_int(s.substr(3, 2), m) || !to_int(s.substr(6, 2), sec)) return false;
    out = static_cast<double>(days * 86400 + h * 3600 + m * 60 + sec);
    return true;
}

/// Splits "<a@x>,<b@x>" or "root" or "a@x,b@x" into recipients.
void split_recipients(std::string_view v, std::vector<std::string_view>& out) {
    while (!v.empty()) {
        std::size_t end;
        if (v.front() == '<') {
            std::size_t gt = v.find('>');
            end = gt == std::string_view::npos ? v.size() : gt + 1;
        } else {
            end = v.find(',');
            if (end == std::string_view::npos) end = v.size();
        }
        std::string_view r = strip_angle(v.substr(0, end));
        if (!r.empty()) out.push_back(r);
        v.remove_prefix(end);
        while (!v.empty() && (v.front() == ',' || v.front() == ' ')) v.remove_prefix(1);
    }
}

Status sendmail_status(std::string_view stat, std::string_view dsn) {
    if (stat.starts_with("Sent")) return Status::sent;
    if (stat.starts_with("Deferred") || stat.starts_with("queued")) return Status::deferred;
    if (!dsn.empty()) return dsn[0] == '2' ? Status::sent : dsn[0] == '4' ? Status::deferred : Status::bounced;
    return Status::bounced; // "User unknown", "Service unavailable", ... are permanent
}

/// The client of a from= or ruleset= line's "relay=": "host [addr]", "[addr]", "host [addr]
/// (may be forged)", "ident@host [addr]" (RFC 1413 ident: the host is the client), or
/// "user@localhost" without an address: a command-line submission (sendmail -bm, the MSP),
/// whose client is the local user, kept as logged.
void sendmail_client(std::string_view v, Event& ev) {
    if (v.ends_with(" (may be forged)")) v.remove_suffix(16);
    split_host_addr(v, ev.client_name, ev.client_ip);
    if (!ev.client_ip.empty()) {
        std::size_t at = ev.client_name.find('@');
        if (at != std::string_view::npos) ev.client_name.remove_prefix(at + 1);
    }
}

/// Lines with a queue ID that are about the SMTP session, not a queued message: sendmail
/// names each session by the queue ID it would give a message.
bool is_session_line(std::string_view rest) {
    for (std::string_view p : {"rejecting commands from", "AUTH failure", "lost input channel", "timeout waiting for input",
                               "too many connections", "Possible SMTP RCPT flood", "discarding connection"})
        if (rest.starts_with(p)) return true;
    if (rest.find(" did not issue MAIL/EXPN/VRFY/ETRN") != std::string_view::npos) return true;
    // "host [ip]: EXPN root [rejected]", "host [ip] (may be forged): possible SMTP attack: ..."
    std::size_t lb = rest.find('[');
    if (lb != std::string_view::npos && rest.substr(0, lb).find(' ') >= lb - 1) {
        std::size_t rb = rest.find(']', lb);
        if (rb != std::string_view::npos) {
            std::string_view after = rest.substr(rb + 1);
            consume(after, " (may be forged)");
            if (after.starts_with(": ")) return true;
        }
    }
    return false;
}

constexpr std::string_view kInfoPrefixes[] = {
    "Milter", "milter", "SMTP outgoing connect", "done", "AUTH=", "STARTTLS",
    "collect:", "clone:", "sender notify:", "Saved message in", "SYSERR",
    "discarded", "ETRN", "alias database", "makeconnection", "Authentication-Warning", "forward ",
    "tls_", "TLS", "[", "headers too large", "Truncated", "too many hops", "DSN:", "return to sender:",
    "postmaster notify:",
};

/// "ruleset=check_rcpt, arg1=<x@y>, relay=host [ip], reject=550 5.7.1 <x@y>... Relaying denied"
/// (check_mail: arg1 is the sender; check_rcpt: the recipient; check_relay: the client's name,
/// with arg2 its address): fills client, sender or recipient, text (from the reply on), DSN and
/// SMTP code, status rejected and shape sm_reject_ruleset. False (nothing rejected) without a
/// "reject=" (a "discard=" or "quarantine=" ruleset line).
bool parse_ruleset(std::string_view rest, Event& ev) {
    KvScanner kv(rest);
    std::string_view key, value, ruleset, arg1;
    bool rejected = false;
    while (kv.next(key, value)) {
        if (key == "ruleset") ruleset = value;
        else if (key == "arg1") arg1 = strip_angle(value);
        else if (key == "relay") sendmail_client(value, ev);
        else if (key == "reject") {
            ev.text = std::string_view(value.data(), static_cast<std::size_t>(rest.data() + rest.size() - value.data()));
            rejected = true;
            break;
        }
    }
    if (!rejected) return false;
    if (ruleset == "check_relay") {
        // the connection itself was refused (srvrsmtp.c, "check_relay"): arg1 is the client's
        // host name, arg2 its address; no sender or recipient yet
        if (ev.client_name.empty() && ev.client_ip.empty()) ev.client_name = arg1;
    } else if (ruleset == "check_mail") {
        ev.has_sender = true;
        ev.sender = arg1;
    } else if (!arg1.empty()) {
        ev.recipients.push_back(arg1);
    }
    ev.dsn = find_dsn(ev.text);
    ev.code = find_reply_code(ev.text);
    ev.status = Status::rejected;
    ev.shape = Shape::sm_reject_ruleset;
    return true;
}

} // namespace

LineClass parse_sendmail(std::string_view /*program*/, std::string_view message, Event& ev) {
    ev.mta = Mta::sendmail;
    std::size_t colon = message.find(": ");
    std::string_view first = message.substr(0, colon);
    if (colon == std::string_view::npos || !is_sendmail_qid(first)) {
        // a ruleset reject before the session had a queue ID (check_relay at connect time)
        if (message.starts_with("ruleset=") && parse_ruleset(message, ev)) {
            ev.kind = EventKind::reject_record;
            return LineClass::noqueue;
        }
        ev.shape = Shape::sm_session;
        return LineClass::noqueue;
    }
    ev.queue_id = first;
    std::string_view rest = message.substr(colon + 2);

    if (rest.starts_with("from=")) {
        KvScanner kv(rest);
        std::string_view key, value;
        while (kv.next(key, value)) {
            if (key == "from") { ev.has_sender = true; ev.sender = strip_angle(value); }
            else if (key == "size") to_int(value, ev.size);
            else if (key == "nrcpts") { std::int64_t n; if (to_int(value, n)) ev.nrcpt = static_cast<int>(n); }
            else if (key == "msgid") ev.message_id = strip_angle(value);
            else if (key == "relay") sendmail_client(value, ev);
        }
        if (!ev.has_sender) return unparsed(ev, "from= line without a sender");
        ev.kind = EventKind::queued;
        ev.shape = Shape::sm_from;
        return LineClass::event;
    }
    if (rest.starts_with("to=")) {
        KvScanner kv(rest);
        std::string_view key, value, mailer;
        bool have_stat = false;
        while (kv.next(key, value)) {
            if (key == "to") split_recipients(value, ev.recipients);
            else if (key == "delay") sendmail_delay(value, ev.delay);
            else if (key == "mailer") mailer = value;
            else if (key == "relay") ev.relay = value;
            else if (key == "dsn") ev.dsn = value;
            else if (key == "stat") {
                ev.text = std::string_view(value.data(),
                                           static_cast<std::size_t>(rest.data() + rest.size() - value.data()));
                have_stat = true;
                break;
            }
        }
        if (ev.recipients.empty() || !have_stat) return unparsed(ev, "to= line without recipients or stat=");
        if (ev.relay.empty()) ev.relay = mailer;
        ev.status = sendmail_status(ev.text, ev.dsn);
        ev.child_queue_id = queued_as(ev.text);
        ev.kind = EventKind::delivery;
        ev.shape = Shape::sm_to;
        return LineClass::event;
    }
    // "pBFEB3Rj019921: pBFEB4Rj019922: DSN: User unknown" (also "return to sender:", "postmaster notify:")
    {
        std::size_t c2 = rest.find(": ");
        if (c2 != std::string_view::npos && is_sendmail_qid(rest.substr(0, c2))) {
            std::string_view after = rest.substr(c2 + 2);
            if (after.starts_with("DSN: ") || after.starts_with("return to sender: ") ||
                after.starts_with("postmaster notify: ") || after.starts_with("sender notify: ")) {
                ev.child_queue_id = rest.substr(0, c2);
                ev.text = after.substr(after.find(": ") + 2);
                ev.kind = EventKind::notification;
                ev.shape = Shape::sm_notification;
                // queue return time reached (sendmail/queue.c, "Cannot send message for %s"): the
                // recipients still waiting have expired
                if (ev.text.starts_with("Cannot send message for")) {
                    ev.kind = EventKind::expired;
                    ev.status = Status::expired;
                }
                return LineClass::event;
            }
        }
    }
    if (rest.starts_with("ruleset=")) {
        if (!parse_ruleset(rest, ev)) {
            ev.shape = Shape::sm_info;
            return LineClass::event;
        }
        ev.kind = EventKind::reject;
        return LineClass::event;
    }
    // "<nobody@bar.com>... User unknown"
    if (rest.starts_with("<")) {
        std::size_t e = rest.find(">... ");
        if (e != std::string_view::npos) {
            ev.recipients.push_back(rest.substr(1, e - 1));
            ev.text = rest.substr(e + 5);
            ev.dsn = find_dsn(ev.text);
            ev.code = find_reply_code(ev.text);
            ev.status = Status::rejected;
            ev.kind = EventKind::reject;
            ev.shape = Shape::sm_reject_user;
            return LineClass::event;
        }
    }
    if (consume(rest, "quarantine=")) {
        // a milter (or the check_* rulesets' $#quarantine) parked the message in the quarantine
        // queue until an admin releases it (sendmail/queue.c, milter.c): held, with the reason
        ev.text = rest;
        ev.status = Status::held;
        ev.kind = EventKind::reject;
        ev.shape = Shape::sm_quarantine;
        return LineClass::event;
    }
    if (rest.starts_with("collect: premature EOM") || rest.starts_with("collect: I/O error") ||
        rest.starts_with("collect: unexpected close")) {
        // the client went away during DATA (collect.c): the message was never accepted, its
        // queue files are dropped; nothing else is logged for it
        ev.text = rest;
        ev.kind = EventKind::removed;
        ev.shape = Shape::sm_lost;
        return LineClass::event;
    }
    if (rest.starts_with("Losing ")) {
        // "Losing ./qfID: savemail panic" (savemail.c): the message could be neither delivered
        // nor returned; sendmail renames its queue file to Qf and gives up on it: the message
        // ends here, lost (no status class fits: it was neither delivered nor returned)
        ev.text = rest;
        ev.kind = EventKind::removed;
        ev.shape = Shape::sm_lost;
        return LineClass::event;
    }
    if (is_session_line(rest)) {
        ev.shape = Shape::sm_session;
        return LineClass::noqueue;
    }
    for (std::string_view p : kInfoPrefixes) {
        if (rest.starts_with(p)) {
            ev.shape = Shape::sm_info;
            return LineClass::event;
        }
    }
    return unparsed(ev, "unknown Sendmail line about a queued message");
}

} // namespace mxtrace
