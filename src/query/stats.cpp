// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace stats: the aggregation. See include/mxtrace/query/stats.hpp and man/mxtrace-stats.1.
#include "mxtrace/query/stats.hpp"

#include "mxtrace/reduce/links.hpp"

#include "mxtrace/base/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
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
    /// Where the example comes from: (transaction ID, attempt index). The smallest wins, so the
    /// example does not depend on the order in which transactions or parts are folded in (a
    /// scan in ID order keeps the first one, as before).
    std::int64_t ex_txn = std::numeric_limits<std::int64_t>::max();
    std::int64_t ex_seq = std::numeric_limits<std::int64_t>::max();

    void note(std::int64_t txn, std::int64_t seq, std::string_view text) {
        if (std::tie(txn, seq) < std::tie(ex_txn, ex_seq)) {
            ex_txn = txn;
            ex_seq = seq;
            example.assign(text);
        }
    }
};

/// A received transaction from a loopback client, held until every content-filter hand-off is known.
struct Candidate {
    std::string host, queue_id;
    Micros first_time = 0;
    std::optional<std::string> sender;
    std::string client;
    std::int64_t size = -1;
};

/// Hash of a string, usable with std::string_view keys (heterogeneous lookup).
struct SvHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using CountMap = std::unordered_map<std::string, std::uint64_t, SvHash, std::equal_to<>>;
using ReasonMap = std::unordered_map<std::string, ReasonAcc, SvHash, std::equal_to<>>;
/// A multiset of delays (seconds as logged): value -> how many; those of merged blobs are kept
/// as a list of (value, count) pairs (appending is cheaper than hashing), combined when read.
struct DelayHist {
    std::unordered_map<double, std::uint64_t> added;
    std::vector<std::pair<double, std::uint64_t>> merged;
    std::uint64_t& operator[](double x) { return added[x]; }
    /// (value, count) ascending, each value once.
    std::vector<std::pair<double, std::uint64_t>> sorted() const {
        std::vector<std::pair<double, std::uint64_t>> v(added.begin(), added.end());
        v.insert(v.end(), merged.begin(), merged.end());
        std::sort(v.begin(), v.end());
        std::size_t k = 0;
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (k > 0 && v[k - 1].first == v[i].first) v[k - 1].second += v[i].second;
            else v[k++] = v[i];
        }
        v.resize(k);
        return v;
    }
};

StatsReport::Top top_of(const CountMap& m, std::size_t n) {
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

std::vector<Reason> reasons_of(const ReasonMap& m, std::size_t n) {
    std::vector<Reason> v;
    v.reserve(m.size());
    for (const auto& [k, a] : m) v.push_back({k, a.count, a.example});
    std::sort(v.begin(), v.end(), [](const Reason& a, const Reason& b) {
        return a.count != b.count ? a.count > b.count : a.group < b.group;
    });
    if (v.size() > n) v.resize(n);
    return v;
}

/// Percentiles by the nearest-rank method over a multiset (as percentile() over the sorted values).
DelayStats delay_of(const DelayHist& h) {
    DelayStats d;
    const std::vector<std::pair<double, std::uint64_t>> v = h.sorted();
    for (const auto& [x, n] : v) d.count += n;
    if (d.count == 0) return d;
    auto at_rank = [&](double p) {
        auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(d.count)));
        rank = std::clamp<std::uint64_t>(rank, 1, d.count);
        std::uint64_t seen = 0;
        for (const auto& [x, n] : v) {
            seen += n;
            if (seen >= rank) return x;
        }
        return v.back().first;
    };
    d.p50 = at_rank(50);
    d.p90 = at_rank(90);
    d.p99 = at_rank(99);
    d.max = v.back().first;
    return d;
}

