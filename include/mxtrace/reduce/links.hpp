// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file links.hpp
/// Hop links: how one transaction points at the next transaction of the same message. The
/// rules are one table (kLinkRules, src/reduce/links.cpp), each with a real log line that
/// tests it (tests/unit/test_links.cpp). Links are computed from a transaction alone (no
/// lookup), so they are the same whatever order the hosts' logs are indexed in; the store
/// keeps them as keys (next queue ID, relay name and address) and `trace` resolves them.
#include "mxtrace/reduce/transaction.hpp"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mxtrace {

/// What a link means for the message.
enum class LinkKind {
    relay,          ///< handed to another host, which queued it under the named ID
    loop,           ///< handed back to the same host (content filter such as amavis, MSP -> MTA)
    notification,   ///< a bounce / delay / DSN notification about this message, on the same host
    rejected_before,///< a reject record of the same client network, sender and recipient that came
                    ///< before this accepted transaction (greylisting, a block list fixed): found by
                    ///< lookup at trace time, never stored (rule "retry-after-reject")
};

/// "relay", "loop", "notification", "rejected-before".
std::string_view link_kind_name(LinkKind k) noexcept;

/// One link rule: where the next queue ID is found and what it means.
struct LinkRule {
    std::string_view name;        ///< stable name, stored in the index ("queued-as", ...)
    std::string_view source;      ///< what it reads: "reply" (a delivery's reply text), "notification", or
                                  ///< "lookup" (found at trace time by retries_reject(), not stored)
    std::string_view description; ///< for the man page and ARCHITECTURE.md
    std::string_view sample;      ///< a real log line it applies to
    std::string_view sample_id;   ///< the queue ID it must find in `sample`
};

/// The rules, in the order they are tried on a reply text (the first that finds an ID wins).
std::span<const LinkRule> link_rules() noexcept;

/// Finds the next hop's queue ID in a delivery's reply text ("250 2.0.0 Ok: queued as X",
/// "Sent (X Message accepted for delivery)", "250 OK id=X", ...). Returns the ID (a view into
/// `reply`) and the rule that found it, or an empty ID and nullptr.
std::string_view next_hop_id(std::string_view reply, const LinkRule** rule = nullptr) noexcept;

/// Splits a relay as logged ("smtp.bar.com[198.51.100.25]:25", "smtp.bar.com. [198.51.100.25]",
/// "127.0.0.1[127.0.0.1]:10024", "local") into a lower-case name without trailing dot and the
/// address inside [] (empty if none).
void relay_parts(std::string_view relay, std::string& name, std::string& addr);

/// True for an address or name that is the host itself: 127.0.0.0/8, ::1, "localhost".
bool is_loopback(std::string_view name, std::string_view addr) noexcept;

/// True for a reject record: a pre-queue reject kept as a record of its own, whose queue ID
/// column is "NOQUEUE-..." (see ARCHITECTURE.md, "Reject records").
bool is_reject_record(const Transaction& t) noexcept;

/// The network a client address is compared in by the retry-after-reject rule, as CIDR text:
/// IPv4 /24 ("192.0.2.0/24"), IPv6 /64 ("2001:db8:1:2::/64"); Sendmail's "IPv6:" prefix is
/// ignored. Empty if `ip` is not an IP address.
std::string client_network(std::string_view ip);

/// The retry-after-reject rule: true if `accepted` (a transaction that is not a reject record
/// and did not reject everything) is a later acceptance of what reject record `reject` refused:
/// its first line is at or after the reject and at most `window` µs later, its client is in
/// the same client_network(), its envelope sender is the same (case-insensitive, <> included)
/// and one of its recipients (or original recipients) is a recipient of the reject. A reject
/// without a client address, a sender or a recipient never matches.
bool retries_reject(const Transaction& reject, const Transaction& accepted, Micros window);

/// One outgoing link of a transaction.
struct HopLink {
    int seq = 0;                 ///< order within the transaction
    std::string rule;            ///< LinkRule::name
    LinkKind kind = LinkKind::relay;
    std::string next_queue_id;   ///< the queue ID the next transaction has
    std::string relay_name;      ///< relay name (lower case, no trailing dot); empty for notifications
    std::string relay_addr;      ///< relay address, if logged
    Micros time = 0;             ///< when the hand-off was logged (UTC)
    int attempt = -1;            ///< index of the attempt in Transaction::attempts; -1 for a notification

    bool operator==(const HopLink&) const = default;
};

/// The links of a transaction: one per delivery attempt whose reply names a queue ID (a loop if
/// the relay is the host itself), and one for its notification. Duplicates (several recipients
/// on one hand-off) are kept once, with the first attempt.
std::vector<HopLink> hop_links(const Transaction& t);

} // namespace mxtrace
