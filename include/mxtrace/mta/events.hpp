// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file events.hpp
/// Typed events: what one MTA log line says about one queued message.
/// MTA parsers (postfix.cpp, sendmail.cpp) turn a line's message text into an Event; the
/// reducer (reducer.cpp) folds events into transactions. Views point into the input line.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace mxtrace {

/// The mail transfer agent that wrote a line.
enum class Mta : std::uint8_t { none, postfix, sendmail, exim };

/// Name of an MTA: "postfix", "sendmail", "exim" ("" for none).
std::string_view mta_name(Mta m) noexcept;

/// Delivery status class of one attempt, as admins name them. Besides the delivery outcomes:
/// discarded (Postfix discard: action, milter-discard, the discard transport: accepted, then
/// thrown away), held (Postfix hold: action, milter-hold, postsuper -h: parked in the hold queue),
/// removed (deleted from the queue by the admin: postsuper -d), deliverable / undeliverable
/// (Postfix address verification probes: no mail was delivered or returned).
enum class Status : std::uint8_t {
    none, sent, deferred, bounced, expired, rejected,
    discarded, held, removed, deliverable, undeliverable
};

/// "sent", "deferred", "bounced", "expired", "rejected", "discarded", "held", "removed",
/// "deliverable", "undeliverable" ("" for none).
std::string_view status_name(Status s) noexcept;

/// Parses a status class name (as printed by status_name); Status::none if unknown.
Status status_from_name(std::string_view s) noexcept;

/// What a line does to its transaction.
enum class EventKind : std::uint8_t {
    client,       ///< Postfix smtpd accepted a client's message: starts a transaction
    pickup,       ///< Postfix pickup took a locally submitted message: starts a transaction
    message_id,   ///< Postfix cleanup logged the Message-ID header
    queued,       ///< envelope sender (and size, recipient count) of the queued message
    delivery,     ///< one delivery attempt to one or more recipients
    reject,       ///< a recipient or the message was rejected
    reject_record,///< a pre-queue reject (no queued message): a record of its own (LineClass::noqueue)
    expired,      ///< Postfix qmgr gave up: queue lifetime expired, returned to sender
    removed,      ///< Postfix removed the queue file: the transaction is complete
    notification, ///< a bounce/delay notification was queued under child_queue_id
    info,         ///< a line about the message that carries no field we keep
    verdict,      ///< a content filter's verdict on the message (amavis, rspamd, opendkim)
};

/// Every line shape an MTA parser recognises. Each has a name and at least one sample
/// line (see line_shapes()); the unit tests parse every sample.
enum class Shape : std::uint8_t {
    unknown,
    pf_client,
    pf_pickup,
    pf_message_id,
    pf_resent_message_id,
    pf_qmgr_from,
    pf_qmgr_expired,
    pf_removed,
    pf_delivery,
    pf_notification,
    pf_reject,
    pf_action,
    pf_delivery_info,
    pf_postsuper,
    pf_noqueue,
    pf_postscreen_verdict, ///< postscreen "PREGREET ... from [addr]:port" / "DNSBL rank N for [addr]:port"
    pf_session,
    pf_proxy,              ///< "proxy-accept:" / "proxy-reject:" of smtpd_proxy_filter
    pf_lost_client,        ///< smtpd "lost connection after X" / "timeout after X" with a queue ID
    sm_from,
    sm_to,
    sm_notification,
    sm_reject_ruleset,
    sm_reject_user,
    sm_info,
    sm_session,
    sm_quarantine,         ///< "quarantine=REASON": held in the quarantine queue
    sm_lost,               ///< "collect: premature EOM" (never received), "Losing ./qf...: savemail panic"
    exim_arrival,          ///< "<=": a message was received (starts the transaction)
    exim_bounce_arrival,   ///< "<= <> R=ID": a bounce Exim made about message ID
    exim_delivery,         ///< "=>": first delivery of a message to a recipient
    exim_delivery_more,    ///< "->": a further recipient of the same delivery
    exim_cutthrough,       ///< ">>": cutthrough delivery (during reception)
    exim_suppressed,       ///< "*>": delivery suppressed (-N, or a "no delivery" condition)
    exim_failure,          ///< "**": delivery failed permanently (bounce)
    exim_deferral,         ///< "==": delivery deferred
    exim_retry_not_reached,///< "==" ... "retry time not reached": deferred without an attempt
    exim_completed,        ///< "Completed": the message left the queue
    exim_frozen,           ///< "Frozen", "Message is frozen", "frozen by", "Unfrozen"
    exim_smtp_error,       ///< "... SMTP error from remote mail server after ...": a reply note
    exim_info,             ///< any other line with a message ID (ACL logwrite, DKIM, TLS notes)
    exim_reject,           ///< "rejected RCPT/MAIL/after DATA/connection": a pre-queue reject
    exim_session,          ///< a line about no queued message (authenticator failed, queue runs)
    filter_amavis,         ///< amavis "(PID-N) Passed CLEAN {...}, ... Queue-ID: ID, ..., Hits: S, ..."
    filter_rspamd,         ///< rspamd "rspamd_task_write_log: ... qid: <ID>, ... (default: F (no action): [S/T] ..."
    filter_opendkim,       ///< opendkim "ID: DKIM-Signature field added", "ID: DKIM verification successful", ...
    count_
};