/// top_of() over counts kept partly by dictionary ID (`a`, from merged blobs) and partly by value
/// (`m`, from transactions added): the same list, ties ordered by value. The values of IDs are
/// read from the dictionary only for the list itself and for the IDs tied at its last count.
/// `distinct` receives the number of distinct values.
StatsReport::Top top_of_merged(std::vector<std::uint64_t>& a, const CountMap& m, const StatsDictionary& dict,
                               std::size_t n, std::uint64_t& distinct) {
    struct Entry {
        std::uint64_t count, id; // id 0: a value not in `a` (in `value`)
        std::string value;
    };
    if (n == 0) {
        top_of_merged(a, m, dict, 1, distinct);
        return {};
    }
    std::vector<Entry> extra; // values added that the dictionary does not map into `a`
    for (const auto& [v, c] : m) {
        std::uint64_t id = dict.id_of(v);
        if (id && id < a.size()) a[id] += c;
        else extra.push_back({c, 0, v});
    }
    std::vector<std::uint64_t> counts;
    for (std::uint64_t c : a)
        if (c) counts.push_back(c);
    distinct = counts.size() + extra.size();
    for (const Entry& e : extra) counts.push_back(e.count);
    // the count of the n-th entry: entries above it are in the list, entries at it compete by value
    std::uint64_t cut = 0;
    if (counts.size() > n) {
        std::nth_element(counts.begin(), counts.begin() + static_cast<std::ptrdiff_t>(n - 1), counts.end(),
                         std::greater<>());
        cut = counts[n - 1];
    }
    std::vector<Entry> in, ties;
    for (std::uint64_t id = 0; id < a.size(); ++id)
        if (a[id] && a[id] >= cut) (a[id] > cut ? in : ties).push_back({a[id], id, {}});
    for (Entry& e : extra)
        if (e.count >= cut) (e.count > cut ? in : ties).push_back(std::move(e));
    for (Entry& e : in)
        if (e.id) e.value = dict.value_of(e.id);
    StatsReport::Top out;
    for (Entry& e : in) out.emplace_back(std::move(e.value), e.count);
    const std::size_t slots = n > out.size() ? n - out.size() : 0;
    // the ties fill the list by value: the smallest `slots` values among them
    std::vector<std::string> tied;
    std::size_t tied_ids = 0;
    for (Entry& e : ties) {
        if (e.id) ++tied_ids;
        else tied.push_back(std::move(e.value));
    }
    if (slots > 0 && tied_ids > 0) {
        if (tied_ids > 64 && dict.in_order) {
            // many: walk the dictionary in value order until `slots` of them are seen
            std::vector<bool> is_tied(a.size());
            for (const Entry& e : ties)
                if (e.id) is_tied[e.id] = true;
            std::size_t got = 0;
            dict.in_order([&](std::uint64_t id, std::string_view v) {
                if (id < is_tied.size() && is_tied[id]) {
                    tied.emplace_back(v);
                    ++got;
                }
                return got < slots;
            });
        } else {
            for (const Entry& e : ties)
                if (e.id) tied.push_back(dict.value_of(e.id));
        }
    }
    const std::size_t take = std::min(slots, tied.size());
    std::partial_sort(tied.begin(), tied.begin() + static_cast<std::ptrdiff_t>(take), tied.end());
    for (std::size_t i = 0; i < take; ++i) out.emplace_back(std::move(tied[i]), cut);
    std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
        return x.second != y.second ? x.second > y.second : x.first < y.first;
    });
    return out;
}

// ---- the rollup blob: a compact binary form of the accumulator (little-endian, LEB128) ----

constexpr std::string_view kBlobMagic = "MXST";

