// SPDX-License-Identifier: GPL-3.0-or-later
// Postfix line shapes. Reference: the Postfix sources that write these lines
// (smtpd/smtpd.c "client=", pickup/pickup.c "uid= from=", cleanup/cleanup_message.c
// "message-id=", qmgr/qmgr_active.c "from= size= nrcpt=", "removed", global/log_adhoc.c
// "to= orig_to= relay= delay= delays= dsn= status=", bounce/bounce_notify_service.c
// "sender non-delivery notification:") and the real logs in shared/corpus.
#include "mxtrace/mta/events.hpp"
#include "mta/parse_util.hpp"

namespace mxtrace {

using namespace detail;

namespace {

bool is_long_qid_char(char c) {
    // Postfix long queue IDs use base 52 digits without vowels: 0-9 B-Z b-z minus AEIOU/aeiou.
    if (is_digit(c)) return true;
    if (c >= 'A' && c <= 'Z') return c != 'A' && c != 'E' && c != 'I' && c != 'O' && c != 'U';
    if (c >= 'a' && c <= 'z') return c != 'a' && c != 'e' && c != 'i' && c != 'o' && c != 'u';
    return false;
}

/// True if `t` is a Postfix queue ID: short (hex, upper case) or long (enable_long_queue_ids:
/// 10 base-52 digits of time, 'z', then the inode number in base 51).
bool is_postfix_qid(std::string_view t) {
    if (t.size() >= 5 && t.size() <= 16) {
        bool hex = true;
        for (char c : t)
            if (!(is_digit(c) || (c >= 'A' && c <= 'F'))) { hex = false; break; }
        if (hex) return true;
    }
    if (t.size() >= 12 && t.size() <= 24) {
        // the inode part (base 51) never holds 'z', so the last 'z' is the separator
        std::size_t z = t.rfind('z');
        if (z == std::string_view::npos || z < 10 || z + 1 >= t.size()) return false;
        for (std::size_t i = 0; i < t.size(); ++i)
            if (i != z && !is_long_qid_char(t[i])) return false;
        return true;
    }
    return false;
}

Status postfix_status(std::string_view word) {
    // "deliverable"/"undeliverable" (and "-but-not-cached") are address verification results
    // (global/verify.c): a probe, not a delivery; kept apart so probes never count as mail
    if (word == "sent") return Status::sent;
    if (word.starts_with("deliverable")) return Status::deliverable;
    if (word == "deferred") return Status::deferred;
    if (word == "bounced") return Status::bounced;
    if (word.starts_with("undeliverable")) return Status::undeliverable;
    if (word == "expired") return Status::expired;
    return Status::none;
}

/// "to=<a>, orig_to=<b>, relay=..., delay=..., delays=..., dsn=..., status=sent (text)"
LineClass parse_delivery(std::string_view program, std::string_view rest, Event& ev) {
    KvScanner kv(rest);
    std::string_view key, value;
    bool have_status = false;
    while (kv.next(key, value)) {
        if (key == "to") {
            ev.recipients.push_back(strip_angle(value));
        } else if (key == "orig_to") {
            ev.orig_recipient = strip_angle(value);
        } else if (key == "relay") {
            ev.relay = value;
        } else if (key == "delay") {
            to_seconds(value, ev.delay);
        } else if (key == "dsn") {
            ev.dsn = value;
        } else if (key == "status") {
            // the status text runs to the end of the line, whatever it holds
            std::string_view all(value.data(), static_cast<std::size_t>(rest.data() + rest.size() - value.data()));
            std::size_t sp = all.find(' ');
            std::string_view word = all.substr(0, sp);
            // "status=expired, returned to sender (text)": the word may end in a comma
            if (word.ends_with(',')) word.remove_suffix(1);
            ev.status = postfix_status(word);
            if (sp != std::string_view::npos) {
                std::string_view t = all.substr(sp + 1);
                if (t.size() >= 2 && t.front() == '(' && t.back() == ')') t = t.substr(1, t.size() - 2);
                ev.text = t;
            }
            have_status = true;
            break;
        }
    }
    if (ev.recipients.empty() || !have_status || ev.status == Status::none)
        return unparsed(ev, "delivery line without to= or a known status=");
    // discard(8) "delivers" by logging status=sent with the discard transport's next-hop text
    if (ev.status == Status::sent && program.ends_with("/discard")) ev.status = Status::discarded;
    ev.child_queue_id = queued_as(ev.text);
    ev.kind = EventKind::delivery;
    ev.shape = Shape::pf_delivery;
    return LineClass::event;
}

/// smtpd/cleanup "reject: RCPT from host[ip]: 550 5.1.1 <x>: text; from=<a> to=<b> proto=ESMTP helo=<h>"
/// and cleanup "milter-reject: END-OF-MESSAGE from host[ip]: 5.7.1 text; from=<a> to=<b> ...".
void parse_reject_tail(std::string_view text, Event& ev) {
    std::size_t f = text.rfind("; from=<");
    if (f != std::string_view::npos) {
        std::string_view tail = text.substr(f + 8);
        // smtpd separates with blanks ("> to=<"), postscreen with commas (">, to=<")
        std::size_t e = tail.find("> to=<");
        std::size_t skip = 6;
        if (e == std::string_view::npos) {
            e = tail.find(">, to=<");
            skip = 7;
        }
        std::size_t e2 = tail.find('>');
        ev.has_sender = true;
        if (e != std::string_view::npos) {
            ev.sender = tail.substr(0, e);
            std::string_view r = tail.substr(e + skip);
            ev.recipients.push_back(r.substr(0, r.find('>')));
        } else {
            ev.sender = tail.substr(0, e2);
        }
    } else if (std::size_t t = text.rfind("; to=<"); t != std::string_view::npos) {
        // a reject before MAIL FROM names no sender ("... ; to=<x> proto=SMTP")
        std::string_view r = text.substr(t + 6);
        ev.recipients.push_back(r.substr(0, r.find('>')));
    }
    if (std::size_t h = text.rfind("helo=<"); h != std::string_view::npos) {
        std::string_view v = text.substr(h + 6);
        std::size_t e = v.find('>');
        if (e != std::string_view::npos) ev.helo = v.substr(0, e);
    }
    ev.dsn = find_dsn(text);
    ev.code = find_reply_code(text);
    ev.text = text;
}

/// "NOQUEUE: reject: STAGE from name[addr]: text" (smtpd: CONNECT, HELO, EHLO, MAIL, RCPT,
/// DATA, END-OF-MESSAGE, VRFY, ETRN; postscreen: "RCPT from [addr]:port: 550 ...") and
/// "NOQUEUE: milter-reject: ...": a pre-queue reject, made a reject record (EventKind::reject_record)
/// with client, sender, recipient, DSN and the text from the stage on. Other NOQUEUE lines
/// ("NOQUEUE: filter: ...") are left as they are (LineClass::noqueue). A reject cut short
/// (smtpd_check.c log_whatsup() always writes "STAGE from CLIENT: REPLY"; "NOQUEUE: reject:",
/// "NOQUEUE: reject: RCPT from" lack it) is LineClass::unparsed with ev.reason set.
LineClass parse_noqueue_reject(std::string_view rest, Event& ev) {
    if (!consume(rest, "reject:") && !consume(rest, "milter-reject:")) return LineClass::noqueue;
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    std::size_t from = rest.find(" from ");
    std::string_view client, reply;
    if (from != std::string_view::npos && from > 0) {
        client = rest.substr(from + 6);
        std::size_t end = client.find(": ");
        if (end != std::string_view::npos) {
            reply = client.substr(end + 2);
            client = client.substr(0, end);
        } else {
            client = {};
        }
    }
    while (!reply.empty() && reply.front() == ' ') reply.remove_prefix(1);
    if (client.empty() || reply.empty())
        return unparsed(ev, "Postfix NOQUEUE reject cut short (no \"STAGE from CLIENT: REPLY\")");
    parse_reject_tail(rest, ev);
    split_host_addr(client, ev.client_name, ev.client_ip);
    ev.status = Status::rejected;
    ev.kind = EventKind::reject_record;
    return LineClass::noqueue;
}

struct Prefixed { std::string_view prefix; Shape shape; };

// Lines naming a queue ID that carry nothing we keep, but belong to the message.
constexpr Prefixed kInfoPrefixes[] = {
    {"warning: ", Shape::pf_action},     {"info: ", Shape::pf_action},
    {"filter: ", Shape::pf_action},
    {"replace: ", Shape::pf_action},     {"reject_warning: ", Shape::pf_action},
    {"prepend: ", Shape::pf_action},     {"milter-", Shape::pf_action},     {"dsn_orig_rcpt", Shape::pf_action},
    {"host ", Shape::pf_delivery_info},  {"lost connection with ", Shape::pf_delivery_info},
    {"conversation with ", Shape::pf_delivery_info}, {"enabling PIX workarounds", Shape::pf_delivery_info},
    {"breaking line ", Shape::pf_delivery_info}, {"Cannot start TLS", Shape::pf_delivery_info},
    {"TLS is required", Shape::pf_delivery_info}, {"SASL authentication failed", Shape::pf_delivery_info},
    {"skipped, still being delivered", Shape::pf_delivery_info},
    {"connect to ", Shape::pf_delivery_info},
    {"requeued", Shape::pf_postsuper},
    {"released from hold", Shape::pf_postsuper},
};

constexpr std::string_view kNotifications[] = {
    "sender non-delivery notification: ", "sender delivery status notification: ",
    "postmaster non-delivery notification: ", "sender delay notification: ",
    "postmaster delay notification: ", "postmaster delivery status notification: ",
};

} // namespace

/// postscreen(8)'s verdicts on a client: "PREGREET N after S from [addr]:port: text" (it spoke
/// before its turn) and "DNSBL rank N for [addr]:port" (listed on block lists of that combined
/// weight). True if `message` is one; it becomes a reject record with the client address and the
/// whole verdict as its text (no SMTP code: postscreen logs its reply in a later NOQUEUE line).
bool parse_postscreen_verdict(std::string_view message, Event& ev) {
    std::string_view addr_part;
    if (message.starts_with("PREGREET ")) {
        std::size_t f = message.find(" from [");
        if (f == std::string_view::npos) return false;
        addr_part = message.substr(f + 6);
    } else if (message.starts_with("DNSBL rank ")) {
        std::size_t f = message.find(" for [");
        if (f == std::string_view::npos) return false;
        addr_part = message.substr(f + 5);
    } else {
        return false;
    }
    std::size_t rb = addr_part.find(']');
    if (rb == std::string_view::npos) return false;
    ev.client_ip = addr_part.substr(1, rb - 1);
    ev.shape = Shape::pf_postscreen_verdict;
    ev.kind = EventKind::reject_record;
    ev.status = Status::rejected;
    ev.text = message;
    return true;
}

LineClass parse_postfix(std::string_view program, std::string_view message, Event& ev) {
    ev.mta = Mta::postfix;
    if (program.ends_with("/postscreen") && parse_postscreen_verdict(message, ev)) return LineClass::noqueue;
    std::size_t colon = message.find(": ");
    std::string_view first = message.substr(0, colon);
    if (colon == std::string_view::npos || !is_postfix_qid(first)) {
        // before-queue content filter (smtpd_proxy_filter, smtpd/smtpd_proxy.c): the smtpd that
        // talks to the client has no queue ID; "proxy-accept: END-OF-MESSAGE: 250 ... queued as
        // ID; from=<a> to=<b> ..." names the queue ID the filter's re-injection got: the line
        // belongs to that message
        if (first == "proxy-accept") {
            std::string_view text = message.substr(colon + 2);
            std::string_view reply = text.substr(0, text.rfind("; from=<"));
            std::string_view qid = queued_as(reply);
            if (is_postfix_qid(qid)) {
                parse_reject_tail(text, ev);
                ev.queue_id = qid;
                ev.kind = EventKind::info;
                ev.shape = Shape::pf_proxy;
                return LineClass::event;
            }
        }
        ev.shape = first == "NOQUEUE" ? Shape::pf_noqueue : Shape::pf_session;
        if (first == "NOQUEUE") return parse_noqueue_reject(message.substr(colon + 2), ev);
        return LineClass::noqueue;
    }
    ev.queue_id = first;
    std::string_view rest = message.substr(colon + 2);

    if (consume(rest, "client=")) {
        std::size_t end = rest.find(", ");
        split_host_addr(rest.substr(0, end), ev.client_name, ev.client_ip);
        // smtpd/smtpd.c: ", sasl_method=M, sasl_username=U[, sasl_sender=S]" after an AUTH
        if (std::size_t u = rest.find(", sasl_username="); u != std::string_view::npos) {
            std::string_view user = rest.substr(u + 16);
            ev.sasl_username = user.substr(0, user.find(", "));
        }
        ev.kind = EventKind::client;
        ev.shape = Shape::pf_client;
        return LineClass::event;
    }
    if (rest.starts_with("to=")) return parse_delivery(program, rest, ev);
    if (consume(rest, "message-id=")) {
        ev.message_id = strip_angle(rest);
        ev.kind = EventKind::message_id;
        ev.shape = Shape::pf_message_id;
        return LineClass::event;
    }
    if (rest.starts_with("resent-message-id=")) {
        ev.shape = Shape::pf_resent_message_id;
        return LineClass::event;
    }
    if (consume(rest, "from=<")) {
        // qmgr: "from=<a>, size=N, nrcpt=N (queue active)" or "from=<a>, status=expired, returned to sender"
        std::size_t gt = rest.rfind(">, size=");
        if (gt == std::string_view::npos) gt = rest.rfind(">, status=expired");
        if (gt == std::string_view::npos) return unparsed(ev, "qmgr from= line without size= or status=");
        ev.has_sender = true;
        ev.sender = rest.substr(0, gt);
        KvScanner kv(rest.substr(gt + 3));
        std::string_view key, value;
        bool expired = false;
        while (kv.next(key, value)) {
            if (key == "size") to_int(value, ev.size);
            else if (key == "nrcpt") {
                std::int64_t n = 0;
                if (to_int(value.substr(0, value.find(' ')), n)) ev.nrcpt = static_cast<int>(n);
            } else if (key == "status") {
                expired = value.starts_with("expired");
            }
        }
        if (expired) {
            ev.kind = EventKind::expired;
            ev.shape = Shape::pf_qmgr_expired;
            ev.status = Status::expired;
            ev.text = "returned to sender";
        } else {
            ev.kind = EventKind::queued;
            ev.shape = Shape::pf_qmgr_from;
        }
        return LineClass::event;
    }
    if (rest == "removed") {
        ev.kind = EventKind::removed;
        ev.shape = Shape::pf_removed;
        // postsuper -d (postsuper/postsuper.c "%s: removed"): deleted by the admin
        if (program.ends_with("/postsuper")) {
            ev.status = Status::removed;
            ev.text = "removed by postsuper";
        }
        return LineClass::event;
    }
    if (rest == "placed on hold" && program.ends_with("/postsuper")) {
        // postsuper -h: the message is parked in the hold queue until postsuper -H
        ev.kind = EventKind::reject;
        ev.status = Status::held;
        ev.text = "placed on hold by postsuper";
        ev.shape = Shape::pf_postsuper;
        return LineClass::event;
    }
    if (consume(rest, "uid=")) {
        // pickup: "uid=1000 from=<carol@bar.com>"
        std::size_t f = rest.find(" from=<");
        if (f == std::string_view::npos) return unparsed(ev, "pickup line without from=");
        ev.has_sender = true;
        ev.sender = strip_angle(rest.substr(f + 6));
        ev.kind = EventKind::pickup;
        ev.shape = Shape::pf_pickup;
        return LineClass::event;
    }
    for (std::string_view n : kNotifications) {
        if (consume(rest, n)) {
            if (!is_postfix_qid(rest)) return unparsed(ev, "notification without a queue ID");
            ev.child_queue_id = rest;
            ev.kind = EventKind::notification;
            ev.shape = Shape::pf_notification;
            return LineClass::event;
        }
    }
    if (rest.starts_with("proxy-accept: ")) {
        // with the smtpd's own queue ID (proxy filter in after-queue position): a note only
        parse_reject_tail(rest.substr(14), ev);
        ev.kind = EventKind::info;
        ev.shape = Shape::pf_proxy;
        return LineClass::event;
    }
    if (rest.starts_with("proxy-reject: ")) {
        // the before-queue filter refused the message at END-OF-MESSAGE (smtpd_proxy.c)
        parse_reject_tail(rest.substr(14), ev);
        ev.status = Status::rejected;
        ev.kind = EventKind::reject;
        ev.shape = Shape::pf_proxy;
        return LineClass::event;
    }
    // smtpd "lost connection after DATA (0 bytes) from host[ip]", "timeout after DATA from
    // host[ip]" logged with the queue ID already given (smtpd.c, smtpd_chat.c): before
    // END-OF-MESSAGE the client left and cleanup dropped the unfinished queue file, which Postfix
    // does not log as "removed": the message ends here. After END-OF-MESSAGE (and after QUIT,
    // RSET) the message was already queued: only a note.
    for (std::string_view p : {"lost connection after ", "timeout after "}) {
        if (rest.starts_with(p)) {
            std::string_view where = rest.substr(p.size());
            where = where.substr(0, where.find(" from "));
            ev.text = rest;
            ev.shape = Shape::pf_lost_client;
            const bool queued = where.starts_with("END-OF-MESSAGE") || where.starts_with("QUIT") ||
                                where.starts_with("RSET") || where.starts_with("CONNECT");
            ev.kind = queued ? EventKind::info : EventKind::removed;
            return LineClass::event;
        }
    }
    if (rest.starts_with("redirect: ")) {
        // access/header check REDIRECT action (cleanup): the message goes to the named address
        // instead of its recipients; "redirect: header X from host[ip]; from=<a> to=<b> ...: NEW"
        parse_reject_tail(rest.substr(10), ev);
        ev.kind = EventKind::info;
        ev.shape = Shape::pf_action;
        return LineClass::event;
    }
    if (rest.starts_with("reject: ") || rest.starts_with("milter-reject: ")) {
        parse_reject_tail(rest.substr(rest.find(' ') + 1), ev);
        ev.status = Status::rejected;
        ev.kind = EventKind::reject;
        ev.shape = Shape::pf_reject;
        return LineClass::event;
    }
    // cleanup/smtpd access actions (cleanup_message.c, smtpd_check.c log_whatsup()):
    // "discard: header Subject: x from host[ip]; from=<a> to=<b> proto=ESMTP helo=<h>: text",
    // "hold: ...", and the milter's "milter-discard: END-OF-MESSAGE from host[ip]: milter triggers
    // DISCARD action; from=<a> to=<b> ...", "milter-hold: ... milter triggers HOLD action; ..."
    for (auto [prefix, st] : {std::pair{std::string_view("discard: "), Status::discarded},
                              std::pair{std::string_view("milter-discard: "), Status::discarded},
                              std::pair{std::string_view("hold: "), Status::held},
                              std::pair{std::string_view("milter-hold: "), Status::held}}) {
        if (rest.starts_with(prefix)) {
            parse_reject_tail(rest.substr(prefix.size()), ev);
            ev.status = st;
            ev.kind = EventKind::reject;
            ev.shape = Shape::pf_action;
            return LineClass::event;
        }
    }
    for (const auto& p : kInfoPrefixes) {
        if (rest.starts_with(p.prefix)) {
            ev.shape = p.shape;
            ev.kind = EventKind::info;
            return LineClass::event;
        }
    }
    return unparsed(ev, "unknown Postfix line about a queued message");
}

std::string_view queued_as(std::string_view text) noexcept {
    std::size_t p = text.rfind("queued as ");
    if (p == std::string_view::npos) return {};
    std::string_view q = text.substr(p + 10);
    std::size_t n = 0;
    while (n < q.size() && is_alnum(q[n])) ++n;
    if (n < 5) return {};
    return q.substr(0, n);
}

} // namespace mxtrace