/// How a line was classified by the MTA parsers.
enum class LineClass : std::uint8_t {
    event,     ///< a line about a queued message: `Event` is filled in
    noqueue,   ///< the MTA's line about no queued message (connections, pre-queue rejects, daemons);
               ///< a pre-queue reject has kind EventKind::reject_record and becomes a record
    unparsed,  ///< the MTA's line that names a queue ID but that we could not read
    not_mine,  ///< not a Postfix or Sendmail line
};

/// One parsed line. Cleared and refilled for each line so its vector keeps its capacity.
struct Event {
    Shape shape = Shape::unknown;
    EventKind kind = EventKind::info;
    Mta mta = Mta::none;
    std::string_view queue_id;
    bool has_sender = false;            ///< sender is set (it may be empty: the null sender <>)
    std::string_view sender;            ///< envelope sender without angle brackets
    std::string_view client_name;       ///< client host name as logged ("unknown" if no rDNS)
    std::string_view client_ip;         ///< client IP address
    bool local_user = false;            ///< client_name is a local user's login name (Exim
                                        ///< "U=root P=local"): the client is USER@localhost
    std::string_view sasl_username;     ///< SASL user the client authenticated as (Postfix smtpd
                                        ///< "client=..., sasl_method=..., sasl_username=U")
    std::string_view helo;              ///< HELO/EHLO name (Postfix reject "helo=<h>", Exim "H=(h)")
    std::string_view code;              ///< SMTP reply code of a reject ("554"), empty if not logged
    std::string_view message_id;        ///< Message-ID without angle brackets
    std::int64_t size = -1;             ///< message size in bytes, -1 unknown
    int nrcpt = -1;                     ///< number of recipients, -1 unknown
    std::vector<std::string_view> recipients; ///< recipients of a delivery or reject
    std::string_view orig_recipient;    ///< original recipient before alias/virtual rewriting
    std::string_view relay;             ///< next hop as logged ("smtp.bar.com[198.51.100.25]:25", "local")
    std::string_view dsn;               ///< RFC 3463 enhanced status code, e.g. "5.1.1"
    Status status = Status::none;
    std::string_view text;              ///< full status / reply text
    double delay = -1;                  ///< seconds from queueing to this attempt, -1 unknown
    std::string_view child_queue_id;    ///< queue ID of a notification, or "queued as" of the next hop;
                                        ///< for an Exim bounce arrival, the ID of the message it is about
    std::string_view filter;            ///< for EventKind::verdict: "amavis", "rspamd" or "opendkim"
    std::string_view verdict;           ///< the filter's verdict as it words it ("Passed CLEAN",
                                        ///< "Blocked SPAM", rspamd's action "no action", "reject")
    std::string_view score;             ///< the filter's spam score as logged ("2.913"), empty if none
    const char* reason = nullptr;       ///< for LineClass::unparsed: why

    void clear() {
        shape = Shape::unknown;
        kind = EventKind::info;
        mta = Mta::none;
        queue_id = sender = client_name = client_ip = sasl_username = message_id = helo = code = {};
        has_sender = false;
        local_user = false;
        size = -1;
        nrcpt = -1;
        recipients.clear();
        orig_recipient = relay = dsn = text = child_queue_id = filter = verdict = score = {};
        status = Status::none;
        delay = -1;
        reason = nullptr;
    }
};

/// A sample line for a shape: the program (syslog tag without pid) and the message text.
struct ShapeSample {
    Shape shape;
    std::string_view name;     ///< e.g. "postfix.qmgr.from"
    std::string_view program;  ///< e.g. "postfix/qmgr"
    std::string_view message;  ///< the text after "program[pid]: "
};

