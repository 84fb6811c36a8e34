// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file stats.hpp
/// `mxtrace stats`: a summary of the transactions a selection holds (counts by outcome, bytes,
/// traffic per hour and per day, top lists, deferral / bounce / reject reasons grouped by what
/// they say, delivery delay percentiles, the messages deferred longest). What each number
/// counts is defined in man/mxtrace-stats.1; the aggregation reads transactions only (one
/// Store::scan), so it covers Postfix, Sendmail and Exim alike.
#include "mxtrace/base/timeutil.hpp"
#include "mxtrace/reduce/transaction.hpp"

#include <array>
#include <functional>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mxtrace {

/// The group key of a status text: the text with what differs between messages taken out, so
/// texts that say the same thing fall into one group. E-mail addresses become `<addr>`, IPv4
/// and IPv6 addresses `<ip>`, queue-ID-like words (8 or more letters and digits mixing both)
/// `<id>`, other runs of digits `#` — except a leading SMTP reply code (`450`) and an RFC 3463
/// enhanced status code (`4.7.1`), which say what happened and are kept. Runs of white space
/// become one space; the result is cut to 160 bytes. Pure function of `text`.
std::string reason_group(std::string_view text);

/// True for a reject record (is_reject_record(): queue ID "NOQUEUE-...") that is a postscreen(8)
/// verdict on a client — "PREGREET N after S from [addr]:port: ..." or "DNSBL rank N for
/// [addr]:port" (src/mta/postfix.cpp parse_postscreen_verdict()) — and not a reject: a Postfix
/// record whose attempts carry no SMTP reply code and whose text starts with one of those words.
/// postscreen logs the reject itself as a separate "NOQUEUE: reject: RCPT ..." record.
bool is_postscreen_verdict(const Transaction& t) noexcept;

/// True for an address verification probe (Postfix verify(8)): a transaction that is not a
/// reject record, has attempts, and all of them are status deliverable or undeliverable.
bool is_verify_probe(const Transaction& t) noexcept;

/// The text a reject's reason is grouped by: for a Postfix reject record's text ("RCPT from
/// name[addr]: 554 5.7.1 <r>: Relay access denied; from=<s> to=<r> proto=ESMTP helo=<h>") the
/// stage and the reply without the client and the envelope tail ("RCPT: 554 5.7.1 <r>: Relay
/// access denied"); any other text unchanged. Feed the result to reason_group().
std::string reject_reason_text(std::string_view text);

/// The group of a content filter verdict entry ("amavis: Passed CLEAN, score 2.913"): the
/// entry without its ", score S" part ("amavis: Passed CLEAN").
std::string_view verdict_group(std::string_view entry) noexcept;

/// The p-th percentile (0 < p <= 100) of `sorted` (ascending) by the nearest-rank method: the
/// value at 1-based rank ceil(p/100 * n). -1 if `sorted` is empty.
double percentile(const std::vector<double>& sorted, double p);

/// Messages (transactions) and recipients (attempts) of one outcome.
struct OutcomeCount {
    std::uint64_t messages = 0;
    std::uint64_t recipients = 0;
};

/// Counts of one time bucket (an hour of the day or a day).
struct Traffic {
    std::uint64_t received = 0;   ///< messages received, by their first line's time
    std::uint64_t delivered = 0;  ///< recipients delivered, by the attempt's time
    std::uint64_t deferred = 0;   ///< deferrals (attempts), by their time
    std::uint64_t bounced = 0;    ///< recipients bounced or expired, by the attempt's time
    std::uint64_t rejected = 0;   ///< recipients rejected, by the attempt's time
};

/// Delay percentiles of a set of delivery attempts, in seconds (as the MTA logged `delay=`).
struct DelayStats {
    std::uint64_t count = 0;      ///< attempts with a logged delay
    double p50 = -1, p90 = -1, p99 = -1, max = -1;
};

/// A grouped reason: its group key (reason_group), how many attempts, and one text as logged.
struct Reason {
    std::string group;
    std::uint64_t count = 0;
    std::string example;
};

/// A message that was deferred: how long it stayed (first line to its last attempt) and how it ended.
struct DeferredMessage {
    std::string host, queue_id;
    std::optional<std::string> sender;
    Micros first_time = 0;
    double seconds = 0;           ///< last attempt − first line, in seconds
    std::uint64_t deferrals = 0;  ///< deferred attempts
    Status final_status = Status::none; ///< summary_status(): deferred if it never left
    std::string reason;           ///< the last deferral's text, as logged
};

