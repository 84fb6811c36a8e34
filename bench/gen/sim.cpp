// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace-gen: the set-up of the world, shared helpers (pids, queue IDs, emit), the main loop.
#include "sim.hpp"

namespace mxgen {

void Sim::make_hosts() {
    struct Def {
        const char* name;
        const char* ip;
        const char* pub;
        Style style;
        bool sendmail;
    };
    const Def defs[kHosts] = {{"mx1", "10.1.0.11", "192.0.2.11", Style::rfc3339, false},
                              {"mx2", "10.1.0.12", "192.0.2.12", Style::classic, false},
                              {"mbox", "10.1.0.20", "10.1.0.20", Style::rfc3339, false},
                              {"smtp", "10.1.0.5", "192.0.2.5", Style::classic, true}};
    for (int i = 0; i < kHosts; ++i) {
        Host& h = hosts_[i];
        h.name = defs[i].name;
        h.fqdn = h.name + ".corp.example";
        h.ip = defs[i].ip;
        h.public_ip = defs[i].pub;
        h.style = defs[i].style;
        h.sendmail = defs[i].sendmail;
        h.next_pid = static_cast<int>(rng_.range(2000, 30000));
        h.qmgr_pid = static_cast<int>(rng_.range(900, 1500));
        h.postscreen_pid = h.qmgr_pid + 4;
        h.pickup_pid = h.qmgr_pid + 2;
        fs::create_directories(o_.out / h.name);
    }
}

void Sim::make_population() {
    // internal users: first.last, unique
    const std::size_t n_int = 3000;
    // (first, last) pairs are distinct for k < 104 * 100; a seed-dependent shift of the last
    // names gives each seed its own ranking
    const std::size_t shift = mix(o_.seed * 7919) % std::size(kLast);
    for (std::size_t k = 0; k < n_int; ++k)
        internal_.push_back(fmt::format("{}.{}@corp.example", kFirst[k % std::size(kFirst)],
                                        kLast[(k / std::size(kFirst) * 37 + shift) % std::size(kLast)]));
    for (std::size_t k = 0; k < n_int; ++k) internal_index_.emplace(internal_[k], k);
    int_zipf_ = std::make_unique<Zipf>(n_int);
    for (std::size_t k = 0; k < n_int; ++k) {
        // about one user in 30 forwards to an outside address
        std::uint64_t h = mix(o_.seed * 31 + k + 17);
        forward_.push_back(h % 30 == 0 ? static_cast<int>(h / 30 % 4000) : -1);
    }
    // external domains
    const std::size_t n_ext = 20000;
    std::unordered_set<std::string> names;
    for (std::size_t k = 0; k < n_ext; ++k) {
        ExtDomain d;
        d.h = mix(o_.seed * 104729 + k);
        std::uint64_t h = d.h;
        std::string n;
        int parts = 2 + static_cast<int>(h % 2);
        for (int p = 0; p < parts; ++p) {
            h = mix(h);
            n += kSyl[h % std::size(kSyl)];
        }
        h = mix(h);
        std::string tld(pick(kTlds, h));
        std::string name = n + "." + tld;
        if (!names.insert(name).second) {
            name = fmt::format("{}{}.{}", n, k, tld);
            names.insert(name);
        }
        d.name = name;
        h = mix(h);
        static constexpr std::string_view kOut[] = {"mail", "smtp", "mx-out", "out", "mailout", "relay"};
        d.out_host = fmt::format("{}.{}", pick(kOut, h), name);
        h = mix(h);
        d.out_ip = ip_of(h);
        h = mix(h);
        static constexpr std::string_view kMx[] = {"mx", "mx1", "mail", "in", "mx0"};
        d.mx_host = fmt::format("{}.{}", pick(kMx, h), name);
        h = mix(h);
        d.mx_ip = ip_of(h);
        h = mix(h);
        d.remote = static_cast<int>(h % 3);
        d.greylists = h / 3 % 10 == 0;
        // bigger domains have more users
        std::size_t users = 4 + 20000 / (k + 1);
        int c = 0;
        while ((std::size_t{4} << c) < users && c < 12) ++c;
        d.users_cdf = c;
        ext_.push_back(std::move(d));
    }
    ext_zipf_ = std::make_unique<Zipf>(n_ext);
    for (int c = 0; c <= 12; ++c) user_zipf_.emplace_back(std::size_t{4} << c);
    ws_zipf_ = std::make_unique<Zipf>(250);
}

std::string Sim::ip_of(std::uint64_t h) {
    static constexpr int kFirstOctet[] = {23, 31, 37, 46, 51, 62, 77, 80, 85, 91, 95, 104, 109, 128, 141,
                                          146, 151, 159, 176, 178, 185, 188, 193, 194, 195, 212, 213, 217};
    return fmt::format("{}.{}.{}.{}", kFirstOctet[h % std::size(kFirstOctet)], (h >> 8) % 256,
                       (h >> 16) % 256, 1 + (h >> 24) % 254);
}

std::string Sim::ext_user(int dom) {
    const ExtDomain& d = ext_[static_cast<std::size_t>(dom)];
    std::size_t rank = user_zipf_[static_cast<std::size_t>(d.users_cdf)](rng_);
    std::uint64_t h = mix(d.h ^ (rank * 0x100000001B3ULL));
    std::string local;
    switch (rank < 3 ? 3 : h % 5) {
    case 0: local = fmt::format("{}.{}", pick(kFirst, h >> 8), pick(kLast, h >> 20)); break;
    case 1: local = fmt::format("{}{}", pick(kFirst, h >> 8), h >> 40 & 0x3F); break;
    case 2: local = fmt::format("{}{}", pick(kFirst, h >> 8).substr(0, 1), pick(kLast, h >> 20)); break;
    default: local = std::string(pick(kRoles, h >> 8)); break;
    }
    return local + "@" + d.name;
}

std::string Sim::forward_address(std::size_t user) {
    const ExtDomain& d = ext_[static_cast<std::size_t>(forward_[user])];
    std::string_view u = internal_[user];
    return fmt::format("{}.private@{}", u.substr(0, u.find('.')), d.name);
}

int Sim::pid(Host& h) {
    h.next_pid += 1 + static_cast<int>(rng_.below(4));
    if (h.next_pid > (h.sendmail ? 999999 : 4194000)) h.next_pid = 1000 + static_cast<int>(rng_.below(1000));
    return h.next_pid;
}

void Sim::emit(int host, std::int64_t t, Hop* hop, std::string_view prog, int p, std::string_view msg) {
    Host& h = hosts_[host];
    std::string text;
    text.reserve(prog.size() + msg.size() + 12);
    text.append(prog);
    if (p) {
        text += '[';
        text += std::to_string(p);
        text += ']';
    }
    text += ": ";
    text.append(msg);
    h.heap.push_back(Line{t, seq_++, std::move(text)});
    std::push_heap(h.heap.begin(), h.heap.end(), LineLater{});
    if (hop) {
        hop->first = std::min(hop->first, t);
        hop->last = std::max(hop->last, t);
    }
}

std::string Sim::pf_qid(Host& h, std::int64_t t) {
    for (;;) {
        const unsigned usec = static_cast<unsigned>(t % kSec);
        const std::uint64_t inode = rng_.chance(0.8) ? 0x10000 + rng_.below(0xF0000) : 0x100000 + rng_.below(0x300000);
        std::string q = fmt::format("{:05X}{:X}", usec, inode);
        auto [it, fresh] = h.qid_busy.try_emplace(q, t + 7 * kDay);
        if (fresh) return q;
        if (it->second < t) {
            it->second = t + 7 * kDay;
            return q;
        }
        ++qid_collisions_;
    }
}

std::string Sim::sm_qid(Host& h, std::int64_t t, int p) {
    Civil c = civil_of(t);
    h.sm_counter = (h.sm_counter + 1 + static_cast<unsigned>(rng_.below(3))) % 3600;
    std::string q;
    q += kQidChars[static_cast<std::size_t>((c.y - 1900) % 60)];
    q += kQidChars[c.m - 1];
    q += kQidChars[c.d];
    q += kQidChars[c.hh];
    q += kQidChars[c.mm];
    q += kQidChars[c.ss];
    q += kQidChars[h.sm_counter / 60];
    q += kQidChars[h.sm_counter % 60];
    q += fmt::format("{:06}", p % 1000000);
    return q;
}

Hop& Sim::new_hop(Record& r, int host, std::string qid) {
    auto hop = std::make_unique<Hop>();
    hop->host = host;
    hop->qid = std::move(qid);
    hop->mta = hosts_[host].sendmail ? "sendmail" : "postfix";
    r.hops.push_back(std::move(hop));
    return *r.hops.back();
}

Record& Sim::new_record(std::string kind, std::int64_t parent) {
    auto r = std::make_unique<Record>();
    r->id = next_record_++;
    r->kind = std::move(kind);
    r->parent = parent;
    pending_records_.push_back(std::move(r));
    return *pending_records_.back();
}

std::string Sim::rand_token(std::size_t n, std::string_view alphabet) {
    std::string s(n, ' ');
    for (auto& c : s) c = alphabet[rng_.below(alphabet.size())];
    return s;
}

std::string Sim::tls_line(std::string_view who) {
    static constexpr std::string_view kCiphers[] = {
        "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256",
        "TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
        "TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256"};
    return fmt::format("Anonymous TLS connection established from {}: {}", who, pick(kCiphers, rng_.next()));
}

std::vector<std::int64_t> Sim::arrivals() {
    // hourly weights of a working day; weekends at 40 %
    static constexpr int kHourW[24] = {2, 1, 1, 1, 1, 2, 4, 7, 10, 12, 12, 11, 10, 11, 12, 12, 11, 9, 7, 6, 5, 4, 3, 2};
    const std::size_t bins = static_cast<std::size_t>(o_.days) * 24;
    std::vector<double> cdf(bins);
    double sum = 0;
    for (std::size_t b = 0; b < bins; ++b) {
        const std::int64_t t = o_.start + static_cast<std::int64_t>(b) * kHour;
        const Civil c = civil_of(t);
        double w = kHourW[c.hh];
        if (c.wday == 0 || c.wday == 6) w *= 0.4;
        cdf[b] = sum += w;
    }
    std::vector<std::int64_t> ts(o_.messages);
    for (auto& t : ts) {
        const double u = rng_.unit() * sum;
        const std::size_t b = std::min<std::size_t>(static_cast<std::size_t>(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin()), bins - 1);
        t = o_.start + static_cast<std::int64_t>(b) * kHour + static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(kHour)));
    }
    std::sort(ts.begin(), ts.end());
    return ts;
}

