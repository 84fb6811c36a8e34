// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace-gen: writes deterministic, realistic multi-host mail logs and their ground truth.
//
//   mxtrace-gen --seed N --messages N --start YYYY-MM-DD --days D --out DIR
//               [--rotate-days R] [--gzip-level L] [--quiet]
//
// The same arguments give the same bytes: one PRNG (xoshiro256**), no libm, no clock, no
// threads that touch the content (a writer thread only copies finished chunks to files).
//
// Topology (all times UTC):
//   mx1   Postfix MX, RFC 3339 timestamps: postscreen, smtpd, amavis re-injection (second queue
//         ID through postfix/10025/smtpd), NOQUEUE rejects, relays to mbox
//   mx2   Postfix MX, classic timestamps, same role
//   mbox  Postfix mail store, RFC 3339: lmtp to Dovecot, forwards some users to outside
//         addresses (deferrals, expiries, bounces), sends non-delivery notifications
//   smtp  Sendmail relay, classic timestamps: outbound mail of the workstations, several
//         recipients on one to= line, Deferred: then Sent, DSN: bounces, relaying rejects;
//         internal recipients are relayed to mx1/mx2 ("queued as" replies), so a message can
//         cross three hosts (smtp -> mx -> mbox)
// Every host also logs other programs (CRON, sshd, systemd, amavis, dovecot) and a daily cron
// mail to root. Files: DIR/HOST/mail.log (newest), mail.log.1, mail.log.2.gz, ... rotated every
// R days (default 7); the last file also holds the tail after the last arrival day.
//
// DIR/truth.jsonl holds one JSON object per queued message (see write_record()): kind, hosts
// crossed with the queue ID, first-seen time, sender, Message-ID and the final status of every
// recipient on each host, and the final status of each original recipient.
#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kSec = 1'000'000;
constexpr std::int64_t kMin = 60 * kSec;
constexpr std::int64_t kHour = 60 * kMin;
constexpr std::int64_t kDay = 24 * kHour;
/// Lines of a message may be logged a little before its arrival time (the next hop logs its
/// side of a handover first); lines are written once they are this much older than the newest arrival.
constexpr std::int64_t kFlushMargin = 10 * kMin;

// ---------------------------------------------------------------------------------------------
// Random numbers: xoshiro256** seeded by splitmix64. Only integer and exactly rounded double
// arithmetic, so the output does not depend on the C library.

/// Deterministic PRNG (xoshiro256**).
class Rng {
public:
    explicit Rng(std::uint64_t seed) {
        for (auto& x : s_) {
            seed += 0x9E3779B97F4A7C15ULL;
            std::uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
            x = z ^ (z >> 31);
        }
    }
    std::uint64_t next() {
        const std::uint64_t r = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return r;
    }
    /// Uniform in [0, 1).
    double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    /// Uniform in [0, n).
    std::uint64_t below(std::uint64_t n) {
        if (n <= 1) return 0;
        const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
        for (;;) {
            std::uint64_t x = next();
            if (x < limit) return x % n;
        }
    }
    /// Uniform in [lo, hi].
    std::int64_t range(std::int64_t lo, std::int64_t hi) {
        return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo + 1)));
    }
    bool chance(double p) { return unit() < p; }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t s_[4];
};

/// 64-bit mix of a value (for per-entity attributes that must not consume the main stream).
std::uint64_t mix(std::uint64_t z) {
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/// FNV-1a 64 of a string (std::hash differs between standard libraries; the output must not).
std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 0xCBF29CE484222325ULL;
    for (unsigned char c : s) h = (h ^ c) * 0x100000001B3ULL;
    return h;
}

/// Zipf (s = 1) over ranks 0..n-1: rank k has weight 1/(k+1).
class Zipf {
public:
    explicit Zipf(std::size_t n) : cdf_(n) {
        double sum = 0;
        for (std::size_t k = 0; k < n; ++k) cdf_[k] = sum += 1.0 / static_cast<double>(k + 1);
    }
    std::size_t operator()(Rng& r) const {
        const double u = r.unit() * cdf_.back();
        auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
        return std::min<std::size_t>(static_cast<std::size_t>(it - cdf_.begin()), cdf_.size() - 1);
    }
    std::size_t size() const { return cdf_.size(); }

private:
    std::vector<double> cdf_;
};

// ---------------------------------------------------------------------------------------------
// Civil time (H. Hinnant's algorithms).

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
    int y;
    unsigned m, d, hh, mm, ss, us;
    unsigned wday; // 0 = Sunday
};

Civil civil_of(std::int64_t t_us) {
    std::int64_t secs = t_us / kSec;
    const unsigned us = static_cast<unsigned>(t_us % kSec);
    std::int64_t z = secs / 86400;
    const unsigned sod = static_cast<unsigned>(secs % 86400);
    const unsigned wday = static_cast<unsigned>((z + 4) % 7);
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return Civil{static_cast<int>(y + (m <= 2)), m, d, sod / 3600, sod / 60 % 60, sod % 60, us, wday};
}

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/// "2024-03-01T12:00:00.123456Z" as mxtrace prints it (fraction only when non-zero).
std::string rfc3339_utc(std::int64_t t) {
    Civil c = civil_of(t);
    if (c.us) return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", c.y, c.m, c.d, c.hh, c.mm, c.ss, c.us);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", c.y, c.m, c.d, c.hh, c.mm, c.ss);
}

// ---------------------------------------------------------------------------------------------
// Names.

constexpr std::string_view kFirst[] = {
    "alice", "bob", "carol", "dave", "erin", "frank", "gina", "hal", "ivan", "judy", "ken", "lena", "mike",
    "nina", "oscar", "paul", "quinn", "rita", "sam", "tina", "uwe", "vera", "walt", "xena", "yuri", "zoe",
    "anna", "ben", "chloe", "dan", "eva", "finn", "greta", "hugo", "iris", "jan", "kim", "leo", "mia", "nils",
    "olga", "pia", "rolf", "sara", "tom", "ute", "vince", "wanda", "axel", "bea", "cem", "dora", "emil", "fay",
    "gus", "hana", "igor", "jo", "kai", "lou", "max", "noa", "otto", "pat", "rosa", "saul", "theo", "una",
    "vik", "wes", "yann", "zara", "amir", "bruno", "clara", "dmitri", "elif", "fatima", "george", "helga",
    "ines", "jonas", "karin", "luis", "marta", "nora", "omar", "petra", "raj", "sofia", "tariq", "ulla",
    "victor", "wiebke", "ximena", "yusuf", "zeynep", "aaron", "birgit", "conor", "delia"};
constexpr std::string_view kLast[] = {
    "miller", "smith", "jones", "brown", "meier", "schulz", "novak", "rossi", "garcia", "martin", "dubois",
    "kowalski", "nielsen", "jansen", "silva", "costa", "weber", "wagner", "becker", "hoffmann", "klein",
    "wolf", "neumann", "braun", "zimmer", "kraus", "lange", "hartmann", "krueger", "werner", "lehmann",
    "koehler", "fischer", "bauer", "richter", "walter", "roth", "frank", "berg", "keller", "huber", "moser",
    "gruber", "lindner", "vogel", "stein", "jaeger", "otto", "sommer", "gross", "seidel", "heinz", "brandt",
    "haas", "schreiber", "graf", "dietrich", "ziegler", "kuhn", "pohl", "engel", "horn", "busch", "bergmann",
    "thomas", "voigt", "sauer", "arnold", "wolff", "pfeiffer", "lorenz", "ludwig", "baumann", "franke",
    "albrecht", "schuster", "simon", "boehm", "winter", "kraft", "vogt", "martens", "schumacher", "stark",
    "beck", "jung", "hahn", "schubert", "fuchs", "scholz", "haase", "kaiser", "hermann", "peters", "lang",
    "wilson", "taylor", "clark", "lewis"};
constexpr std::string_view kRoles[] = {"info", "sales", "support", "noreply", "newsletter", "billing",
                                       "office", "hr", "jobs", "service", "team", "contact", "admin",
                                       "news", "orders", "accounts"};
constexpr std::string_view kSyl[] = {"ka", "lo", "mi", "ra", "ne", "to", "vi", "sa", "de", "ro", "ma", "li",
                                     "pa", "tu", "be", "no", "zen", "tra", "vo", "qui", "bra", "gen", "dor",
                                     "fel", "hal", "mon", "sil", "ter", "ven", "cor", "nix", "pro", "lux",
                                     "nova", "data", "net", "soft", "tech", "web", "mail", "cloud", "bit"};
constexpr std::string_view kTlds[] = {"com", "com", "com", "net", "org", "de", "de", "fr", "nl", "co.uk",
                                      "io", "eu", "it", "es", "ch", "at", "se", "pl", "info", "biz"};

std::string_view pick(std::span<const std::string_view> v, std::uint64_t h) { return v[h % v.size()]; }

// ---------------------------------------------------------------------------------------------
// Output: per-host files written by one background thread.

/// One chunk of finished text for one file.
struct Chunk {
    fs::path path;
    bool gz = false;
    bool close = false;
    std::string data;
};