/// The whole summary. Counts are over the transactions visited by StatsBuilder::add.
struct StatsReport {
    std::uint64_t transactions = 0;    ///< transactions selected
    std::optional<Micros> first_time, last_time; ///< span of their lines (UTC)
    std::uint64_t received = 0;        ///< messages received (start line seen, not a re-injection)
    std::uint64_t reinjected = 0;      ///< messages re-injected by a content filter on the same host
    std::uint64_t headless = 0;        ///< transactions whose beginning is not in the index
    OutcomeCount delivered, forwarded, deferred, bounced, expired, rejected;
    OutcomeCount discarded, held, removed; ///< attempts of these status classes (held: at some time)
    OutcomeCount probes_deliverable, probes_undeliverable; ///< address verification probe results
    std::uint64_t reject_records = 0;  ///< of `rejected`, pre-queue reject records (not postscreen verdicts)
    std::uint64_t postscreen_verdicts = 0; ///< postscreen PREGREET/DNSBL verdict records (not rejects)
    std::uint64_t deferrals = 0;       ///< deferred attempts
    std::uint64_t filtered = 0;        ///< recipients handed to a content filter on the same host (not delivered)
    std::uint64_t bytes_received = 0;  ///< sum of the sizes of the messages received (size known)
    std::uint64_t bytes_delivered = 0; ///< sum over delivered recipients of their message's size
    std::array<Traffic, 24> per_hour{};            ///< by local hour of the day (the builder's zone)
    std::vector<std::pair<std::string, Traffic>> per_day; ///< "YYYY-MM-DD" (local) ascending
    using Top = std::vector<std::pair<std::string, std::uint64_t>>;
    Top senders, sender_domains, recipients, recipient_domains, clients, relays; ///< most first, at most `top`
    std::uint64_t distinct_senders = 0, distinct_recipients = 0;
    Top rejected_clients, rejected_senders, rejected_recipients; ///< over rejected attempts, most first
    Top filter_verdicts;               ///< content filter verdicts by verdict_group(), messages
    std::vector<Reason> deferral_reasons, bounce_reasons, reject_reasons; ///< most first, at most `top`
    DelayStats delay;                                      ///< over delivered recipients
    std::vector<std::pair<std::string, DelayStats>> delay_by_relay; ///< over every sent attempt of the relay; busiest first, at most `top`
    std::vector<DeferredMessage> deferred_longest;        ///< longest first, at most `top`
};

/// Version of the rollup blob (StatsBuilder::serialize). A blob of another version is not
/// merged (StatsBuilder::merge returns false); the rollups are rebuilt by the next writer.
constexpr int kStatsBlobVersion = 3;

/// How many of a bucket's longest deferred messages its rollup keeps: `stats --top N` with a
/// larger N scans instead of reading rollups.
constexpr std::size_t kStatsRollupTop = 1000;

/// The dictionary of the rollups' values (addresses, domains, clients, relays, verdict groups):
/// the blobs hold dictionary IDs (1, 2, ...) instead of values, so that merging many is adding
/// numbers. Kept by the store (Store::rollup_dict_*); the caller passes it in.
struct StatsDictionary {
    std::function<std::uint64_t(std::string_view)> id_of;  ///< the ID of a value; 0 if it has none
    std::function<std::string(std::uint64_t)> value_of;   ///< the value of an ID
    /// Visits (ID, value) in ascending byte order of the values until the visitor returns false,
    /// to find the smallest of many tied values; may be empty (then value_of is used).
    std::function<void(const std::function<bool(std::uint64_t, std::string_view)>&)> in_order;
};

/// Folds transactions into a StatsReport. Not thread-safe; memory bounded by the distinct keys
/// (addresses, relays, reason groups, delay values) and the traffic time slots.
///
/// The builder is an exact, mergeable accumulator: serialize() turns what it holds into a blob
/// (a rollup of one bucket of transactions), and merge() adds such a blob to another builder.
/// Adding transactions and merging the blobs of other, disjoint, sets of transactions gives the
/// same report as adding all the transactions to one builder, whatever the order (the examples
/// of reason groups are those of the smallest (transaction ID, attempt index)).
class StatsBuilder {
public:
    /// `zone` (may be null: UTC) places the hour and day buckets; `top` is the length of every
    /// top list and reason list. Traffic is kept per UTC quarter hour and placed in the zone by
    /// finish() (exact while the zone's offsets are whole quarter hours: hours_exact()). With
    /// `local_hours`, each instant is placed in the zone at once (exact for any zone) and the
    /// builder can neither serialize nor merge.
    StatsBuilder(Zone* zone, std::size_t top, bool local_hours = false);
    ~StatsBuilder();
    StatsBuilder(const StatsBuilder&) = delete;
    StatsBuilder& operator=(const StatsBuilder&) = delete;

    /// Adds one transaction.
    void add(const Transaction& t);

    /// Gives the dictionary ID (not 0) of a value, adding it to the dictionary if need be.
    using Intern = std::function<std::uint64_t(std::string_view)>;

    /// The accumulated state as a blob (format version kStatsBlobVersion; deterministic: the same
    /// transactions and dictionary give the same bytes), its counted values as IDs from `intern`.
    /// It keeps the `top` longest deferred messages, so build rollups with top = kStatsRollupTop.
    /// Call once, instead of finish(). Only a builder that merged nothing may serialize.
    /// @throws Error(internal) for a builder made with `local_hours`.
    std::string serialize(const Intern& intern);

    /// Adds a blob made by serialize() over transactions not added to this builder otherwise.
    /// Returns false, changing nothing, if the blob is of another format version or keeps fewer
    /// deferred messages than this builder's `top` (or the builder has `local_hours`).
    /// @throws Error(damaged) if the blob is malformed; the builder is then unusable.
    bool merge(std::string_view blob);

    /// False if finish() would place some counted instant in the wrong local hour: the zone's
    /// offset at one of the quarter hours holding traffic is not a whole number of quarter
    /// hours (local mean time before time zones). Then use a builder with `local_hours`.
    bool hours_exact();

    /// The report over everything added and merged. Call once. `dict` is the dictionary of the
    /// merged blobs (required if any was merged).
    /// @throws Error(internal) if a blob was merged and `dict` is null.
    StatsReport finish(const StatsDictionary* dict = nullptr);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace mxtrace
