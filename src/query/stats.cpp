// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace stats: the aggregation. See include/mxtrace/query/stats.hpp and man/mxtrace-stats.1.
#include "mxtrace/query/stats.hpp"

#include "mxtrace/reduce/links.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <tuple>
#include <unordered_set>

namespace mxtrace {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
/// Characters of an e-mail address's local part or domain (what Postfix logs between <>).
bool is_addr_char(char c) {
    return is_digit(c) || is_alpha(c) || c == '.' || c == '-' || c == '_' || c == '+' || c == '=' || c == '%' ||
           c == '\'' || c == '/' || c == '!' || c == '#' || c == '$' || c == '&' || c == '*' || c == '?' ||
           c == '^' || c == '`' || c == '{' || c == '|' || c == '}' || c == '~' || static_cast<unsigned char>(c) >= 0x80;
}
/// Characters of a word that may be a queue ID (Postfix short and long IDs, Sendmail, Exim with '-').
bool is_word_char(char c) { return is_digit(c) || is_alpha(c); }

/// Length of an IPv4 address at the start of s (four dotted decimal parts), else 0.
std::size_t ipv4_len(std::string_view s) {
    std::size_t i = 0;
    for (int part = 0; part < 4; ++part) {
        std::size_t d = 0;
        while (i < s.size() && is_digit(s[i]) && d < 3) ++i, ++d;
        if (d == 0) return 0;
        if (part < 3) {
            if (i >= s.size() || s[i] != '.') return 0;
            ++i;
        }
    }
    if (i < s.size() && (is_digit(s[i]) || (s[i] == '.' && i + 1 < s.size() && is_digit(s[i + 1])))) return 0;
    return i;
}

/// Length of an IPv6 address at the start of s (hex groups and at least two ':'), else 0.
std::size_t ipv6_len(std::string_view s) {
    std::size_t i = 0, colons = 0;
    while (i < s.size() && (is_hex(s[i]) || s[i] == ':' || s[i] == '.')) {
        if (s[i] == ':') ++colons;
        ++i;
    }
    if (colons < 2) return 0;
    // a time of day ("12:30:01") is not an address: an address has a hex letter or "::"
    std::string_view v = s.substr(0, i);
    bool letter = false;
    for (char c : v) letter = letter || is_alpha(c);
    if (!letter && v.find("::") == std::string_view::npos) return 0;
    return i;
}

} // namespace