/// Writes chunks in order, keeping one open file per path until its close chunk.
class Writer {
public:
    explicit Writer(int level) : level_(level), thread_([this] { run(); }) {}
    ~Writer() { finish(); }
    void push(Chunk c) {
        std::unique_lock lk(mu_);
        not_full_.wait(lk, [&] { return q_.size() < 32; });
        q_.push_back(std::move(c));
        not_empty_.notify_one();
    }
    void finish() {
        {
            std::lock_guard lk(mu_);
            if (done_) return;
            done_ = true;
        }
        not_empty_.notify_one();
        thread_.join();
        if (!error_.empty()) {
            fmt::print(stderr, "mxtrace-gen: {}\n", error_);
            std::exit(1);
        }
    }

private:
    struct Open {
        std::FILE* f = nullptr;
        gzFile g = nullptr;
    };
    void run() {
        std::unordered_map<std::string, Open> open;
        for (;;) {
            Chunk c;
            {
                std::unique_lock lk(mu_);
                not_empty_.wait(lk, [&] { return !q_.empty() || done_; });
                if (q_.empty()) break;
                c = std::move(q_.front());
                q_.pop_front();
                not_full_.notify_one();
            }
            if (!error_.empty()) continue;
            Open& o = open[c.path.string()];
            if (!o.f && !o.g) {
                if (c.gz) {
                    o.g = gzopen(c.path.c_str(), fmt::format("wb{}", level_).c_str());
                    if (o.g) gzbuffer(o.g, 1 << 18);
                } else {
                    o.f = std::fopen(c.path.c_str(), "wb");
                }
                if (!o.f && !o.g) error_ = fmt::format("cannot write {}: {}", c.path.string(), std::strerror(errno));
            }
            if (!c.data.empty()) {
                if (o.g) {
                    if (gzwrite(o.g, c.data.data(), static_cast<unsigned>(c.data.size())) != static_cast<int>(c.data.size()))
                        error_ = fmt::format("cannot write {}", c.path.string());
                } else if (o.f && std::fwrite(c.data.data(), 1, c.data.size(), o.f) != c.data.size()) {
                    error_ = fmt::format("cannot write {}: {}", c.path.string(), std::strerror(errno));
                }
            }
            if (c.close) {
                if (o.g && gzclose(o.g) != Z_OK) error_ = fmt::format("cannot write {}", c.path.string());
                if (o.f && std::fclose(o.f) != 0) error_ = fmt::format("cannot write {}", c.path.string());
                open.erase(c.path.string());
            }
        }
        for (auto& [p, o] : open) {
            if (o.g) gzclose(o.g);
            if (o.f) std::fclose(o.f);
        }
    }

    int level_;
    std::mutex mu_;
    std::condition_variable not_empty_, not_full_;
    std::deque<Chunk> q_;
    bool done_ = false;
    std::string error_;
    std::thread thread_;
};

// ---------------------------------------------------------------------------------------------
// The simulated world.

enum HostId : int { MX1, MX2, MBOX, SMTP, kHosts };
enum class Style { classic, rfc3339 };

struct Line {
    std::int64_t t;
    std::uint64_t seq;
    std::string text; // "program[pid]: message"
};
struct LineLater {
    bool operator()(const Line& a, const Line& b) const { return a.t != b.t ? a.t > b.t : a.seq > b.seq; }
};

struct Host {
    std::string name, fqdn, ip, public_ip;
    Style style;
    bool sendmail;
    int next_pid;
    int qmgr_pid = 0, postscreen_pid = 0, pickup_pid = 0;
    std::vector<Line> heap;
    std::unordered_map<std::string, std::int64_t> qid_busy; // Postfix queue ID -> free again after
    std::unordered_set<std::uint32_t> postscreen_seen;
    unsigned sm_counter = 0;
    // output
    int period = -1;
    std::int64_t last_written = INT64_MIN;
    fs::path file;
    bool gz = false;
    std::string buf;
    std::uint64_t lines = 0, bytes = 0;
};

/// One message on one host: what a correct reducer makes of that host's lines.
struct Hop {
    int host = 0;
    std::string qid;
    std::string mta;
    std::int64_t first = INT64_MAX, last = INT64_MIN;
    bool sender_known = false;
    std::string sender;
    std::string message_id;
    std::vector<std::pair<std::string, std::string>> rcpt; // recipient -> last status, in first-seen order
    std::string notification;

    void status(std::string_view r, std::string_view s) {
        for (auto& [k, v] : rcpt)
            if (k == r) {
                v.assign(s);
                return;
            }
        rcpt.emplace_back(std::string(r), std::string(s));
    }
};

/// One queued message (and the truth about it).
struct Record {
    std::uint64_t id = 0;
    std::string kind;
    std::int64_t parent = -1;
    bool sender_known = true;
    std::string sender;
    std::string message_id;
    std::vector<std::string> recipients;
    std::vector<std::unique_ptr<Hop>> hops;
    std::vector<std::pair<std::string, std::string>> final; // original recipient -> final status
    std::string client_ip; // of the first hop, for amavis's line

    void set_final(std::string_view r, std::string_view s) {
        for (auto& [k, v] : final)
            if (k == r) {
                v.assign(s);
                return;
            }
        final.emplace_back(std::string(r), std::string(s));
    }
};

struct Env {
    std::string sender;  // "" = null sender
    std::string msgid;
    std::int64_t size = 0;
};

struct ExtDomain {
    std::string name, out_host, out_ip, mx_host, mx_ip;
    int users_cdf = 0; // index into Sim::user_zipf_
    std::uint64_t h = 0;
    int remote = 0;     // 0 Postfix, 1 Exim, 2 Exchange-like: style of the remote's 250 reply
    bool greylists = false;
};

/// Postfix delivery routes.
enum class Route { lmtp, local, smtp_ext, to_mbox, amavis };

/// Recipients of one Postfix hop that go the same way.
struct Group {
    Route route = Route::lmtp;
    int domain = -1;                 // smtp_ext: the destination domain
    std::vector<std::string> rcpt;   // to=
    std::vector<std::string> orig;   // orig_to= ("" if none)
    std::vector<std::string> top;    // the record's recipient each stands for
    std::vector<char> bounce;        // per recipient: bounced when finally tried
    int defers = 0;                  // deferred tries before the final one
    bool expire = false;             // never delivered: expires
    bool done = false;
};

/// Recipients of one Sendmail hop that go to the same host.
struct SmGroup {
    bool internal = false;
    int domain = -1;
    int mx = MX1;
    std::vector<std::string> rcpt, top;
    std::vector<char> bounce;
    int defers = 0;
    bool done = false;
};

struct Options {
    std::uint64_t seed = 1;
    std::uint64_t messages = 1000;
    std::int64_t start = 0; // UTC µs of --start
    int days = 1;
    int rotate_days = 7;
    int gzip_level = 6;
    fs::path out;
    bool quiet = false;
};

/// Postfix "delay=" numbers: two significant digits, as Postfix prints them.
std::string pf_secs(std::int64_t us) {
    std::int64_t cs = us / 10000;
    if (cs <= 0) return "0";
    if (cs < 100) {
        std::string s = fmt::format("0.{:02}", cs);
        while (s.back() == '0') s.pop_back();
        return s;
    }
    if (cs < 1000) {
        std::int64_t ds = cs / 10;
        return ds % 10 ? fmt::format("{}.{}", ds / 10, ds % 10) : fmt::format("{}", ds / 10);
    }
    return fmt::format("{}", cs / 100);
}

