// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// mxtrace-gen: the simulated world's types (hosts, hops, records, routes, options) and
// the MTAs' number formats.
#include "common.hpp"

namespace mxgen {

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
inline std::string pf_secs(std::int64_t us) {
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
inline std::string sm_delay(std::int64_t us) {
    std::int64_t s = us / kSec;
    if (s >= 86400) return fmt::format("{}+{:02}:{:02}:{:02}", s / 86400, s / 3600 % 24, s / 60 % 60, s % 60);
    return fmt::format("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
}

inline constexpr std::string_view kQidChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx";


} // namespace mxgen