std::string reason_group(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    bool start = true;       // nothing but white space written yet
    bool kept_code = false;  // the leading reply code has been seen (or cannot come any more)
    std::size_t i = 0;
    auto prev_word = [&]() { return i > 0 && (is_word_char(s[i - 1]) || s[i - 1] == '.' || s[i - 1] == '-'); };
    while (i < s.size()) {
        char c = s[i];
        if (is_space(c)) {
            if (!out.empty() && out.back() != ' ') out += ' ';
            ++i;
            continue;
        }
        // an e-mail address: a run of address characters with one '@' inside
        if (is_addr_char(c) && !prev_word()) {
            std::size_t j = i;
            while (j < s.size() && is_addr_char(s[j])) ++j;
            if (j < s.size() && s[j] == '@' && j > i) {
                std::size_t k = j + 1;
                while (k < s.size() && is_addr_char(s[k])) ++k;
                if (k > j + 1) {
                    while (k > j + 1 && s[k - 1] == '.') --k; // a sentence's full stop
                    out += "<addr>";
                    i = k;
                    start = false;
                    kept_code = true;
                    continue;
                }
            }
        }
        if (!prev_word()) {
            if (std::size_t n = ipv4_len(s.substr(i))) {
                out += "<ip>";
                i += n;
                start = false;
                kept_code = true;
                continue;
            }
            if (std::size_t n = ipv6_len(s.substr(i))) {
                out += "<ip>";
                i += n;
                start = false;
                kept_code = true;
                continue;
            }
        }
        if (is_word_char(c) && !prev_word()) {
            std::size_t j = i;
            bool digit = false, letter = false;
            while (j < s.size() && (is_word_char(s[j]) || s[j] == '-')) {
                digit = digit || is_digit(s[j]);
                letter = letter || is_alpha(s[j]);
                ++j;
            }
            std::string_view w = s.substr(i, j - i);
            if (digit && !letter) {
                // digits only: the leading reply code is kept, then an enhanced status code
                std::size_t d = 0;
                while (d < w.size() && is_digit(w[d])) ++d;
                // a reply code: at the start, or after "said: " / ": " (Postfix quotes the remote reply)
                if (d == 3 && w.size() == 3 && (w[0] == '2' || w[0] == '4' || w[0] == '5') &&
                    ((start && !kept_code) || out.ends_with(": "))) {
                    out += w;
                    i = j;
                    start = false;
                    kept_code = true;
                    continue;
                }
                // X.Y.Z with X in 2, 4, 5 (RFC 3463)
                if (d == 1 && (w[0] == '2' || w[0] == '4' || w[0] == '5') && j < s.size() && s[j] == '.') {
                    std::size_t k = j + 1, parts = 1;
                    while (parts < 3) {
                        std::size_t e = k;
                        while (e < s.size() && is_digit(s[e]) && e - k < 3) ++e;
                        if (e == k) break;
                        ++parts;
                        k = e;
                        if (parts < 3) {
                            if (k < s.size() && s[k] == '.') ++k;
                            else break;
                        }
                    }
                    if (parts == 3 && (k >= s.size() || !is_word_char(s[k]))) {
                        out += s.substr(i, k - i);
                        i = k;
                        start = false;
                        kept_code = true;
                        continue;
                    }
                }
            }
            if (digit && letter && w.size() >= 8) {
                out += "<id>";
                i = j;
                start = false;
                kept_code = true;
                continue;
            }
        }
        if (is_digit(c)) {
            while (i < s.size() && is_digit(s[i])) ++i;
            out += '#';
            start = false;
            kept_code = true;
            continue;
        }
        out += c;
        ++i;
        start = false;
        kept_code = true;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    if (out.size() > 160) {
        std::size_t cut = 160;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut; // not inside a UTF-8 sequence
        out.resize(cut);
        out += "...";
    }
    return out;
}

double percentile(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return -1;
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    rank = std::clamp<std::size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

bool is_postscreen_verdict(const Transaction& t) noexcept {
    if (t.mta != Mta::postfix || !is_reject_record(t) || t.attempts.empty()) return false;
    for (const Attempt& a : t.attempts)
        if (!a.code.empty() || !(a.text.starts_with("PREGREET ") || a.text.starts_with("DNSBL rank "))) return false;
    return true;
}

bool is_verify_probe(const Transaction& t) noexcept {
    if (t.attempts.empty() || is_reject_record(t)) return false;
    for (const Attempt& a : t.attempts)
        if (a.status != Status::deliverable && a.status != Status::undeliverable) return false;
    return true;
}

std::string reject_reason_text(std::string_view text) {
    // "STAGE from CLIENT: reply; from=<...> to=<...> ..." with STAGE upper case (RCPT, END-OF-MESSAGE)
    std::size_t sp = text.find(' ');
    if (sp == std::string_view::npos || sp == 0) return std::string(text);
    for (std::size_t i = 0; i < sp; ++i)
        if (!((text[i] >= 'A' && text[i] <= 'Z') || text[i] == '-')) return std::string(text);
    if (text.substr(sp, 6) != " from ") return std::string(text);
    std::size_t colon = text.find(": ", sp + 6); // the client has no ": " ("[addr]:port: " ends it)
    if (colon == std::string_view::npos) return std::string(text);
    std::string_view reply = text.substr(colon + 2);
    std::size_t tail = reply.find("; from=<");
    if (tail != std::string_view::npos) reply = reply.substr(0, tail);
    std::string out(text.substr(0, sp));
    out += ": ";
    out += reply;
    return out;
}

std::string_view verdict_group(std::string_view entry) noexcept {
    std::size_t sc = entry.find(", score ");
    return sc == std::string_view::npos ? entry : entry.substr(0, sc);
}

namespace {

/// An address as counted: the domain part lower case, the local part as logged (it may be
/// case-sensitive, RFC 5321 2.4); the null sender is "<>".
std::string count_address(std::string_view a) {
    if (a.empty()) return "<>";
    std::string out(a);
    auto at = out.rfind('@');
    if (at != std::string::npos)
        for (std::size_t i = at + 1; i < out.size(); ++i)
            if (out[i] >= 'A' && out[i] <= 'Z') out[i] = static_cast<char>(out[i] - 'A' + 'a');
    return out;
}

/// "name[ip]" as Postfix logs a client; the name or the address alone if the other is unknown.
std::string client_text(const std::string& name, const std::string& ip) {
    if (ip.empty()) return name;
    if (name.empty()) return ip;
    return name + '[' + ip + ']';
}

/// Longest first; ties by first line, host, queue ID (so the list does not depend on order).
bool longer(const DeferredMessage& x, const DeferredMessage& y) {
    return x.seconds != y.seconds ? x.seconds > y.seconds
                                  : std::tie(x.first_time, x.host, x.queue_id) < std::tie(y.first_time, y.host, y.queue_id);
}

std::string domain_part(const std::string& counted) {
    auto at = counted.rfind('@');
    return at == std::string::npos ? std::string() : counted.substr(at + 1);
}

struct ReasonAcc {
    std::uint64_t count = 0;
    std::string example;
};

/// A received transaction from a loopback client, held until every content-filter hand-off is known.
struct Candidate {
    std::string host, queue_id;
    Micros first_time = 0;
    std::optional<std::string> sender;
    std::string client;
    std::int64_t size = -1;
};

StatsReport::Top top_of(const std::unordered_map<std::string, std::uint64_t>& m, std::size_t n) {
    StatsReport::Top v(m.begin(), m.end());
    auto less = [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; };
    if (v.size() > n) {
        std::partial_sort(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n), v.end(), less);
        v.resize(n);
    } else {
        std::sort(v.begin(), v.end(), less);
    }
    return v;
}

std::vector<Reason> reasons_of(const std::unordered_map<std::string, ReasonAcc>& m, std::size_t n) {
    std::vector<Reason> v;
    v.reserve(m.size());
    for (const auto& [k, a] : m) v.push_back({k, a.count, a.example});
    std::sort(v.begin(), v.end(), [](const Reason& a, const Reason& b) {
        return a.count != b.count ? a.count > b.count : a.group < b.group;
    });
    if (v.size() > n) v.resize(n);
    return v;
}

DelayStats delay_of(std::vector<double>& v) {
    DelayStats d;
    std::sort(v.begin(), v.end());
    d.count = v.size();
    if (v.empty()) return d;
    d.p50 = percentile(v, 50);
    d.p90 = percentile(v, 90);
    d.p99 = percentile(v, 99);
    d.max = v.back();
    return d;
}

} // namespace

struct StatsBuilder::Impl {
    Zone* zone;
    std::size_t top;
    StatsReport r;
    std::unordered_map<std::int64_t, Traffic> days; ///< local day number -> counts
    std::unordered_map<std::string, std::uint64_t> senders, sender_domains, recipients, recipient_domains, clients,
        relays;
    std::unordered_map<std::string, std::uint64_t> rejected_clients, rejected_senders, rejected_recipients, verdicts;
    std::unordered_map<std::string, ReasonAcc> deferral, bounce, reject;
    std::vector<double> delays;
    std::unordered_map<std::string, std::vector<double>> relay_delays;
    std::vector<DeferredMessage> deferred;
    std::unordered_map<std::string, std::vector<Micros>> loop_handoffs; ///< host '\0' queue ID -> hand-off times
    std::vector<Candidate> candidates;

    /// (local day number, hour of day) of instant t.
    std::pair<std::int64_t, int> bucket(Micros t) {
        std::int64_t sec = t >= 0 ? t / kMicrosPerSecond : -((-t + kMicrosPerSecond - 1) / kMicrosPerSecond);
        std::int64_t local = sec + (zone ? zone->offset_at(sec) : 0); // Zone caches per quarter hour
        std::int64_t day = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
        return {day, static_cast<int>((local - day * 86400) / 3600)};
    }
    Traffic& hour_of(std::pair<std::int64_t, int> b) { return r.per_hour[static_cast<std::size_t>(b.second)]; }

    void count_received(const std::optional<std::string>& sender, const std::string& client, std::int64_t size,
                        Micros first) {
        ++r.received;
        if (size > 0) r.bytes_received += static_cast<std::uint64_t>(size);
        auto b = bucket(first);
        ++hour_of(b).received;
        ++days[b.first].received;
        if (sender) {
            std::string s = count_address(*sender);
            ++sender_domains[sender->empty() ? "<>" : domain_part(s)];
            ++senders[std::move(s)];
        }
        if (!client.empty()) ++clients[client];
    }

    /// One rejected attempt of transaction t (a reject record's or a queued message's).
    void count_rejected(const Transaction& t, const Attempt& a, const std::string& client) {
        ++r.rejected.recipients;
        auto b = bucket(a.time);
        ++hour_of(b).rejected;
        ++days[b.first].rejected;
        auto& acc = reject[reason_group(reject_reason_text(a.text))];
        if (acc.count++ == 0) acc.example = a.text;
        if (!client.empty()) ++rejected_clients[client];
        if (t.sender) ++rejected_senders[count_address(*t.sender)];
        if (!a.recipient.empty()) ++rejected_recipients[count_address(a.recipient)];
    }
};

StatsBuilder::StatsBuilder(Zone* zone, std::size_t top) : impl_(std::make_unique<Impl>()) {
    impl_->zone = zone;
    impl_->top = top;
}

StatsBuilder::~StatsBuilder() = default;

void StatsBuilder::add(const Transaction& t) {
    Impl& m = *impl_;
    StatsReport& r = m.r;
    ++r.transactions;
    if (!r.first_time || t.first_time < *r.first_time) r.first_time = t.first_time;
    if (!r.last_time || t.last_time > *r.last_time) r.last_time = t.last_time;

    std::string client = client_text(t.client_name, t.client_ip);
    if (is_reject_record(t)) {
        // a pre-queue reject: never received mail; a postscreen verdict is not even a reject
        if (is_postscreen_verdict(t)) {
            ++r.postscreen_verdicts;
            return;
        }
        ++r.reject_records;
        ++r.rejected.messages;
        for (const Attempt& a : t.attempts) m.count_rejected(t, a, client);
        return;
    }
    const bool probe = is_verify_probe(t);
    // received: the transaction's start line was read (smtpd client=, pickup, Sendmail from=, Exim <=)
    if (probe) {
        // an address verification probe is not mail received (counted below as a probe)
    } else if (t.headless) {
        ++r.headless;
    } else if (is_loopback(t.client_name, t.client_ip)) {
        // maybe a content filter's re-injection: decided in finish(), once all hand-offs are known
        m.candidates.push_back({t.host, t.queue_id, t.first_time, t.sender, client, t.size});
    } else {
        m.count_received(t.sender, client, t.size, t.first_time);
    }

    for (std::string_view v = t.verdict; !v.empty();) {
        std::size_t semi = v.find("; ");
        std::string_view entry = v.substr(0, semi);
        if (!entry.empty()) ++m.verdicts[std::string(verdict_group(entry))];
        v = semi == std::string_view::npos ? std::string_view() : v.substr(semi + 2);
    }

    // delivered, forwarded, deferred, bounced, expired, rejected, discarded, held, removed,
    // deliverable, undeliverable
    bool any[11] = {};
    std::unordered_set<std::string> deferred_rcpts;
    std::uint64_t deferrals = 0;
    const Attempt* last_deferral = nullptr;
    Micros last_attempt = t.first_time;
    std::string name, addr;
    for (const Attempt& a : t.attempts) {
        last_attempt = std::max(last_attempt, a.time);
        auto b = m.bucket(a.time);
        switch (a.status) {
        case Status::sent: {
            relay_parts(a.relay, name, addr);
            std::string relay = name.empty() ? addr : name;
            if (!relay.empty()) ++m.relays[relay];
            if (a.delay >= 0 && !relay.empty()) m.relay_delays[relay].push_back(a.delay);
            if (is_loopback(name, addr) && !next_hop_id(a.text).empty()) {
                ++r.filtered; // a content filter's hand-off: the message comes back as a new transaction
                m.loop_handoffs[t.host + '\0' + std::string(next_hop_id(a.text))].push_back(a.time);
                break;
            }
            if (a.text.find("forwarded as ") != std::string::npos) {
                ++r.forwarded.recipients;
                any[1] = true;
                break;
            }
            ++r.delivered.recipients;
            any[0] = true;
            if (t.size > 0) r.bytes_delivered += static_cast<std::uint64_t>(t.size);
            ++m.hour_of(b).delivered;
            ++m.days[b.first].delivered;
            std::string rc = count_address(a.recipient);
            ++m.recipient_domains[domain_part(rc)];
            ++m.recipients[std::move(rc)];
            if (a.delay >= 0) m.delays.push_back(a.delay);
            break;
        }
        case Status::deferred: {
            ++deferrals;
            deferred_rcpts.insert(a.recipient);
            last_deferral = &a;
            ++m.hour_of(b).deferred;
            ++m.days[b.first].deferred;
            auto& acc = m.deferral[reason_group(a.text)];
            if (acc.count++ == 0) acc.example = a.text;
            break;
        }
        case Status::bounced:
        case Status::expired: {
            if (a.status == Status::bounced) ++r.bounced.recipients, any[3] = true;
            else ++r.expired.recipients, any[4] = true;
            ++m.hour_of(b).bounced;
            ++m.days[b.first].bounced;
            auto& acc = m.bounce[reason_group(a.text)];
            if (acc.count++ == 0) acc.example = a.text;
            break;
        }
        case Status::rejected:
            any[5] = true;
            m.count_rejected(t, a, client);
            break;
        case Status::discarded:
            ++r.discarded.recipients;
            any[6] = true;
            break;
        case Status::held:
            ++r.held.recipients;
            any[7] = true;
            break;
        case Status::removed:
            ++r.removed.recipients;
            any[8] = true;
            break;
        case Status::deliverable:
            ++r.probes_deliverable.recipients;
            any[9] = true;
            break;
        case Status::undeliverable:
            ++r.probes_undeliverable.recipients;
            any[10] = true;
            break;
        case Status::none:
            break;
        }
    }
    if (deferrals) {
        r.deferrals += deferrals;
        r.deferred.recipients += deferred_rcpts.size();
        any[2] = true;
        DeferredMessage d{t.host, t.queue_id, t.sender, t.first_time,
                          static_cast<double>(last_attempt - t.first_time) / 1e6, deferrals, t.summary_status(),
                          last_deferral ? last_deferral->text : std::string()};
        m.deferred.push_back(std::move(d));
        if (m.deferred.size() > 4 * m.top + 64) {
            std::nth_element(m.deferred.begin(), m.deferred.begin() + static_cast<std::ptrdiff_t>(m.top),
                             m.deferred.end(), longer);
            m.deferred.resize(m.top);
        }
    }
    OutcomeCount* oc[11] = {&r.delivered, &r.forwarded,          &r.deferred, &r.bounced,
                            &r.expired,   &r.rejected,           &r.discarded, &r.held,
                            &r.removed,   &r.probes_deliverable, &r.probes_undeliverable};
    for (int i = 0; i < 11; ++i)
        if (any[i]) ++oc[i]->messages;
}

StatsReport StatsBuilder::finish() {
    Impl& m = *impl_;
    StatsReport& r = m.r;
    const Micros day = Micros{86400} * kMicrosPerSecond;
    for (const Candidate& c : m.candidates) {
        bool reinjected = false;
        if (auto it = m.loop_handoffs.find(c.host + '\0' + c.queue_id); it != m.loop_handoffs.end())
            for (Micros h : it->second) reinjected = reinjected || (c.first_time >= h - day && c.first_time <= h + day);
        if (reinjected) ++r.reinjected;
        else m.count_received(c.sender, c.client, c.size, c.first_time);
    }
    std::vector<std::pair<std::int64_t, Traffic>> days(m.days.begin(), m.days.end());
    std::sort(days.begin(), days.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [d, tr] : days) r.per_day.emplace_back(format_time(d * day, nullptr).substr(0, 10), tr);
    r.distinct_senders = m.senders.size();
    r.distinct_recipients = m.recipients.size();
    r.senders = top_of(m.senders, m.top);
    r.sender_domains = top_of(m.sender_domains, m.top);
    r.recipients = top_of(m.recipients, m.top);
    r.recipient_domains = top_of(m.recipient_domains, m.top);
    r.clients = top_of(m.clients, m.top);
    r.relays = top_of(m.relays, m.top);
    r.rejected_clients = top_of(m.rejected_clients, m.top);
    r.rejected_senders = top_of(m.rejected_senders, m.top);
    r.rejected_recipients = top_of(m.rejected_recipients, m.top);
    r.filter_verdicts = top_of(m.verdicts, m.top);
    r.deferral_reasons = reasons_of(m.deferral, m.top);
    r.bounce_reasons = reasons_of(m.bounce, m.top);
    r.reject_reasons = reasons_of(m.reject, m.top);
    r.delay = delay_of(m.delays);
    for (const auto& [relay, n] : r.relays) {
        auto it = m.relay_delays.find(relay);
        if (it != m.relay_delays.end()) r.delay_by_relay.emplace_back(relay, delay_of(it->second));
    }
    std::sort(m.deferred.begin(), m.deferred.end(), longer);
    if (m.deferred.size() > m.top) m.deferred.resize(m.top);
    r.deferred_longest = std::move(m.deferred);
    return std::move(r);
}

} // namespace mxtrace