struct BlobWriter {
    std::string out;
    void u(std::uint64_t v) {
        while (v >= 0x80) {
            out += static_cast<char>((v & 0x7F) | 0x80);
            v >>= 7;
        }
        out += static_cast<char>(v);
    }
    void i(std::int64_t v) { u((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63)); }
    void s(std::string_view v) {
        u(v.size());
        out.append(v);
    }
    void d(double v) {
        std::uint64_t b;
        std::memcpy(&b, &v, 8);
        for (int k = 0; k < 8; ++k) out += static_cast<char>((b >> (8 * k)) & 0xFF);
    }
    void opt(const std::optional<std::string>& v) {
        u(v ? 1 : 0);
        if (v) s(*v);
    }
    /// A count map as (dictionary ID, count) pairs, IDs ascending and delta-coded (the blob of a
    /// bucket is a function of its transactions and the dictionary).
    void counts(const CountMap& m, const StatsBuilder::Intern& intern) {
        std::vector<std::pair<std::uint64_t, std::uint64_t>> v;
        v.reserve(m.size());
        for (const auto& [k, c] : m) v.emplace_back(intern(k), c);
        std::sort(v.begin(), v.end());
        u(v.size());
        std::uint64_t prev = 0;
        for (const auto& [id, c] : v) {
            u(id - prev);
            u(c);
            prev = id;
        }
    }
    void hist(const DelayHist& h) {
        const std::vector<std::pair<double, std::uint64_t>> v = h.sorted();
        u(v.size());
        for (const auto& [x, n] : v) {
            d(x);
            u(n);
        }
    }
    void reasons(const ReasonMap& m) {
        std::vector<const ReasonMap::value_type*> v;
        for (const auto& e : m) v.push_back(&e);
        std::sort(v.begin(), v.end(), [](auto* a, auto* b) { return a->first < b->first; });
        u(v.size());
        for (auto* e : v) {
            s(e->first);
            u(e->second.count);
            s(e->second.example);
            i(e->second.ex_txn);
            i(e->second.ex_seq);
        }
    }
};

struct BlobReader {
    std::string_view in;
    std::size_t pos = 0;
    [[noreturn]] static void bad() { throw Error(ExitCode::damaged, "a stats rollup blob is malformed", "run mxtrace check, then mxtrace repair"); }
    std::uint64_t u() {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= in.size()) bad();
            auto c = static_cast<unsigned char>(in[pos++]);
            v |= static_cast<std::uint64_t>(c & 0x7F) << shift;
            if (!(c & 0x80)) return v;
        }
        bad();
    }
    std::int64_t i() {
        std::uint64_t z = u();
        return static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
    }
    std::string_view s() {
        std::uint64_t n = u();
        if (n > in.size() - pos) bad();
        std::string_view v = in.substr(pos, n);
        pos += n;
        return v;
    }
    double d() {
        if (in.size() - pos < 8) bad();
        std::uint64_t b = 0;
        for (int k = 0; k < 8; ++k) b |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[pos + k])) << (8 * k);
        pos += 8;
        double v;
        std::memcpy(&v, &b, 8);
        return v;
    }
    std::optional<std::string> opt() {
        if (u()) return std::string(s());
        return std::nullopt;
    }
    /// Adds (dictionary ID, count) pairs to a dense array indexed by ID.
    void counts(std::vector<std::uint64_t>& a) {
        std::uint64_t id = 0;
        for (std::uint64_t n = u(); n > 0; --n) {
            id += u();
            std::uint64_t c = u();
            if (id >= a.size()) {
                if (id > (std::uint64_t{1} << 34)) bad();
                a.resize(std::max<std::size_t>(id + 1, a.size() * 2));
            }
            a[id] += c;
        }
    }
    void hist(DelayHist& h) {
        for (std::uint64_t n = u(); n > 0; --n) {
            double x = d();
            h.merged.emplace_back(x, u());
        }
    }
    void reasons(ReasonMap& m) {
        for (std::uint64_t n = u(); n > 0; --n) {
            std::string_view k = s();
            std::uint64_t c = u();
            std::string_view ex = s();
            std::int64_t t = i(), q = i();
            auto it = m.find(k);
            if (it == m.end()) it = m.emplace(std::string(k), ReasonAcc{}).first;
            it->second.count += c;
            it->second.note(t, q, ex);
        }
    }
};