void Sim::run() {
    for (std::size_t k = 0; k < ext_.size(); ++k) ext_index_.emplace(ext_[k].name, static_cast<int>(k));
    const std::vector<std::int64_t> ts = arrivals();
    std::int64_t noise_clock = o_.start;
    const std::int64_t end = o_.start + static_cast<std::int64_t>(o_.days) * kDay;
    std::uint64_t n = 0;
    for (std::int64_t t : ts) {
        while (noise_clock <= t) {
            noise_hour(noise_clock);
            noise_clock += kHour;
        }
        ++msg_counter_;
        if (rng_.chance(0.62)) inbound(t);
        else outbound(t);
        write_records();
        flush_before(t - kFlushMargin);
        if (++n % 100000 == 0) {
            for (Host& h : hosts_)
                std::erase_if(h.qid_busy, [t](const auto& kv) { return kv.second < t; });
            if (!o_.quiet) fmt::print(stderr, "\rmxtrace-gen: {} of {} messages", n, o_.messages);
        }
    }
    while (noise_clock < end) {
        noise_hour(noise_clock);
        noise_clock += kHour;
    }
    write_records();
    flush_before(INT64_MAX);
    if (!o_.quiet && n >= 100000) fmt::print(stderr, "\n");
}

} // namespace mxgen
