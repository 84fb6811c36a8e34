// SPDX-License-Identifier: GPL-3.0-or-later
// query-bench: latency of Store::search in one process (no process start, no printing).
//
//   query-bench --db DIR [--rounds N] QUERY_FILE
//
// QUERY_FILE has one query per line: KIND, then TAB-separated key=value filters:
//   from, to, msgid, host, qid, status, text, since, until (RFC 3339 / "YYYY-MM-DD HH:MM:SS", UTC), max,
//   query (a query string of mxtrace-query(7), its dates read in UTC; parsed on every run, as the CLI does).
// Every query is run once to warm the caches, then N rounds (default 1) are timed. Prints one JSON
// object per kind: {"kind","queries","median_ms","p99_ms","mean_results"}.
#include "mxtrace/base/error.hpp"
#include "mxtrace/store/store.hpp"
#include "mxtrace/base/timeutil.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace {

struct Query {
    std::string kind;
    mxtrace::SearchFilter filter;
};

std::vector<Query> read_queries(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw mxtrace::Error(mxtrace::ExitCode::usage, fmt::format("cannot read {}", path));
    mxtrace::Zone utc("UTC");
    std::vector<Query> out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        Query q;
        std::size_t p = line.find('\t');
        q.kind = line.substr(0, p);
        while (p != std::string::npos) {
            std::size_t e = line.find('\t', p + 1);
            std::string kv = line.substr(p + 1, e == std::string::npos ? std::string::npos : e - p - 1);
            p = e;
            std::size_t eq = kv.find('=');
            if (eq == std::string::npos) continue;
            std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
            auto& f = q.filter;
            if (k == "from") f.from = v;
            else if (k == "to") f.to = v;
            else if (k == "msgid") f.message_id = v;
            else if (k == "host") f.host = v;
            else if (k == "qid") f.queue_id = v;
            else if (k == "status") f.status = mxtrace::status_from_name(v);
            else if (k == "text") f.text = v;
            else if (k == "since") f.since = mxtrace::parse_user_time(v, false, utc);
            else if (k == "until") f.until = mxtrace::parse_user_time(v, true, utc);
            else if (k == "max") f.max_results = std::stoul(v);
            else if (k == "query") {
                f.query = v;
                f.zone = "UTC";
            }
        }
        out.push_back(std::move(q));
    }
    return out;
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    std::size_t i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

} // namespace

/// Runs the queries of QUERY_FILE against the index in --db and prints latency per kind.
int main(int argc, char** argv) {
    std::string db, file;
    int rounds = 1;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--db" && i + 1 < argc) db = argv[++i];
        else if (a == "--rounds" && i + 1 < argc) rounds = std::max(1, std::stoi(argv[++i]));
        else file = a;
    }
    if (db.empty() || file.empty()) {
        fmt::print(stderr, "usage: query-bench --db DIR [--rounds N] QUERY_FILE\n");
        return 2;
    }
    try {
        auto queries = read_queries(file);
        mxtrace::Store store(db, mxtrace::Store::Mode::read);
        for (const auto& q : queries) (void)store.search(q.filter); // warm
        std::map<std::string, std::vector<double>> ms;
        std::map<std::string, std::uint64_t> results;
        for (int r = 0; r < rounds; ++r) {
            for (const auto& q : queries) {
                const auto t0 = std::chrono::steady_clock::now();
                auto found = store.search(q.filter);
                const double d = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
                ms[q.kind].push_back(d);
                results[q.kind] += found.size();
            }
        }
        for (const auto& [kind, v] : ms)
            fmt::print("{{\"kind\":\"{}\",\"queries\":{},\"median_ms\":{:.3f},\"p99_ms\":{:.3f},\"mean_results\":{:.1f}}}\n", kind,
                       v.size(), percentile(v, 0.5), percentile(v, 0.99),
                       static_cast<double>(results[kind]) / static_cast<double>(v.size()));
    } catch (const mxtrace::Error& e) {
        fmt::print(stderr, "query-bench: {}\n", e.what());
        return static_cast<int>(e.code());
    }
    return 0;
}