void put_traffic(BlobWriter& w, const Traffic& t) {
    w.u(t.received);
    w.u(t.delivered);
    w.u(t.deferred);
    w.u(t.bounced);
    w.u(t.rejected);
}
void add_traffic(BlobReader& r, Traffic& t) {
    t.received += r.u();
    t.delivered += r.u();
    t.deferred += r.u();
    t.bounced += r.u();
    t.rejected += r.u();
}
Traffic& operator+=(Traffic& a, const Traffic& b) {
    a.received += b.received;
    a.delivered += b.delivered;
    a.deferred += b.deferred;
    a.bounced += b.bounced;
    a.rejected += b.rejected;
    return a;
}

} // namespace

struct StatsBuilder::Impl {
    Zone* zone;
    std::size_t top;
    bool local_hours; ///< slots are local hours (day * 24 + hour), not UTC quarter hours
    StatsReport r;    ///< the scalar counts (the lists are made by finish())
    /// Traffic by time slot: the UTC quarter hour (floor(seconds / 900)) of each counted instant,
    /// turned into local hours and days by finish(); or, with local_hours, the local hour itself.
    std::unordered_map<std::int64_t, Traffic> slots;
    CountMap senders, sender_domains, recipients, recipient_domains, clients, relays;
    CountMap rejected_clients, rejected_senders, rejected_recipients, verdicts;
    /// The same ten counts from merged blobs: dictionary ID -> count (dense; empty if none merged).
    std::array<std::vector<std::uint64_t>, 10> merged;
    std::array<CountMap*, 10> count_maps() {
        return {&senders, &sender_domains, &recipients, &recipient_domains, &clients, &relays,
                &rejected_clients, &rejected_senders, &rejected_recipients, &verdicts};
    }
    ReasonMap deferral, bounce, reject;
    DelayHist delays;
    std::unordered_map<std::string, DelayHist, SvHash, std::equal_to<>> relay_delays;
    std::vector<DeferredMessage> deferred;
    std::unordered_map<std::string, std::vector<Micros>> loop_handoffs; ///< host '\0' queue ID -> hand-off times
    std::vector<Candidate> candidates;
    std::vector<std::string> blob_handoffs; ///< the hand-off sections of merged blobs (read by finish())

    /// The slot of instant t.
    std::int64_t slot(Micros t) {
        std::int64_t sec = t >= 0 ? t / kMicrosPerSecond : -((-t + kMicrosPerSecond - 1) / kMicrosPerSecond);
        if (!local_hours) return sec >= 0 ? sec / 900 : -((-sec + 899) / 900);
        std::int64_t local = sec + (zone ? zone->offset_at(sec) : 0); // Zone caches per quarter hour
        return local >= 0 ? local / 3600 : -((-local + 3599) / 3600);
    }
    Traffic& traffic(Micros t) { return slots[slot(t)]; }

    void count_received(const std::optional<std::string>& sender, const std::string& client, std::int64_t size,
                        Micros first) {
        ++r.received;
        if (size > 0) r.bytes_received += static_cast<std::uint64_t>(size);
        ++traffic(first).received;
        if (sender) {
            std::string s = count_address(*sender);
            ++sender_domains[sender->empty() ? "<>" : domain_part(s)];
            ++senders[std::move(s)];
        }
        if (!client.empty()) ++clients[client];
    }

    /// One rejected attempt (index `seq`) of transaction t (a reject record's or a queued message's).
    void count_rejected(const Transaction& t, const Attempt& a, std::int64_t seq, const std::string& client) {
        ++r.rejected.recipients;
        ++traffic(a.time).rejected;
        auto& acc = reject[reason_group(reject_reason_text(a.text))];
        ++acc.count;
        acc.note(t.id, seq, a.text);
        if (!client.empty()) ++rejected_clients[client];
        if (t.sender) ++rejected_senders[count_address(*t.sender)];
        if (!a.recipient.empty()) ++rejected_recipients[count_address(a.recipient)];
    }

    void trim_deferred() {
        if (deferred.size() > 4 * top + 64) {
            std::nth_element(deferred.begin(), deferred.begin() + static_cast<std::ptrdiff_t>(top), deferred.end(), longer);
            deferred.resize(top);
        }
    }