/// Sendmail "delay=" text: [d+]hh:mm:ss.
std::string sm_delay(std::int64_t us) {
    std::int64_t s = us / kSec;
    if (s >= 86400) return fmt::format("{}+{:02}:{:02}:{:02}", s / 86400, s / 3600 % 24, s / 60 % 60, s % 60);
    return fmt::format("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
}

constexpr std::string_view kQidChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx";

/// The simulation: arrivals in time order, each message's lines on every host it crosses, the
/// hosts' lines written in time order into rotated files, the truth record of each message.
class Sim {
public:
    /// Creates the hosts' directories, the populations and DIR/truth.jsonl.
    explicit Sim(const Options& o) : o_(o), rng_(o.seed), writer_(o.gzip_level) {
        periods_ = (o_.days + o_.rotate_days - 1) / o_.rotate_days;
        make_hosts();
        make_population();
        truth_ = std::fopen((o_.out / "truth.jsonl").c_str(), "wb");
        if (!truth_) die(fmt::format("cannot write {}", (o_.out / "truth.jsonl").string()));
    }

    /// Simulates every message and writes every line (call finish_output() after).
    void run();

private:
    [[noreturn]] static void die(const std::string& m) {
        fmt::print(stderr, "mxtrace-gen: {}\n", m);
        std::exit(1);
    }

    // --- set-up -------------------------------------------------------------------------------
    void make_hosts() {
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

    void make_population() {
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

    static std::string ip_of(std::uint64_t h) {
        static constexpr int kFirstOctet[] = {23, 31, 37, 46, 51, 62, 77, 80, 85, 91, 95, 104, 109, 128, 141,
                                              146, 151, 159, 176, 178, 185, 188, 193, 194, 195, 212, 213, 217};
        return fmt::format("{}.{}.{}.{}", kFirstOctet[h % std::size(kFirstOctet)], (h >> 8) % 256,
                           (h >> 16) % 256, 1 + (h >> 24) % 254);
    }

    std::string ext_user(int dom) {
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

    int ext_domain() { return static_cast<int>((*ext_zipf_)(rng_)); }
    std::size_t int_user() { return (*int_zipf_)(rng_); }

    std::string forward_address(std::size_t user) {
        const ExtDomain& d = ext_[static_cast<std::size_t>(forward_[user])];
        std::string_view u = internal_[user];
        return fmt::format("{}.private@{}", u.substr(0, u.find('.')), d.name);
    }

    // --- log lines ----------------------------------------------------------------------------
    int pid(Host& h) {
        h.next_pid += 1 + static_cast<int>(rng_.below(4));
        if (h.next_pid > (h.sendmail ? 999999 : 4194000)) h.next_pid = 1000 + static_cast<int>(rng_.below(1000));
        return h.next_pid;
    }

    void emit(int host, std::int64_t t, Hop* hop, std::string_view prog, int p, std::string_view msg) {
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

    std::string pf_qid(Host& h, std::int64_t t) {
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

    std::string sm_qid(Host& h, std::int64_t t, int p) {
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

    Hop& new_hop(Record& r, int host, std::string qid) {
        auto hop = std::make_unique<Hop>();
        hop->host = host;
        hop->qid = std::move(qid);
        hop->mta = hosts_[host].sendmail ? "sendmail" : "postfix";
        r.hops.push_back(std::move(hop));
        return *r.hops.back();
    }

    Record& new_record(std::string kind, std::int64_t parent) {
        auto r = std::make_unique<Record>();
        r->id = next_record_++;
        r->kind = std::move(kind);
        r->parent = parent;
        pending_records_.push_back(std::move(r));
        return *pending_records_.back();
    }

    std::string rand_token(std::size_t n, std::string_view alphabet) {
        std::string s(n, ' ');
        for (auto& c : s) c = alphabet[rng_.below(alphabet.size())];
        return s;
    }

    std::string tls_line(std::string_view who) {
        static constexpr std::string_view kCiphers[] = {
            "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256",
            "TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
            "TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256"};
        return fmt::format("Anonymous TLS connection established from {}: {}", who, pick(kCiphers, rng_.next()));
    }

    // --- Postfix ------------------------------------------------------------------------------

    /// An SMTP client as smtpd logs it.
    struct Client {
        std::string name; // "unknown" without reverse DNS
        std::string ip;
        bool internal = false;
    };

    /// smtpd receives a message: [postscreen], connect, client=, cleanup, qmgr, disconnect.
    /// Returns the time of qmgr's "queue active" line; `hop` gets the new queue ID.
    std::int64_t pf_receive(int host, std::int64_t t, const Client& c, std::string_view smtpd, bool postscreen,
                            const Env& env, std::size_t nrcpt, Hop& hop) {
        Host& h = hosts_[host];
        const std::string who = fmt::format("{}[{}]", c.name, c.ip);
        if (postscreen) {
            const int port = static_cast<int>(rng_.range(32768, 60999));
            emit(host, t, nullptr, "postfix/postscreen", h.postscreen_pid,
                 fmt::format("CONNECT from [{}]:{} to [{}]:25", c.ip, port, h.public_ip));
            if (c.internal) {
                t += rng_.range(100, 900);
                emit(host, t, nullptr, "postfix/postscreen", h.postscreen_pid, fmt::format("WHITELISTED [{}]:{}", c.ip, port));
            } else {
                const std::uint32_t key = static_cast<std::uint32_t>(mix(fnv1a(c.ip)));
                const bool fresh = h.postscreen_seen.insert(key).second;
                t += fresh ? rng_.range(6 * kSec, 7 * kSec) : rng_.range(300, 2000);
                emit(host, t, nullptr, "postfix/postscreen", h.postscreen_pid,
                     fmt::format("PASS {} [{}]:{}", fresh ? "NEW" : "OLD", c.ip, port));
            }
            t += rng_.range(500, 3000);
        }
        const int spid = pid(h);
        emit(host, t, nullptr, smtpd, spid, fmt::format("connect from {}", who));
        const bool tls = !c.internal && rng_.chance(0.6);
        if (tls) {
            t += rng_.range(20000, 300000);
            emit(host, t, nullptr, smtpd, spid, tls_line(who));
        }
        t += rng_.range(50000, 500000);
        hop.qid = pf_qid(h, t);
        emit(host, t, &hop, smtpd, spid, fmt::format("{}: client={}", hop.qid, who));
        t += rng_.range(20000, 100000);
        hop.message_id = env.msgid;
        emit(host, t, &hop, "postfix/cleanup", pid(h), fmt::format("{}: message-id=<{}>", hop.qid, env.msgid));
        const std::int64_t t_active = t + rng_.range(50000, 600000);
        hop.sender_known = true;
        hop.sender = env.sender;
        emit(host, t_active, &hop, "postfix/qmgr", h.qmgr_pid,
             fmt::format("{}: from=<{}>, size={}, nrcpt={} (queue active)", hop.qid, env.sender, env.size, nrcpt));
        const std::size_t n = nrcpt;
        emit(host, t_active + rng_.range(1000, 80000), nullptr, smtpd, spid,
             smtpd == "postfix/10025/smtpd"
                 ? fmt::format("disconnect from {} ehlo=1 mail=1 rcpt={} data=1 quit=1 commands={}", who, n, n + 4)
                 : fmt::format("disconnect from {} ehlo={} {}mail=1 rcpt={} data=1 quit=1 commands={}", who, tls ? 2 : 1,
                               tls ? "starttls=1 " : "", n, n + (tls ? 6 : 4)));
        return t_active;
    }

    std::string relay_of(const Group& g) const {
        switch (g.route) {
        case Route::lmtp: return "mbox.corp.example[private/dovecot-lmtp]";
        case Route::local: return "local";
        case Route::to_mbox: return fmt::format("mbox.corp.example[{}]:25", hosts_[MBOX].ip);
        case Route::amavis: return "127.0.0.1[127.0.0.1]:10024";
        case Route::smtp_ext: {
            const ExtDomain& d = ext_[static_cast<std::size_t>(g.domain)];
            return fmt::format("{}[{}]:25", d.mx_host, d.mx_ip);
        }
        }
        return {};
    }

    static std::string_view program_of(Route r) {
        switch (r) {
        case Route::lmtp: return "postfix/lmtp";
        case Route::local: return "postfix/local";
        case Route::amavis: return "postfix/amavis/smtp";
        default: return "postfix/smtp";
        }
    }

    std::string delays(std::int64_t total, std::int64_t queued_part) {
        const std::int64_t b = rng_.range(0, 3) * 10000, c = rng_.range(0, 40000), d = rng_.range(10000, 200000);
        std::int64_t a = std::max<std::int64_t>(0, std::min(queued_part, total - b - c - d));
        return fmt::format("delay={}, delays={}/{}/{}/{}", pf_secs(total), pf_secs(a), pf_secs(b), pf_secs(c), pf_secs(d));
    }

    /// The remote's 250 reply for an outside domain.
    std::string remote_ok(const ExtDomain& d, std::string_view msgid) {
        switch (d.remote) {
        case 0: return fmt::format("250 2.0.0 Ok: queued as {}", rand_token(10, "0123456789ABCDEF"));
        case 1:
            return fmt::format("250 OK id={}-{}-{}", rand_token(6, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
                               rand_token(6, "0123456789ABCDEF"), rand_token(2, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
        default: return fmt::format("250 2.6.0 <{}> [InternalId={}] Queued mail for delivery", msgid, rng_.range(1000000000, 9999999999));
        }
    }

    /// Delivers a queued Postfix message: attempts in rounds (every recipient not yet done is tried
    /// in each round, Postfix's backoff between rounds), expiry after the queue lifetime, the
    /// non-delivery notification, "removed". Next hops on our hosts are simulated as they are
    /// reached. `t_active` is the time of the first "queue active" line.
    void pf_deliver(int host, Hop& hop, Record& rec, std::int64_t t_active, const Env& env, std::vector<Group> groups,
                    std::size_t nrcpt) {
        Host& h = hosts_[host];
        const std::int64_t t_queued = hop.first;
        const std::int64_t lifetime = 5 * kDay;
        std::int64_t t = t_active;
        std::int64_t backoff = 300 * kSec;
        std::vector<std::pair<std::string, std::string>> failed; // recipient, reason (for the NDR)
        bool expired = false;
        for (int round = 0;; ++round) {
            bool last_round = false;
            if (round > 0) {
                t += backoff + rng_.range(0, 300) * kSec;
                backoff = std::min<std::int64_t>(backoff * 2, 4000 * kSec);
                if (t >= t_queued + lifetime) {
                    t = std::max(t, t_queued + lifetime + rng_.range(0, 300) * kSec);
                    last_round = true;
                }
                emit(host, t, &hop, "postfix/qmgr", h.qmgr_pid,
                     fmt::format("{}: from=<{}>, size={}, nrcpt={} (queue active)", hop.qid, env.sender, env.size, nrcpt));
            }
            t += rng_.range(5000, 200000);
            bool pending = false;
            for (Group& g : groups) {
                if (g.done) continue;
                const bool defer = g.expire || round < g.defers;
                const std::string relay = relay_of(g);
                const std::string_view prog = program_of(g.route);
                const int dpid = pid(h);
                if (defer) {
                    std::string why, dsn = "4.4.1", rl = "none";
                    if (g.route == Route::to_mbox) {
                        why = fmt::format("connect to mbox.corp.example[{}]:25: Connection refused", hosts_[MBOX].ip);
                    } else {
                        const ExtDomain& d = ext_[static_cast<std::size_t>(g.domain)];
                        if (d.greylists && !g.expire) {
                            rl = relay;
                            dsn = "4.7.1";
                            why = fmt::format("host {}[{}] said: 450 4.7.1 <{}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/{}.html (in reply to RCPT TO command)",
                                              d.mx_host, d.mx_ip, g.rcpt[0], d.name);
                        } else if (g.expire && (mix(d.h) & 1)) {
                            why = fmt::format("Host or domain name not found. Name service error for name={} type=MX: Host not found, try again", d.name);
                        } else {
                            why = fmt::format("connect to {}[{}]:25: Connection timed out", d.mx_host, d.mx_ip);
                        }
                    }
                    for (std::size_t i = 0; i < g.rcpt.size(); ++i) {
                        t += rng_.range(1000, 30000);
                        const std::string orig = g.orig[i].empty() ? "" : fmt::format(", orig_to=<{}>", g.orig[i]);
                        emit(host, t, &hop, prog, dpid,
                             fmt::format("{}: to=<{}>{}, relay={}, {}, dsn={}, status=deferred ({})", hop.qid, g.rcpt[i], orig,
                                         rl, delays(t - t_queued, t - t_queued), dsn, why));
                        hop.status(g.rcpt[i], "deferred");
                    }
                    if (last_round) {
                        for (std::size_t i = 0; i < g.rcpt.size(); ++i) {
                            hop.status(g.rcpt[i], "expired");
                            rec.set_final(g.top[i], "expired");
                            failed.emplace_back(g.rcpt[i], why);
                        }
                        g.done = true;
                        expired = true;
                    } else {
                        pending = true;
                    }
                    continue;
                }
                // final try: delivered or bounced
                std::string next_qid;
                std::vector<std::size_t> ok;
                for (std::size_t i = 0; i < g.rcpt.size(); ++i)
                    if (!g.bounce[i]) ok.push_back(i);
                const std::int64_t t_hand = t + rng_.range(20000, 400000);
                if (!ok.empty() && (g.route == Route::amavis || g.route == Route::to_mbox)) {
                    std::vector<std::string> rc, tp;
                    for (std::size_t i : ok) {
                        rc.push_back(g.rcpt[i]);
                        tp.push_back(g.top[i]);
                    }
                    next_qid = g.route == Route::amavis ? amavis_hop(host, t_hand, rec, env, hop.qid, rc, tp)
                                                        : mbox_hop(host, t_hand, rec, env, rc, tp);
                }
                t = t_hand + rng_.range(2000, 60000);
                const ExtDomain* d = g.route == Route::smtp_ext ? &ext_[static_cast<std::size_t>(g.domain)] : nullptr;
                std::string ext_reply;
                if (d) ext_reply = remote_ok(*d, env.msgid);
                for (std::size_t i = 0; i < g.rcpt.size(); ++i) {
                    t += rng_.range(1000, 90000);
                    const std::string orig = g.orig[i].empty() ? "" : fmt::format(", orig_to=<{}>", g.orig[i]);
                    std::string text, dsn = "2.0.0", status = "sent";
                    if (g.bounce[i]) {
                        status = "bounced";
                        if (g.route == Route::lmtp) {
                            dsn = "5.2.2";
                            text = fmt::format("host mbox.corp.example[private/dovecot-lmtp] said: 552 5.2.2 <{}> Quota exceeded (mailbox for user is full) (in reply to end of DATA command)", g.rcpt[i]);
                        } else {
                            dsn = "5.1.1";
                            text = fmt::format("host {}[{}] said: 550 5.1.1 <{}>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)",
                                               d->mx_host, d->mx_ip, g.rcpt[i]);
                        }
                        failed.emplace_back(g.rcpt[i], text);
                    } else {
                        switch (g.route) {
                        case Route::lmtp:
                            text = fmt::format("250 2.0.0 <{}> {} Saved", g.rcpt[i],
                                               rand_token(22, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"));
                            break;
                        case Route::local: text = "delivered to mailbox"; break;
                        case Route::amavis:
                            text = fmt::format("250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as {}", next_qid);
                            break;
                        case Route::to_mbox: text = fmt::format("250 2.0.0 Ok: queued as {}", next_qid); break;
                        case Route::smtp_ext: text = ext_reply; break;
                        }
                    }
                    emit(host, t, &hop, prog, dpid,
                         fmt::format("{}: to=<{}>{}, relay={}, {}, dsn={}, status={} ({})", hop.qid, g.rcpt[i], orig, relay,
                                     delays(t - t_queued, t_active - t_queued), dsn, status, text));
                    hop.status(g.rcpt[i], status);
                    if (g.route == Route::lmtp && !g.bounce[i])
                        emit(host, t - rng_.range(100, 900), nullptr, "dovecot", 0,
                             fmt::format("lmtp({})<{}><{}>: msgid=<{}>: saved mail to INBOX", g.rcpt[i], rng_.range(10000, 99999),
                                         rand_token(22, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"), env.msgid));
                    if (g.route == Route::lmtp || g.route == Route::local || g.route == Route::smtp_ext)
                        rec.set_final(g.top[i], status);
                }
                g.done = true;
            }
            if (!pending) break;
        }
        t += rng_.range(1000, 50000);
        if (expired)
            emit(host, t, &hop, "postfix/qmgr", h.qmgr_pid,
                 fmt::format("{}: from=<{}>, status=expired, returned to sender", hop.qid, env.sender));
        if (!failed.empty() && !env.sender.empty()) {
            // non-delivery notification back to the sender
            Record& nr = new_record("bounce", static_cast<std::int64_t>(rec.id));
            Env ne;
            ne.sender = "";
            t += rng_.range(2000, 20000);
            Hop& b = new_hop(nr, host, pf_qid(h, t));
            Civil c = civil_of(t);
            ne.msgid = fmt::format("{:04}{:02}{:02}{:02}{:02}{:02}.{}@{}", c.y, c.m, c.d, c.hh, c.mm, c.ss, b.qid, h.fqdn);
            ne.size = env.size / 4 + 2000 + static_cast<std::int64_t>(failed.size()) * 300;
            nr.sender = "";
            nr.message_id = ne.msgid;
            nr.recipients = {env.sender};
            b.message_id = ne.msgid;
            emit(host, t, &b, "postfix/cleanup", pid(h), fmt::format("{}: message-id=<{}>", b.qid, ne.msgid));
            t += rng_.range(2000, 20000);
            emit(host, t, &hop, "postfix/bounce", pid(h), fmt::format("{}: sender non-delivery notification: {}", hop.qid, b.qid));
            hop.notification = b.qid;
            t += rng_.range(2000, 20000);
            emit(host, t, &hop, "postfix/qmgr", h.qmgr_pid, fmt::format("{}: removed", hop.qid));
            t += rng_.range(2000, 20000);
            b.sender_known = true;
            b.sender = "";
            emit(host, t, &b, "postfix/qmgr", h.qmgr_pid, fmt::format("{}: from=<>, size={}, nrcpt=1 (queue active)", b.qid, ne.size));
            Group g;
            g.rcpt = {env.sender};
            g.top = {env.sender};
            g.orig = {""};
            g.bounce = {0};
            if (env.sender.ends_with("@corp.example")) {
                g.route = Route::lmtp;
                if (host != MBOX) g.route = Route::to_mbox;
            } else {
                g.route = Route::smtp_ext;
                g.domain = domain_index(env.sender);
                if (g.domain < 0) g.domain = ext_domain();
                const double u = rng_.unit();
                if (u < 0.03) g.expire = true; // backscatter to a dead domain
                else if (u < 0.08) g.defers = static_cast<int>(rng_.range(1, 6));
            }
            pf_deliver(host, b, nr, t, ne, g_vec(std::move(g)), 1);
        } else {
            emit(host, t, &hop, "postfix/qmgr", h.qmgr_pid, fmt::format("{}: removed", hop.qid));
        }
    }

    static std::vector<Group> g_vec(Group g) {
        std::vector<Group> v;
        v.push_back(std::move(g));
        return v;
    }

    int domain_index(std::string_view addr) const {
        auto it = ext_index_.find(std::string(addr.substr(addr.find('@') + 1)));
        return it == ext_index_.end() ? -1 : it->second;
    }

    /// Content filter: the message comes back through postfix/10025/smtpd as a new queue ID
    /// and goes on to mbox. Returns the new queue ID.
    std::string amavis_hop(int host, std::int64_t t, Record& rec, const Env& env, const std::string& parent_qid,
                           const std::vector<std::string>& rcpt, const std::vector<std::string>& top) {
        Hop& hop = new_hop(rec, host, "");
        Env e2 = env;
        e2.size = env.size + 600 + static_cast<std::int64_t>(rng_.below(400));
        const std::int64_t t0 = t - rng_.range(150000, 400000);
        Client lc{"localhost", "127.0.0.1", true};
        const std::int64_t t_active = pf_receive(host, t0, lc, "postfix/10025/smtpd", false, e2, rcpt.size(), hop);
        // amavis's own summary line (another program)
        emit(host, t - rng_.range(1000, 9000), nullptr, "amavis", amavis_pid_(host),
             fmt::format("({}-{:02}) Passed CLEAN {{RelayedInbound}}, [{}]:{} <{}> -> <{}>, Queue-ID: {}, Message-ID: <{}>, mail_id: {}, Hits: {}.{:03}, size: {}, queued_as: {}, {} ms",
                         amavis_pid_(host), rng_.range(1, 99), rec.client_ip.empty() ? hosts_[SMTP].ip : rec.client_ip,
                         rng_.range(32768, 60999), env.sender, rcpt[0], parent_qid, env.msgid,
                         rand_token(12, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"), rng_.range(-2, 4),
                         rng_.range(0, 999), env.size, hop.qid, rng_.range(200, 5000)));
        Group g;
        g.route = Route::to_mbox;
        g.rcpt = rcpt;
        g.top = top;
        g.orig.assign(rcpt.size(), "");
        g.bounce.assign(rcpt.size(), 0);
        if (rng_.chance(0.02)) g.defers = static_cast<int>(rng_.range(1, 7));
        pf_deliver(host, hop, rec, t_active, e2, g_vec(std::move(g)), rcpt.size());
        return hop.qid;
    }

    int amavis_pid_(int host) { return 3000 + host * 7 + static_cast<int>(rec_count_ / 1000 % 50); }

    /// The mail store receives from an MX and delivers: lmtp for its users, smtp to the outside
    /// for users who forward. Returns the new queue ID.
    std::string mbox_hop(int from_host, std::int64_t t, Record& rec, const Env& env, const std::vector<std::string>& rcpt,
                         const std::vector<std::string>& top) {
        Hop& hop = new_hop(rec, MBOX, "");
        Env e2 = env;
        e2.size = env.size + 300 + static_cast<std::int64_t>(rng_.below(200));
        const std::int64_t t0 = t - rng_.range(300000, 900000);
        Client c{hosts_[from_host].fqdn, hosts_[from_host].ip, true};
        const std::int64_t t_active = pf_receive(MBOX, t0, c, "postfix/smtpd", false, e2, rcpt.size(), hop);
        Group local;
        local.route = Route::lmtp;
        std::vector<Group> groups;
        for (std::size_t i = 0; i < rcpt.size(); ++i) {
            auto it = internal_index_.find(rcpt[i]);
            const std::size_t user = it == internal_index_.end() ? 0 : it->second;
            if (it != internal_index_.end() && forward_[user] >= 0) {
                Group g;
                g.route = Route::smtp_ext;
                g.domain = forward_[user];
                g.rcpt = {forward_address(user)};
                g.orig = {rcpt[i]};
                g.top = {top[i]};
                const double u = rng_.unit();
                g.bounce = {static_cast<char>(u < 0.04)};
                if (u >= 0.04 && u < 0.07) g.expire = true;
                else if (u >= 0.07 && u < 0.25) g.defers = static_cast<int>(rng_.range(1, 10));
                groups.push_back(std::move(g));
            } else {
                local.rcpt.push_back(rcpt[i]);
                local.orig.emplace_back();
                local.top.push_back(top[i]);
                local.bounce.push_back(static_cast<char>(rng_.chance(0.01)));
            }
        }
        if (!local.rcpt.empty()) groups.insert(groups.begin(), std::move(local));
        pf_deliver(MBOX, hop, rec, t_active, e2, std::move(groups), rcpt.size());
        return hop.qid;
    }

    /// A message arriving at an MX (from the Internet or from the Sendmail relay).
    /// Returns the MX queue ID.
    std::string mx_hop(int mx, std::int64_t t, Record& rec, const Env& env, const Client& c,
                       const std::vector<std::string>& rcpt, const std::vector<std::string>& top) {
        Hop& hop = new_hop(rec, mx, "");
        const std::int64_t t_active = pf_receive(mx, t, c, "postfix/smtpd", true, env, rcpt.size(), hop);
        Group g;
        g.route = rng_.chance(0.7) ? Route::amavis : Route::to_mbox;
        g.rcpt = rcpt;
        g.top = top;
        g.orig.assign(rcpt.size(), "");
        g.bounce.assign(rcpt.size(), 0);
        if (g.route == Route::to_mbox && rng_.chance(0.02)) g.defers = static_cast<int>(rng_.range(1, 7));
        pf_deliver(mx, hop, rec, t_active, env, g_vec(std::move(g)), rcpt.size());
        return hop.qid;
    }

    // --- Sendmail -----------------------------------------------------------------------------

    /// The Sendmail relay accepted a message from a workstation: from=, then deliveries in queue
    /// runs (Deferred: ... then Sent), DSN for bounced recipients.
    void sm_deliver(Hop& hop, Record& rec, int conn_pid, const Env& env, std::vector<SmGroup> groups,
                    std::int64_t pri, bool dsn_known_sender) {
        Host& h = hosts_[SMTP];
        const std::int64_t t_queued = hop.first;
        std::int64_t t = t_queued + rng_.range(100000, 900000);
        int dpid = conn_pid + 1;
        std::vector<std::string> bounced;
        for (int round = 0;; ++round) {
            if (round > 0) {
                t += rng_.range(25, 35) * kMin;
                dpid = pid(h);
                pri += 90000;
            }
            bool pending = false;
            for (SmGroup& g : groups) {
                if (g.done) continue;
                const ExtDomain* d = g.internal ? nullptr : &ext_[static_cast<std::size_t>(g.domain)];
                const std::string relay = g.internal ? fmt::format("{}. [{}]", hosts_[g.mx].fqdn, hosts_[g.mx].ip)
                                                     : fmt::format("{}. [{}]", d->mx_host, d->mx_ip);
                t += rng_.range(200000, 3000000);
                const std::string delay = fmt::format("delay={}, xdelay={}", sm_delay(t - t_queued),
                                                      sm_delay(std::min(t - t_queued, rng_.range(0, 4 * kSec))));
                if (round < g.defers) {
                    std::string why = d && d->greylists ? "Deferred: 451 4.7.1 Please try again later"
                                                        : fmt::format("Deferred: Connection timed out with {}.", d ? d->mx_host : hosts_[g.mx].fqdn);
                    emit(SMTP, t, &hop, "sm-mta", dpid,
                         fmt::format("{}: to={}, {}, mailer=esmtp, pri={}, relay={}, dsn=4.0.0, stat={}", hop.qid,
                                     join_angle(g.rcpt), delay, pri, relay, why));
                    for (auto& r : g.rcpt) hop.status(r, "deferred");
                    pending = true;
                    continue;
                }
                std::vector<std::string> ok, ok_top;
                for (std::size_t i = 0; i < g.rcpt.size(); ++i) {
                    if (g.bounce[i]) {
                        emit(SMTP, t, &hop, "sm-mta", dpid,
                             fmt::format("{}: to=<{}>, {}, mailer=esmtp, pri={}, relay={}, dsn=5.1.1, stat=User unknown",
                                         hop.qid, g.rcpt[i], delay, pri, relay));
                        hop.status(g.rcpt[i], "bounced");
                        rec.set_final(g.top[i], "bounced");
                        bounced.push_back(g.rcpt[i]);
                        t += rng_.range(1000, 50000);
                    } else {
                        ok.push_back(g.rcpt[i]);
                        ok_top.push_back(g.top[i]);
                    }
                }
                if (!ok.empty()) {
                    std::string reply;
                    if (g.internal) {
                        Client c{h.fqdn, h.ip, true};
                        const std::string q = mx_hop(g.mx, t - rng_.range(1500000, 2500000), rec, env, c, ok, ok_top);
                        reply = fmt::format("Ok: queued as {}", q);
                    } else {
                        reply = remote_ok(*d, env.msgid).substr(4); // Sendmail drops the reply code
                        if (reply.size() > 6 && reply[1] == '.' && reply[3] == '.') reply = reply.substr(reply.find(' ') + 1);
                    }
                    emit(SMTP, t, &hop, "sm-mta", dpid,
                         fmt::format("{}: to={}, {}, mailer=esmtp, pri={}, relay={}, dsn=2.0.0, stat=Sent ({})", hop.qid,
                                     join_angle(ok), delay, pri, relay, reply));
                    for (std::size_t i = 0; i < ok.size(); ++i) {
                        hop.status(ok[i], "sent");
                        if (!g.internal) rec.set_final(ok_top[i], "sent");
                    }
                }
                g.done = true;
            }
            if (!pending) break;
        }
        if (!bounced.empty() && dsn_known_sender) {
            // DSN to the (internal) sender, relayed through an MX to the mail store
            t += rng_.range(500000, 2000000);
            Record& dr = new_record("dsn", static_cast<std::int64_t>(rec.id));
            Hop& d = new_hop(dr, SMTP, sm_qid(h, t, dpid));
            d.sender_known = false; // Sendmail logs no from= for its DSN
            dr.sender_known = true;
            dr.sender = "";
            dr.recipients = {env.sender};
            emit(SMTP, t, &hop, "sm-mta", dpid, fmt::format("{}: {}: DSN: User unknown", hop.qid, d.qid));
            hop.notification = d.qid;
            Civil c = civil_of(t);
            Env de;
            de.sender = "";
            de.msgid = fmt::format("{:04}{:02}{:02}{:02}{:02}.{}@{}", c.y, c.m, c.d, c.hh, c.mm, d.qid, h.fqdn);
            de.size = env.size / 3 + 2500;
            dr.message_id = de.msgid;
            const int mx = rng_.chance(0.7) ? MX1 : MX2;
            t += rng_.range(500000, 2000000);
            Client cl{h.fqdn, h.ip, true};
            const std::string q = mx_hop(mx, t - rng_.range(1500000, 2500000), dr, de, cl, {env.sender}, {env.sender});
            emit(SMTP, t, &d, "sm-mta", dpid,
                 fmt::format("{}: to=<{}>, delay=00:00:00, xdelay=00:00:01, mailer=esmtp, pri=30000, relay={}. [{}], dsn=2.0.0, stat=Sent (Ok: queued as {})",
                             d.qid, env.sender, hosts_[mx].fqdn, hosts_[mx].ip, q));
            d.status(env.sender, "sent");
        }
    }

    static std::string join_angle(const std::vector<std::string>& v) {
        std::string s;
        for (const auto& r : v) {
            if (!s.empty()) s += ',';
            s += '<';
            s += r;
            s += '>';
        }
        return s;
    }

    // --- messages -----------------------------------------------------------------------------

    std::size_t rcpt_count() {
        const double u = rng_.unit();
        if (u < 0.78) return 1;
        if (u < 0.95) return static_cast<std::size_t>(rng_.range(2, 4));
        return static_cast<std::size_t>(rng_.range(5, 15));
    }

    std::int64_t msg_size() {
        std::int64_t s = rng_.range(900, 9000);
        if (rng_.chance(0.25)) s += rng_.range(5000, 80000);
        if (rng_.chance(0.05)) s += rng_.range(100000, 5000000);
        return s;
    }

    std::string msgid_for(std::string_view domain, std::int64_t t) {
        Civil c = civil_of(t);
        switch (rng_.below(4)) {
        case 0:
            return fmt::format("{:04}{:02}{:02}{:02}{:02}{:02}.{}.{:x}@{}", c.y, c.m, c.d, c.hh, c.mm, c.ss,
                               rand_token(8, "0123456789abcdef"), msg_counter_, domain);
        case 1:
            return fmt::format("{}-{}-{}-{:x}@{}", rand_token(8, "0123456789ABCDEF"), rand_token(4, "0123456789ABCDEF"),
                               rand_token(4, "0123456789ABCDEF"), msg_counter_, domain);
        case 2:
            return fmt::format("CA+{}{:x}@mail.{}", rand_token(24, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"),
                               msg_counter_, domain);
        default: return fmt::format("{:x}.{}@{}", msg_counter_ * 7919 + 17, rand_token(10, "0123456789"), domain);
        }
    }

    /// A message from the Internet to our users, through mx1 or mx2 to the mail store.
    void inbound(std::int64_t t) {
        Record& r = new_record("inbound", -1);
        const int dom = ext_domain();
        const ExtDomain& d = ext_[static_cast<std::size_t>(dom)];
        Env env;
        env.sender = rng_.chance(0.01) ? "" : ext_user(dom);
        env.msgid = msgid_for(d.name, t);
        env.size = msg_size();
        const std::size_t n = rcpt_count();
        std::vector<std::string> rcpt;
        std::set<std::size_t> seen;
        while (rcpt.size() < n) {
            const std::size_t u = int_user();
            if (seen.insert(u).second) rcpt.push_back(internal_[u]);
            if (seen.size() >= internal_.size()) break;
        }
        r.sender = env.sender;
        r.message_id = env.msgid;
        r.recipients = rcpt;
        const bool rdns = (d.h >> 7) % 10 != 0;
        Client c{rdns ? d.out_host : "unknown", d.out_ip, false};
        r.client_ip = c.ip;
        const int mx = rng_.chance(0.6) ? MX1 : MX2;
        mx_hop(mx, t, r, env, c, rcpt, rcpt);
        if (rng_.chance(0.3)) noqueue_reject(mx, t + rng_.range(1, 40 * kSec));
    }

    /// A message of a workstation sent out through the Sendmail relay.
    void outbound(std::int64_t t) {
        Host& h = hosts_[SMTP];
        Record& r = new_record("outbound", -1);
        const std::size_t su = int_user();
        Env env;
        env.sender = internal_[su];
        const std::size_t ws = (*ws_zipf_)(rng_);
        const std::string ws_name = fmt::format("ws{:03}.corp.example", ws + 1);
        const std::string ws_ip = fmt::format("10.2.{}.{}", ws / 200, ws % 200 + 10);
        env.msgid = msgid_for(ws_name, t);
        env.size = msg_size();
        const std::size_t n = rcpt_count();
        std::vector<std::string> rcpt;
        std::vector<SmGroup> groups;
        std::unordered_map<int, std::size_t> by_dom;
        int last_dom = -1;
        for (std::size_t i = 0; i < n; ++i) {
            if (rng_.chance(0.2)) {
                const std::string a = internal_[int_user()];
                if (std::find(rcpt.begin(), rcpt.end(), a) != rcpt.end() || a == env.sender) continue;
                rcpt.push_back(a);
                auto [it, fresh] = by_dom.try_emplace(-1, groups.size());
                if (fresh) {
                    SmGroup g;
                    g.internal = true;
                    g.mx = rng_.chance(0.7) ? MX1 : MX2;
                    groups.push_back(g);
                }
                SmGroup& g = groups[it->second];
                g.rcpt.push_back(a);
                g.top.push_back(a);
                g.bounce.push_back(0);
            } else {
                // several recipients at one domain are common (and share one to= line)
                const int dom = last_dom >= 0 && rng_.chance(0.5) ? last_dom : ext_domain();
                last_dom = dom;
                const std::string a = ext_user(dom);
                if (std::find(rcpt.begin(), rcpt.end(), a) != rcpt.end()) continue;
                rcpt.push_back(a);
                auto [it, fresh] = by_dom.try_emplace(dom, groups.size());
                if (fresh) {
                    SmGroup g;
                    g.domain = dom;
                    const ExtDomain& d = ext_[static_cast<std::size_t>(dom)];
                    if (d.greylists) g.defers = 1;
                    else if (rng_.chance(0.04)) g.defers = static_cast<int>(rng_.range(1, 12));
                    groups.push_back(g);
                }
                SmGroup& g = groups[it->second];
                g.rcpt.push_back(a);
                g.top.push_back(a);
                g.bounce.push_back(static_cast<char>(rng_.chance(0.015)));
            }
        }
        if (rcpt.empty()) { // all duplicates: one outside recipient
            const int dom = ext_domain();
            SmGroup g;
            g.domain = dom;
            g.rcpt = {ext_user(dom)};
            g.top = g.rcpt;
            g.bounce = {0};
            rcpt = g.rcpt;
            groups.push_back(g);
        }
        r.sender = env.sender;
        r.message_id = env.msgid;
        r.recipients = rcpt;
        const int cpid = pid(h);
        Hop& hop = new_hop(r, SMTP, sm_qid(h, t, cpid));
        hop.sender_known = true;
        hop.sender = env.sender;
        hop.message_id = env.msgid;
        emit(SMTP, t, &hop, "sm-mta", cpid,
             fmt::format("{}: from=<{}>, size={}, class=0, nrcpts={}, msgid=<{}>, proto=ESMTP, daemon=MTA, relay={} [{}]",
                         hop.qid, env.sender, env.size, rcpt.size(), env.msgid, ws_name, ws_ip));
        const std::int64_t pri = env.size + 30000 * static_cast<std::int64_t>(rcpt.size());
        sm_deliver(hop, r, cpid, env, std::move(groups), pri, true);
        if (rng_.chance(0.04)) relay_reject(t + rng_.range(1, 60 * kSec));
    }

    /// A spammer tries to relay through the Sendmail host: the session's queue ID carries a reject.
    void relay_reject(std::int64_t t) {
        Host& h = hosts_[SMTP];
        Record& r = new_record("reject", -1);
        const int cpid = pid(h);
        Hop& hop = new_hop(r, SMTP, sm_qid(h, t, cpid));
        const int dom = ext_domain();
        const std::string victim = ext_user(dom);
        const std::uint64_t x = rng_.next();
        const std::string ip = ip_of(x);
        std::string dashed = ip;
        std::replace(dashed.begin(), dashed.end(), '.', '-');
        const std::string host = fmt::format("dsl-{}.dyn.{}", dashed, ext_[static_cast<std::size_t>(ext_domain())].name);
        r.sender_known = false;
        r.recipients = {victim};
        r.set_final(victim, "rejected");
        hop.sender_known = false;
        emit(SMTP, t, &hop, "sm-mta", cpid,
             fmt::format("{}: ruleset=check_rcpt, arg1=<{}>, relay={} [{}] (may be forged), reject=550 5.7.1 <{}>... Relaying denied",
                         hop.qid, victim, host, ip, victim));
        hop.status(victim, "rejected");
        emit(SMTP, t + rng_.range(100000, 3 * kSec), nullptr, "sm-mta", cpid,
             fmt::format("{}: lost input channel from {} [{}] (may be forged) to MTA after rcpt", hop.qid, host, ip));
    }

    /// A client rejected before queueing (no transaction): postscreen DNSBL or smtpd NOQUEUE.
    void noqueue_reject(int mx, std::int64_t t) {
        Host& h = hosts_[mx];
        const std::uint64_t x = rng_.next();
        const std::string ip = ip_of(x);
        const int port = static_cast<int>(rng_.range(32768, 60999));
        const int dom = ext_domain();
        const std::string from = fmt::format("{}@{}", rand_token(8, "abcdefghijklmnopqrstuvwxyz"), ext_[static_cast<std::size_t>(dom)].name);
        const bool relay_attempt = rng_.chance(0.3);
        const std::string to = relay_attempt ? "postmaster@" + ext_[static_cast<std::size_t>(dom)].name
                                             : fmt::format("{}@corp.example", rand_token(6, "abcdefghijklmnopqrstuvwxyz"));
        const std::string helo = fmt::format("[{}]", ip);
        emit(mx, t, nullptr, "postfix/postscreen", h.postscreen_pid, fmt::format("CONNECT from [{}]:{} to [{}]:25", ip, port, h.public_ip));
        if (rng_.chance(0.4)) {
            t += rng_.range(100000, 6 * kSec);
            emit(mx, t, nullptr, "postfix/postscreen", h.postscreen_pid, fmt::format("DNSBL rank {} for [{}]:{}", rng_.range(2, 9), ip, port));
            t += rng_.range(100000, 3 * kSec);
            emit(mx, t, nullptr, "postfix/postscreen", h.postscreen_pid,
                 fmt::format("NOQUEUE: reject: RCPT from [{}]:{}: 550 5.7.1 Service unavailable; client [{}] blocked using zen.spamhaus.org; from=<{}>, to=<{}>, proto=ESMTP, helo=<{}>",
                             ip, port, ip, from, to, helo));
            t += rng_.range(10000, 500000);
            emit(mx, t, nullptr, "postfix/postscreen", h.postscreen_pid, fmt::format("DISCONNECT [{}]:{}", ip, port));
            return;
        }
        t += rng_.range(6 * kSec, 7 * kSec);
        emit(mx, t, nullptr, "postfix/postscreen", h.postscreen_pid, fmt::format("PASS NEW [{}]:{}", ip, port));
        const int spid = pid(h);
        t += rng_.range(1000, 100000);
        emit(mx, t, nullptr, "postfix/smtpd", spid, fmt::format("connect from unknown[{}]", ip));
        t += rng_.range(200000, 2 * kSec);
        if (relay_attempt)
            emit(mx, t, nullptr, "postfix/smtpd", spid,
                 fmt::format("NOQUEUE: reject: RCPT from unknown[{}]: 554 5.7.1 <{}>: Relay access denied; from=<{}> to=<{}> proto=ESMTP helo=<{}>",
                             ip, to, from, to, helo));
        else
            emit(mx, t, nullptr, "postfix/smtpd", spid,
                 fmt::format("NOQUEUE: reject: RCPT from unknown[{}]: 550 5.1.1 <{}>: Recipient address rejected: User unknown in virtual mailbox table; from=<{}> to=<{}> proto=ESMTP helo=<{}>",
                             ip, to, from, to, helo));
        t += rng_.range(100000, 900000);
        emit(mx, t, nullptr, "postfix/smtpd", spid,
             fmt::format("disconnect from unknown[{}] ehlo=1 mail=1 rcpt=0/1 rset=1 quit=1 commands=4/5", ip));
    }

    /// Daily cron mail to root: Postfix pickup + local, or Sendmail's MSP + MTA.
    void cron_mail(int host, std::int64_t t) {
        Host& h = hosts_[host];
        Record& r = new_record("local", -1);
        const std::int64_t size = rng_.range(900, 4000);
        if (!h.sendmail) {
            Hop& hop = new_hop(r, host, pf_qid(h, t));
            emit(host, t, &hop, "postfix/pickup", h.pickup_pid, fmt::format("{}: uid=0 from=<root>", hop.qid));
            Civil c = civil_of(t);
            hop.message_id = fmt::format("{:04}{:02}{:02}{:02}{:02}{:02}.{}@{}", c.y, c.m, c.d, c.hh, c.mm, c.ss, hop.qid, h.fqdn);
            r.message_id = hop.message_id;
            r.sender = "root@" + h.fqdn;
            r.recipients = {"root@" + h.fqdn};
            emit(host, t + 3000, &hop, "postfix/cleanup", pid(h), fmt::format("{}: message-id=<{}>", hop.qid, hop.message_id));
            hop.sender_known = true;
            hop.sender = r.sender;
            emit(host, t + 15000, &hop, "postfix/qmgr", h.qmgr_pid,
                 fmt::format("{}: from=<{}>, size={}, nrcpt=1 (queue active)", hop.qid, r.sender, size));
            emit(host, t + 27000, &hop, "postfix/local", pid(h),
                 fmt::format("{}: to=<root@{}>, orig_to=<root>, relay=local, delay=0.03, delays=0.02/0/0/0.01, dsn=2.0.0, status=sent (delivered to mailbox)",
                             hop.qid, h.fqdn));
            hop.status("root@" + h.fqdn, "sent");
            r.set_final("root@" + h.fqdn, "sent");
            emit(host, t + 29000, &hop, "postfix/qmgr", h.qmgr_pid, fmt::format("{}: removed", hop.qid));
            return;
        }
        const int mpid = pid(h);
        const int dpid = pid(h);
        Hop& a = new_hop(r, host, sm_qid(h, t, mpid));
        Hop& b = new_hop(r, host, sm_qid(h, t, dpid));
        const std::string msgid = fmt::format("{:04}{:02}{:02}{:02}{:02}.{}@{}", civil_of(t).y, civil_of(t).m, civil_of(t).d,
                                              civil_of(t).hh, civil_of(t).mm, a.qid, h.fqdn);
        r.sender = "root";
        r.message_id = msgid;
        r.recipients = {"root"};
        a.sender_known = b.sender_known = true;
        a.sender = "root";
        b.sender = "root@" + h.fqdn;
        a.message_id = b.message_id = msgid;
        emit(host, t, &a, "sendmail", mpid,
             fmt::format("{}: from=root, size={}, class=0, nrcpts=1, msgid=<{}>, relay=root@localhost", a.qid, size, msgid));
        emit(host, t + 200000, &b, "sm-mta", dpid,
             fmt::format("{}: from=<root@{}>, size={}, class=0, nrcpts=1, msgid=<{}>, proto=ESMTP, daemon=MTA, relay=localhost [127.0.0.1]",
                         b.qid, h.fqdn, size + 231, msgid));
        emit(host, t + 250000, &a, "sendmail", mpid,
             fmt::format("{}: to=root, ctladdr=root (0/0), delay=00:00:00, xdelay=00:00:00, mailer=relay, pri={}, relay=[127.0.0.1] [127.0.0.1], dsn=2.0.0, stat=Sent ({} Message accepted for delivery)",
                         a.qid, 30000 + size, b.qid));
        a.status("root", "sent");
        const int lpid = pid(h);
        emit(host, t + 300000, &b, "sm-mta", lpid,
             fmt::format("{}: to=root, ctladdr=<root@{}> (0/0), delay=00:00:00, xdelay=00:00:00, mailer=local, pri={}, dsn=2.0.0, stat=Sent",
                         b.qid, h.fqdn, 30231 + size));
        b.status("root", "sent");
        r.set_final("root", "sent");
    }

    /// Other programs' lines and the daily cron mail, for the hour starting at `hour`.
    void noise_hour(std::int64_t hour) {
        const Civil c = civil_of(hour);
        for (int host = 0; host < kHosts; ++host) {
            Host& h = hosts_[host];
            const std::int64_t t = hour + 17 * kMin + rng_.range(0, 900000);
            const int cp = pid(h);
            emit(host, t, nullptr, "CRON", cp, "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)");
            emit(host, t + 3000, nullptr, "CRON", cp + 1, "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)");
            emit(host, t + rng_.range(10000, 90000), nullptr, "CRON", cp, "pam_unix(cron:session): session closed for user root");
            if (c.hh == 6) {
                const std::int64_t td = hour + 25 * kMin + rng_.range(0, 2 * kSec);
                emit(host, td, nullptr, "CRON", cp + 2, "(root) CMD (test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily ))");
                emit(host, td + kMin * 21 / 10, nullptr, "systemd", 1, "Starting Daily apt download activities...");
                emit(host, td + kMin * 21 / 10 + 3 * kSec, nullptr, "systemd", 1, "apt-daily.service: Succeeded.");
                cron_mail(host, td + rng_.range(kSec, 3 * kSec));
            }
            if (rng_.chance(0.15)) {
                const std::int64_t ts = hour + rng_.range(0, kHour - 20 * kMin);
                const int sp = pid(h);
                emit(host, ts, nullptr, "sshd", sp,
                     fmt::format("Accepted publickey for admin from 10.9.0.{} port {} ssh2: ED25519 SHA256:{}", rng_.range(2, 40),
                                 rng_.range(40000, 60000), rand_token(43, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")));
                emit(host, ts + 10000, nullptr, "sshd", sp, "pam_unix(sshd:session): session opened for user admin(uid=1000) by (uid=0)");
                emit(host, ts + rng_.range(kMin, 15 * kMin), nullptr, "sshd", sp, "pam_unix(sshd:session): session closed for user admin");
            }
            if (host == MX1 || host == MX2 || host == SMTP) {
                const int probes = static_cast<int>(rng_.below(4));
                for (int k = 0; k < probes; ++k) {
                    const std::int64_t ts = hour + rng_.range(0, kHour - kMin);
                    const int sp = pid(h);
                    const std::string ip = ip_of(rng_.next());
                    static constexpr std::string_view kUsers[] = {"admin", "test", "oracle", "ubuntu", "user", "git", "postgres"};
                    const std::string_view u = pick(kUsers, rng_.next());
                    const int port = static_cast<int>(rng_.range(30000, 65000));
                    emit(host, ts, nullptr, "sshd", sp, fmt::format("Invalid user {} from {} port {}", u, ip, port));
                    emit(host, ts + rng_.range(100000, 2 * kSec), nullptr, "sshd", sp,
                         fmt::format("Connection closed by invalid user {} {} port {} [preauth]", u, ip, port));
                }
            }
        }
    }

    // --- output -------------------------------------------------------------------------------

    int period_of(std::int64_t t) const {
        const std::int64_t p = (t - o_.start) / (static_cast<std::int64_t>(o_.rotate_days) * kDay);
        return static_cast<int>(std::clamp<std::int64_t>(p, 0, periods_ - 1));
    }

    void open_period(Host& h, int p) {
        if (h.period >= 0) {
            writer_.push(Chunk{h.file, h.gz, true, std::move(h.buf)});
            h.buf.clear();
        }
        h.period = p;
        const int k = periods_ - 1 - p;
        h.gz = k >= 2;
        h.file = o_.out / h.name / (k == 0 ? std::string("mail.log") : k == 1 ? std::string("mail.log.1") : fmt::format("mail.log.{}.gz", k));
    }

    void write_line(Host& h, const Line& l) {
        if (l.t < h.last_written) die(fmt::format("internal error: {} line out of order: {}", h.name, l.text));
        h.last_written = l.t;
        const int p = period_of(l.t);
        if (p != h.period) open_period(h, p);
        const Civil c = civil_of(l.t);
        auto out = std::back_inserter(h.buf);
        const std::size_t before = h.buf.size();
        if (h.style == Style::classic)
            fmt::format_to(out, "{} {:>2} {:02}:{:02}:{:02} ", kMonths[c.m - 1], c.d, c.hh, c.mm, c.ss);
        else
            fmt::format_to(out, "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+00:00 ", c.y, c.m, c.d, c.hh, c.mm, c.ss, c.us);
        h.buf += h.name;
        h.buf += ' ';
        h.buf += l.text;
        h.buf += '\n';
        ++h.lines;
        h.bytes += h.buf.size() - before;
        if (h.buf.size() >= (1 << 22)) {
            writer_.push(Chunk{h.file, h.gz, false, std::move(h.buf)});
            h.buf.clear();
        }
    }

    /// Writes every line logged before `t` (no later message can log earlier than its arrival).
    void flush_before(std::int64_t t) {
        for (Host& h : hosts_) {
            while (!h.heap.empty() && h.heap.front().t < t) {
                std::pop_heap(h.heap.begin(), h.heap.end(), LineLater{});
                write_line(h, h.heap.back());
                h.heap.pop_back();
            }
        }
    }

    void write_records() {
        for (auto& r : pending_records_) write_record(*r);
        pending_records_.clear();
    }

    static void json_str(std::string& o, std::string_view s) {
        o += '"';
        for (char c : s) {
            if (c == '"' || c == '\\') o += '\\';
            o += c;
        }
        o += '"';
    }

    /// One truth line: {"id","kind","parent","sender","message_id","recipients","final",
    /// "hops":[{"host","mta","queue_id","first_us","first_time","last_us","sender","message_id",
    /// "recipients":{rcpt:status},"notification"}]}. "sender" null = not logged; "" = <>.
    void write_record(const Record& r) {
        std::string o;
        o.reserve(1024);
        o += fmt::format("{{\"id\":{},\"kind\":\"{}\"", r.id, r.kind);
        if (r.parent >= 0) o += fmt::format(",\"parent\":{}", r.parent);
        o += ",\"sender\":";
        if (r.sender_known) json_str(o, r.sender);
        else o += "null";
        o += ",\"message_id\":";
        json_str(o, r.message_id);
        o += ",\"recipients\":[";
        for (std::size_t i = 0; i < r.recipients.size(); ++i) {
            if (i) o += ',';
            json_str(o, r.recipients[i]);
        }
        o += "],\"final\":{";
        for (std::size_t i = 0; i < r.final.size(); ++i) {
            if (i) o += ',';
            json_str(o, r.final[i].first);
            o += ':';
            json_str(o, r.final[i].second);
        }
        o += "},\"hops\":[";
        for (std::size_t k = 0; k < r.hops.size(); ++k) {
            const Hop& h = *r.hops[k];
            const Host& host = hosts_[h.host];
            // classic timestamps carry whole seconds only
            const std::int64_t first = host.style == Style::classic ? h.first / kSec * kSec : h.first;
            const std::int64_t last = host.style == Style::classic ? h.last / kSec * kSec : h.last;
            if (k) o += ',';
            o += fmt::format("{{\"host\":\"{}\",\"mta\":\"{}\",\"queue_id\":\"{}\",\"first_us\":{},\"first_time\":\"{}\",\"last_us\":{},\"sender\":",
                             host.name, h.mta, h.qid, first, rfc3339_utc(first), last);
            if (h.sender_known) json_str(o, h.sender);
            else o += "null";
            o += ",\"message_id\":";
            json_str(o, h.message_id);
            o += ",\"recipients\":{";
            for (std::size_t i = 0; i < h.rcpt.size(); ++i) {
                if (i) o += ',';
                json_str(o, h.rcpt[i].first);
                o += ':';
                json_str(o, h.rcpt[i].second);
            }
            o += "},\"notification\":";
            json_str(o, h.notification);
            o += '}';
        }
        o += "]}\n";
        std::fwrite(o.data(), 1, o.size(), truth_);
        ++rec_count_;
    }

    std::vector<std::int64_t> arrivals() {
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

    const Options& o_;
    Rng rng_;
    Writer writer_;
    int periods_ = 1;
    std::array<Host, kHosts> hosts_;
    std::vector<std::string> internal_;
    std::vector<int> forward_;
    std::unique_ptr<Zipf> int_zipf_, ext_zipf_, ws_zipf_;
    std::vector<Zipf> user_zipf_;
    std::vector<ExtDomain> ext_;
    std::unordered_map<std::string, int> ext_index_;
    std::unordered_map<std::string, std::size_t> internal_index_;
    std::vector<std::unique_ptr<Record>> pending_records_;
    std::FILE* truth_ = nullptr;
    std::uint64_t seq_ = 0, next_record_ = 1, rec_count_ = 0, msg_counter_ = 0, qid_collisions_ = 0;

public:
    /// Counts for the summary.
    std::uint64_t records() const { return rec_count_; }
    std::uint64_t qid_collisions() const { return qid_collisions_; }
    const std::array<Host, kHosts>& hosts() const { return hosts_; }
    /// Closes the last files, waits for the writer thread and closes truth.jsonl.
    void finish_output() {
        for (Host& h : hosts_)
            if (h.period >= 0) {
                writer_.push(Chunk{h.file, h.gz, true, std::move(h.buf)});
                h.buf.clear();
            }
        writer_.finish();
        if (std::fclose(truth_) != 0) die("cannot write truth.jsonl");
    }
};

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

// ---------------------------------------------------------------------------------------------

[[noreturn]] void usage(const std::string& why) {
    if (!why.empty()) fmt::print(stderr, "mxtrace-gen: {}\n", why);
    fmt::print(stderr,
               "usage: mxtrace-gen --seed N --messages N --start YYYY-MM-DD --days D --out DIR\n"
               "                   [--rotate-days R] [--gzip-level 1-9] [--quiet]\n"
               "Writes DIR/HOST/mail.log* for hosts mx1, mx2, mbox (Postfix) and smtp (Sendmail),\n"
               "and DIR/truth.jsonl. The same arguments give the same bytes.\n");
    std::exit(2);
}

std::uint64_t to_u64(std::string_view s, std::string_view opt) {
    std::uint64_t v = 0;
    if (s.empty() || s.size() > 19) usage(fmt::format("{} wants a number", opt));
    for (char c : s) {
        if (c < '0' || c > '9') usage(fmt::format("{} wants a number, not '{}'", opt, s));
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
}

} // namespace

/// Parses the options and writes the logs and the truth (see the top of this file).
int main(int argc, char** argv) {
    Options o;
    bool have_start = false;
    std::string out;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto value = [&]() -> std::string_view {
            if (i + 1 >= argc) usage(fmt::format("{} wants a value", a));
            return argv[++i];
        };
        if (a == "--seed") o.seed = to_u64(value(), a);
        else if (a == "--messages") o.messages = to_u64(value(), a);
        else if (a == "--days") o.days = static_cast<int>(std::min<std::uint64_t>(to_u64(value(), a), 100000));
        else if (a == "--rotate-days") o.rotate_days = static_cast<int>(std::min<std::uint64_t>(to_u64(value(), a), 100000));
        else if (a == "--gzip-level") o.gzip_level = static_cast<int>(std::min<std::uint64_t>(to_u64(value(), a), 100));
        else if (a == "--out") out = value();
        else if (a == "--quiet") o.quiet = true;
        else if (a == "--start") {
            const std::string_view s = value();
            if (s.size() != 10 || s[4] != '-' || s[7] != '-') usage("--start wants YYYY-MM-DD");
            const auto y = to_u64(s.substr(0, 4), a), m = to_u64(s.substr(5, 2), a), d = to_u64(s.substr(8, 2), a);
            if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31) usage("--start wants YYYY-MM-DD");
            o.start = days_from_civil(static_cast<std::int64_t>(y), static_cast<unsigned>(m), static_cast<unsigned>(d)) * kDay;
            have_start = true;
        } else if (a == "--help" || a == "-h") {
            usage("");
        } else {
            usage(fmt::format("unknown argument '{}'", a));
        }
    }
    if (!have_start || out.empty()) usage("--start and --out are required");
    if (o.days < 1 || o.rotate_days < 1) usage("--days and --rotate-days must be at least 1");
    if (o.gzip_level < 1 || o.gzip_level > 9) usage("--gzip-level must be 1 to 9");
    o.out = out;
    std::error_code ec;
    fs::create_directories(o.out, ec);
    if (ec) usage(fmt::format("cannot create {}: {}", out, ec.message()));
    for (std::string_view h : {"mx1", "mx2", "mbox", "smtp"}) fs::remove_all(o.out / h, ec);
    {
        const Civil a = civil_of(o.start), b = civil_of(o.start + static_cast<std::int64_t>(o.days + 6) * kDay);
        if (a.y != b.y)
            fmt::print(stderr, "mxtrace-gen: note: the logs cross into {}; classic timestamps (mx2, smtp) carry no year\n", b.y);
    }
    Sim sim(o);
    sim.run();
    sim.finish_output();
    if (!o.quiet) {
        std::uint64_t lines = 0, bytes = 0;
        for (const auto& h : sim.hosts()) {
            lines += h.lines;
            bytes += h.bytes;
        }
        fmt::print(stderr, "mxtrace-gen: {} lines, {} bytes, {} truth records, {} hosts in {}\n", lines, bytes, sim.records(),
                   sim.hosts().size(), out);
    }
    return 0;
}
