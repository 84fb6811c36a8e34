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

    bool operator==(const Attempt&) const = default;
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
    std::string message_id;      ///< without angle brackets
    std::int64_t size = -1;      ///< bytes, -1 unknown
    int nrcpt = -1;              ///< recipients announced, -1 unknown
    bool complete = false;       ///< the MTA said it is done (Postfix "removed"; Sendmail: all final)
    std::string notification_queue_id; ///< queue ID of the bounce/DSN this message caused
    bool headless = false;       ///< its first line read was not a start line (client=, pickup, from=):
                                 ///< its beginning is in a file not read yet
    std::vector<Attempt> attempts;

    /// The status class summarising all attempts: the final state of each recipient, worst
    /// first (bounced > expired > rejected > deferred > sent); none if no attempt.
    Status summary_status() const;
};

/// Adds an attempt in time order unless an identical one is already there, so that reading a
/// line again changes nothing.
void add_attempt(Transaction& t, Attempt a);

/// The same for the attempts of one line (one time, many recipients), in linear time.
void add_attempts(Transaction& t, std::vector<Attempt> as);

} // namespace mxtrace