/// All shape samples of all MTA parsers (at least one per Shape except unknown).
std::span<const ShapeSample> line_shapes();

/// Name of a shape, e.g. "postfix.qmgr.from".
std::string_view shape_name(Shape s) noexcept;

/// Which MTA writes lines with this syslog tag (program without pid): "postfix/...",
/// "postfix-NAME/..." are Postfix; "sendmail", "sm-mta", "sm-msp-queue", "sm-*" are Sendmail;
/// "exim", "exim4" are Exim.
Mta mta_of_program(std::string_view program) noexcept;

/// Parses a Postfix line. `program` is the syslog tag ("postfix/smtpd"), `message` the text
/// after it. Format reference: Postfix source (smtpd.c, cleanup_envelope.c, qmgr_active.c,
/// log_adhoc.c, bounce_notify_service.c) and real logs; see docs/... in ARCHITECTURE.md.
LineClass parse_postfix(std::string_view program, std::string_view message, Event& ev);

/// Parses a Sendmail line (sendmail/sm-mta). Format reference: sendmail's
/// doc/op/op.me "Log levels" and the logsender()/logdelivery() code in sendmail/deliver.c.
LineClass parse_sendmail(std::string_view program, std::string_view message, Event& ev);

/// Parses an Exim line (the text after the "exim[pid]: " tag, or after a main log's time stamp and
/// [pid]). Format reference: the Exim specification, chapter "Log files", and src/deliver.c,
/// src/receive.c. The message ID is `Event::queue_id`; a bounce's "R=" parent ID is
/// `Event::child_queue_id` of its exim_bounce_arrival event.
LineClass parse_exim(std::string_view program, std::string_view message, Event& ev);

/// True for an Exim message ID: "1hHB5F-0002Ui-Lq" (6-6-2) or, from Exim 4.97,
/// "1rvHyI-000000001mA-0aKd" (6-11-4).
bool is_exim_message_id(std::string_view s) noexcept;

/// Parses a content filter's line: amavis (amavisd-new "Passed/Blocked CONTENTS" log_templ, log
/// level 0), rspamd (rspamd_task_write_log, the default log format) and opendkim (its per-message
/// signing/verification notes). A line that names a queue ID and a verdict is LineClass::event
/// with kind EventKind::verdict (queue_id, filter, verdict, score); amavis names the MTA's
/// "Queue-ID:", or only "queued_as:" (a before-queue filter) which is then the queue ID. Any
/// other line is LineClass::not_mine (counted with the other programs).
LineClass parse_filter(std::string_view program, std::string_view message, Event& ev);

/// True for the syslog tags of the content filters parse_filter reads: "amavis", "amavisd",
/// "amavisd-new", "rspamd", "opendkim".
bool is_filter_program(std::string_view program) noexcept;

/// The mail server a syslog line comes from when it is one mxtrace does not read: "qmail" (tags
/// "qmail", "qmail-*", "rblsmtpd", "tcpserver" with qmail's text), "Courier" ("courier*"),
/// "OpenSMTPD" (tag "smtpd" with its "smtp-in:"/"mta"/"smtp:" text), "Domino"; empty for other
/// programs. `program` is the syslog tag without pid, `message` the text after it.
std::string_view unsupported_mta(std::string_view program, std::string_view message) noexcept;

/// The same for a line that is not a syslog line: a Lotus Domino console line
/// ("03-07-2005 23:07:20   SMTP Server: ...", "[28325:00010-3735542592] 22-06-2014 ... smtp: ...")
/// or a Microsoft Exchange message tracking / SMTP protocol log CSV row
/// ("2024-01-25T15:16:09.843Z,..."): "Domino", "Exchange"; empty otherwise.
std::string_view unsupported_mta_line(std::string_view line) noexcept;

/// True for a syslog tag that names Postfix, Sendmail or Exim in a form mxtrace does not read
/// ("postfix" without a daemon, "exim-4.96", "sendmail-msp"...): its lines are unparsed mail,
/// not "other programs". False for the tags mta_of_program() knows.
bool unknown_mail_program(std::string_view program) noexcept;

/// Dispatches to the parser of the line's MTA, or of a content filter (parse_filter);
/// LineClass::not_mine for other programs.
LineClass parse_mail_line(std::string_view program, std::string_view message, Event& ev);

/// The queue ID that ends a "... queued as XXXX)" reply text, or empty.
std::string_view queued_as(std::string_view text) noexcept;

} // namespace mxtrace