    /// Decides the candidates that a hand-off known here re-injected (counted as re-injected,
    /// dropped); keeps the others. Adding hand-offs later can only re-inject more, so deciding
    /// early gives the same counts as deciding at the end.
    void settle_candidates(const std::unordered_map<std::string, std::vector<Micros>>& handoffs) {
        const Micros day = Micros{86400} * kMicrosPerSecond;
        std::vector<Candidate> left;
        for (Candidate& c : candidates) {
            bool reinjected = false;
            if (auto it = handoffs.find(c.host + '\0' + c.queue_id); it != handoffs.end())
                for (Micros h : it->second) reinjected = reinjected || (c.first_time >= h - day && c.first_time <= h + day);
            if (reinjected) ++r.reinjected;
            else left.push_back(std::move(c));
        }
        candidates = std::move(left);
    }
};

StatsBuilder::StatsBuilder(Zone* zone, std::size_t top, bool local_hours) : impl_(std::make_unique<Impl>()) {
    impl_->zone = zone;
    impl_->top = top;
    impl_->local_hours = local_hours;
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
        std::int64_t seq = 0;
        for (const Attempt& a : t.attempts) m.count_rejected(t, a, seq++, client);
        return;
    }
    const bool probe = is_verify_probe(t);
    // received: the transaction's start line was read (smtpd client=, pickup, Sendmail from=, Exim <=)
    if (probe) {
        // an address verification probe is not mail received (counted below as a probe)
    } else if (t.headless) {
        ++r.headless;
    } else if (is_loopback(t.client_name, t.client_ip)) {
        // maybe a content filter's re-injection: decided once the hand-offs are known
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
    std::int64_t seq = -1;
    for (const Attempt& a : t.attempts) {
        ++seq;
        last_attempt = std::max(last_attempt, a.time);
        switch (a.status) {
        case Status::sent: {
            relay_parts(a.relay, name, addr);
            std::string relay = name.empty() ? addr : name;
            if (!relay.empty()) ++m.relays[relay];
            if (a.delay >= 0 && !relay.empty()) ++m.relay_delays[relay][a.delay];
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
            ++m.traffic(a.time).delivered;
            std::string rc = count_address(a.recipient);
            ++m.recipient_domains[domain_part(rc)];
            ++m.recipients[std::move(rc)];
            if (a.delay >= 0) ++m.delays[a.delay];
            break;
        }
        case Status::deferred: {
            ++deferrals;
            deferred_rcpts.insert(a.recipient);
            last_deferral = &a;
            ++m.traffic(a.time).deferred;
            auto& acc = m.deferral[reason_group(a.text)];
            ++acc.count;
            acc.note(t.id, seq, a.text);
            break;
        }
        case Status::bounced:
        case Status::expired: {
            if (a.status == Status::bounced) ++r.bounced.recipients, any[3] = true;
            else ++r.expired.recipients, any[4] = true;
            ++m.traffic(a.time).bounced;
            auto& acc = m.bounce[reason_group(a.text)];
            ++acc.count;
            acc.note(t.id, seq, a.text);
            break;
        }
        case Status::rejected:
            any[5] = true;
            m.count_rejected(t, a, seq, client);
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
        m.trim_deferred();
    }
    OutcomeCount* oc[11] = {&r.delivered, &r.forwarded,          &r.deferred, &r.bounced,
                            &r.expired,   &r.rejected,           &r.discarded, &r.held,
                            &r.removed,   &r.probes_deliverable, &r.probes_undeliverable};
    for (int i = 0; i < 11; ++i)
        if (any[i]) ++oc[i]->messages;
}

namespace {
/// The scalar counts of a report, in blob order.
template <class R, class F> void each_count(R& r, F&& f) {
    f(r.transactions);
    f(r.received);
    f(r.reinjected);
    f(r.headless);
    for (auto* o : {&r.delivered, &r.forwarded, &r.deferred, &r.bounced, &r.expired, &r.rejected, &r.discarded, &r.held,
                    &r.removed, &r.probes_deliverable, &r.probes_undeliverable}) {
        f(o->messages);
        f(o->recipients);
    }
    f(r.reject_records);
    f(r.postscreen_verdicts);
    f(r.deferrals);
    f(r.filtered);
    f(r.bytes_received);
    f(r.bytes_delivered);
}
} // namespace

std::string StatsBuilder::serialize(const Intern& intern) {
    Impl& m = *impl_;
    if (m.local_hours) throw Error(ExitCode::internal, "StatsBuilder::serialize of a builder in local hours");
    m.settle_candidates(m.loop_handoffs);
    BlobWriter w;
    w.out.append(kBlobMagic);
    w.u(kStatsBlobVersion);
    w.u(m.top);
    each_count(m.r, [&](std::uint64_t v) { w.u(v); });
    w.u(m.r.first_time ? 1 : 0);
    if (m.r.first_time) w.i(*m.r.first_time);
    w.u(m.r.last_time ? 1 : 0);
    if (m.r.last_time) w.i(*m.r.last_time);
    {
        std::vector<std::pair<std::int64_t, Traffic>> v(m.slots.begin(), m.slots.end());
        std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        w.u(v.size());
        for (const auto& [q, t] : v) {
            w.i(q);
            put_traffic(w, t);
        }
    }
    for (CountMap* c : m.count_maps()) w.counts(*c, intern);
    w.reasons(m.deferral);
    w.reasons(m.bounce);
    w.reasons(m.reject);
    w.hist(m.delays);
    {
        std::vector<const std::string*> keys;
        for (const auto& e : m.relay_delays) keys.push_back(&e.first);
        std::sort(keys.begin(), keys.end(), [](auto* a, auto* b) { return *a < *b; });
        w.u(keys.size());
        for (auto* k : keys) {
            w.s(*k);
            w.hist(m.relay_delays.find(*k)->second);
        }
    }
    std::sort(m.deferred.begin(), m.deferred.end(), longer);
    if (m.deferred.size() > m.top) m.deferred.resize(m.top);
    w.u(m.deferred.size());
    for (const DeferredMessage& d : m.deferred) {
        w.s(d.host);
        w.s(d.queue_id);
        w.opt(d.sender);
        w.i(d.first_time);
        w.d(d.seconds);
        w.u(d.deferrals);
        w.u(static_cast<std::uint64_t>(d.final_status));
        w.s(d.reason);
    }
    std::sort(m.candidates.begin(), m.candidates.end(), [](const Candidate& a, const Candidate& b) {
        return std::tie(a.host, a.queue_id, a.first_time) < std::tie(b.host, b.queue_id, b.first_time);
    });
    w.u(m.candidates.size());
    for (const Candidate& c : m.candidates) {
        w.s(c.host);
        w.s(c.queue_id);
        w.i(c.first_time);
        w.opt(c.sender);
        w.s(c.client);
        w.i(c.size);
    }
    {   // last: the hand-offs, as one section that finish() searches for the candidates left:
        // count, time bounds, a table of 4-byte offsets, then the entries sorted by key
        std::vector<std::pair<std::string, std::vector<Micros>>> v(m.loop_handoffs.begin(), m.loop_handoffs.end());
        std::sort(v.begin(), v.end());
        BlobWriter entries;
        std::vector<std::uint32_t> offsets;
        Micros lo = std::numeric_limits<Micros>::max(), hi = std::numeric_limits<Micros>::min();
        for (auto& [k, times] : v) {
            std::sort(times.begin(), times.end());
            offsets.push_back(static_cast<std::uint32_t>(entries.out.size()));
            entries.s(k);
            entries.u(times.size());
            for (Micros x : times) entries.i(x);
            lo = std::min(lo, times.front());
            hi = std::max(hi, times.back());
        }
        if (entries.out.size() > 0xFFFFFFFFu) throw Error(ExitCode::internal, "a stats rollup's hand-offs exceed 4 GiB");
        BlobWriter h;
        h.u(v.size());
        if (!v.empty()) {
            h.i(lo);
            h.i(hi);
            for (std::uint32_t o : offsets)
                for (int k = 0; k < 4; ++k) h.out += static_cast<char>((o >> (8 * k)) & 0xFF);
            h.out += entries.out;
        }
        w.s(h.out);
    }
    return std::move(w.out);
}

bool StatsBuilder::merge(std::string_view blob) {
    Impl& m = *impl_;
    if (m.local_hours) return false;
    BlobReader rd{blob};
    if (blob.substr(0, kBlobMagic.size()) != kBlobMagic) BlobReader::bad();
    rd.pos = kBlobMagic.size();
    if (rd.u() != static_cast<std::uint64_t>(kStatsBlobVersion)) return false;
    const std::uint64_t kept = rd.u();
    if (kept < m.top) return false; // its list of the longest deferred messages is too short
    StatsReport part;
    each_count(part, [&](std::uint64_t& v) { v = rd.u(); });
    std::optional<Micros> first, last;
    if (rd.u()) first = rd.i();
    if (rd.u()) last = rd.i();
    // everything below is added to the builder; a malformed blob from here on throws (the
    // builder is then unusable: the caller starts again with a scan)
    StatsReport& r = m.r;
    {
        std::vector<std::uint64_t> add;
        each_count(part, [&](std::uint64_t& v) { add.push_back(v); });
        std::size_t k = 0;
        each_count(r, [&](std::uint64_t& v) { v += add[k++]; });
    }
    if (first && (!r.first_time || *first < *r.first_time)) r.first_time = first;
    if (last && (!r.last_time || *last > *r.last_time)) r.last_time = last;
    for (std::uint64_t n = rd.u(); n > 0; --n) {
        std::int64_t q = rd.i();
        add_traffic(rd, m.slots[q]);
    }
    for (auto& a : m.merged) rd.counts(a);
    rd.reasons(m.deferral);
    rd.reasons(m.bounce);
    rd.reasons(m.reject);
    rd.hist(m.delays);
    for (std::uint64_t n = rd.u(); n > 0; --n) {
        std::string_view k = rd.s();
        auto it = m.relay_delays.find(k);
        if (it == m.relay_delays.end()) it = m.relay_delays.emplace(std::string(k), DelayHist{}).first;
        rd.hist(it->second);
    }
    {
        std::uint64_t n = rd.u();
        for (std::uint64_t k = 0; k < n; ++k) {
            DeferredMessage d;
            d.host = rd.s();
            d.queue_id = rd.s();
            d.sender = rd.opt();
            d.first_time = rd.i();
            d.seconds = rd.d();
            d.deferrals = rd.u();
            d.final_status = static_cast<Status>(rd.u());
            d.reason = rd.s();
            // the blob's list is longest first: only its first `top` can be in the result
            if (k < m.top) {
                m.deferred.push_back(std::move(d));
                m.trim_deferred();
            }
        }
    }
    for (std::uint64_t n = rd.u(); n > 0; --n) {
        Candidate c;
        c.host = rd.s();
        c.queue_id = rd.s();
        c.first_time = rd.i();
        c.sender = rd.opt();
        c.client = rd.s();
        c.size = rd.i();
        m.candidates.push_back(std::move(c));
    }
    std::string_view handoffs = rd.s();
    if (rd.pos != blob.size()) BlobReader::bad();
    // the hand-offs stay in their serialised form: finish() looks up the candidates left in them
    if (handoffs.size() > 1) m.blob_handoffs.emplace_back(handoffs);
    return true;
}

bool StatsBuilder::hours_exact() {
    Impl& m = *impl_;
    if (m.local_hours || !m.zone) return true;
    for (const auto& [q, t] : m.slots)
        if (m.zone->offset_at(q * 900) % 900 != 0) return false;
    return true;
}

StatsReport StatsBuilder::finish(const StatsDictionary* dict) {
    Impl& m = *impl_;
    StatsReport& r = m.r;
    const Micros day = Micros{86400} * kMicrosPerSecond;
    m.settle_candidates(m.loop_handoffs);
    if (!m.candidates.empty() && !m.blob_handoffs.empty()) {
        // the hand-offs of the merged blobs that name a candidate left: a binary search of each
        // section whose hand-off times come within a day of the candidate's first line
        struct Section {
            BlobReader rd;
            std::uint64_t n = 0;
            Micros lo = 0, hi = 0;
            std::size_t table = 0, data = 0;
        };
        std::vector<Section> secs;
        for (const std::string& sec : m.blob_handoffs) {
            Section x{BlobReader{sec}};
            x.n = x.rd.u();
            if (x.n == 0) continue;
            x.lo = x.rd.i();
            x.hi = x.rd.i();
            x.table = x.rd.pos;
            if (x.n > (sec.size() - x.table) / 4) BlobReader::bad();
            x.data = x.table + 4 * x.n;
            secs.push_back(std::move(x));
        }
        std::unordered_map<std::string, std::vector<Micros>> found;
        for (const Candidate& c : m.candidates) {
            const std::string key = c.host + '\0' + c.queue_id;
            for (Section& x : secs) {
                if (c.first_time < x.lo - day || c.first_time > x.hi + day) continue;
                auto entry = [&](std::uint64_t k) {
                    std::size_t o = x.table + 4 * k;
                    std::uint32_t off = 0;
                    for (int b = 0; b < 4; ++b)
                        off |= static_cast<std::uint32_t>(static_cast<unsigned char>(x.rd.in[o + static_cast<std::size_t>(b)])) << (8 * b);
                    if (off >= x.rd.in.size() - x.data) BlobReader::bad();
                    x.rd.pos = x.data + off;
                    return x.rd.s();
                };
                std::uint64_t a = 0, b = x.n; // the first entry not less than key
                while (a < b) {
                    std::uint64_t mid = a + (b - a) / 2;
                    if (entry(mid) < std::string_view(key)) a = mid + 1;
                    else b = mid;
                }
                if (a < x.n && entry(a) == std::string_view(key)) {
                    auto& times = found[key];
                    for (std::uint64_t t = x.rd.u(); t > 0; --t) times.push_back(x.rd.i());
                }
            }
        }
        m.settle_candidates(found);
    }
    for (const Candidate& c : m.candidates) m.count_received(c.sender, c.client, c.size, c.first_time);
    m.candidates.clear();
    // slots -> local hours of the day and local days
    std::map<std::int64_t, Traffic> days;
    for (const auto& [q, t] : m.slots) {
        std::int64_t local_hour;
        if (m.local_hours) {
            local_hour = q;
        } else {
            std::int64_t sec = q * 900;
            std::int64_t local = sec + (m.zone ? m.zone->offset_at(sec) : 0);
            local_hour = local >= 0 ? local / 3600 : -((-local + 3599) / 3600);
        }
        std::int64_t d = local_hour >= 0 ? local_hour / 24 : -((-local_hour + 23) / 24);
        r.per_hour[static_cast<std::size_t>(local_hour - d * 24)] += t;
        days[d] += t;
    }
    for (const auto& [d, tr] : days) r.per_day.emplace_back(format_time(d * day, nullptr).substr(0, 10), tr);
    {
        std::array<StatsReport::Top*, 10> tops = {&r.senders, &r.sender_domains, &r.recipients, &r.recipient_domains,
                                                   &r.clients, &r.relays, &r.rejected_clients, &r.rejected_senders,
                                                   &r.rejected_recipients, &r.filter_verdicts};
        std::array<CountMap*, 10> maps = m.count_maps();
        std::array<std::uint64_t, 10> distinct{};
        for (std::size_t k = 0; k < 10; ++k) {
            if (m.merged[k].empty()) {
                distinct[k] = maps[k]->size();
                *tops[k] = top_of(*maps[k], m.top);
            } else {
                if (!dict) throw Error(ExitCode::internal, "StatsBuilder::finish without the dictionary of merged blobs");
                *tops[k] = top_of_merged(m.merged[k], *maps[k], *dict, m.top, distinct[k]);
            }
        }
        r.distinct_senders = distinct[0];
        r.distinct_recipients = distinct[2];
    }
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
