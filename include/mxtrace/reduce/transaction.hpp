// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file transaction.hpp
/// The e-mail transaction: one message on one server (host + queue ID + first-seen time),
/// as reduced from that server's log lines. Owned strings: it outlives the lines it came from.
#include "mxtrace/mta/events.hpp"
#include "mxtrace/base/timeutil.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mxtrace {

/// One delivery attempt (or rejection) of one recipient, in log order.
struct Attempt {
    Micros time = 0;             ///< when the attempt was logged (UTC)
    std::string recipient;       ///< envelope recipient (empty for a rejection of the sender)
    std::string orig_recipient;  ///< original recipient before rewriting, if logged
    std::string relay;           ///< next hop as logged; for Sendmail without relay=, the mailer
    Status status = Status::none;
    std::string dsn;             ///< RFC 3463 enhanced status code, if known
    double delay = -1;           ///< seconds since the message was queued, -1 if not logged
    std::string text;            ///< full status text / SMTP reply
    std::string queued_as;       ///< queue ID the next hop gave ("queued as X"), if any
    std::string code;            ///< SMTP reply code of a reject ("554"), "" if not logged

    bool operator==(const Attempt&) const = default;
};

/// One original log line of a transaction, kept as evidence (byte for byte, without its "\n").
/// A line is identified by its input and line number: reading it again (after a kill, with
/// --full, from a rotated copy of the same content) gives the same identity, so the store keeps
/// it once.
struct RawLine {
    std::int64_t input = 0;      ///< store row ID of the input (its content fingerprint), see Checkpoint
    std::uint64_t line = 0;      ///< 1-based line number in that input's (decompressed) content
    Micros time = 0;             ///< the line's time (UTC), for ordering
    std::string text;            ///< the line as read: every byte but the "\n" (a "\r" before it is kept)

    bool operator==(const RawLine&) const = default;
};

/// Where a line being applied comes from (views into the line; the reducer copies what it keeps).
struct LineSource {
    std::int64_t input = 0;      ///< store row ID of the input
    std::uint64_t line = 0;      ///< 1-based line number
    std::string_view text;       ///< the line's bytes without "\n"
};

/// A message's life on one server.
struct Transaction {
    std::int64_t id = 0;         ///< store ID (SQLite rowid = Xapian docid); 0 = not stored yet
    std::string host;            ///< logging host
    Mta mta = Mta::none;
    std::string queue_id;
    Micros first_time = 0;       ///< first line seen (UTC): part of the key
    Micros last_time = 0;        ///< last line seen (UTC)
    std::optional<std::string> sender; ///< envelope sender; "" is the null sender <>; nullopt unknown
    std::string client_name;     ///< client host name (Postfix client=, Sendmail from= relay=)
    std::string client_ip;
    std::string sasl_username;   ///< SASL user the client authenticated as (Postfix sasl_username=), "" if none
    std::string helo;            ///< HELO/EHLO name the client gave, if logged (rejects), "" if not
    std::string message_id;      ///< without angle brackets
    std::int64_t size = -1;      ///< bytes, -1 unknown
    int nrcpt = -1;              ///< recipients announced, -1 unknown
    bool complete = false;       ///< the MTA said it is done (Postfix "removed"; Sendmail: all final)
    std::string notification_queue_id; ///< queue IDs of the bounces/DSNs this message caused, in log
                                       ///< order, separated by one space (Sendmail may send several)
    std::string verdict;         ///< content filter verdicts, "FILTER: VERDICT[, score S]" each, in log
                                 ///< order, joined by "; " ("amavis: Passed CLEAN, score 2.913"); "" if none
    bool headless = false;       ///< its first line read was not a start line (client=, pickup, from=):
                                 ///< its beginning is in a file not read yet
    std::vector<Attempt> attempts;
    /// Its original lines read since it was last loaded from the store (the store merges them
    /// with the stored ones when it writes the transaction; Store::raw_lines() reads them all).
    std::vector<RawLine> raw;

    /// The status class summarising all attempts: the final state of each recipient, worst
    /// first (bounced > expired > undeliverable > rejected > removed > discarded > deferred > sent >
    /// deliverable > held); none if no attempt.
    Status summary_status() const;
};

/// Adds an attempt in time order unless an identical one is already there, so that reading a
/// line again changes nothing.
void add_attempt(Transaction& t, Attempt a);

/// Adds `id` to t.notification_queue_id (space-separated list) unless it is already there.
void add_notification(Transaction& t, std::string_view id);

/// Adds one verdict entry ("amavis: Passed CLEAN, score 2.913") to t.verdict ("; "-separated)
/// unless the same entry is already there.
void add_verdict(Transaction& t, std::string_view entry);

/// The same for the attempts of one line (one time, many recipients), in linear time.
void add_attempts(Transaction& t, std::vector<Attempt> as);

} // namespace mxtrace
