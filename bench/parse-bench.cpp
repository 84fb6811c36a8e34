// SPDX-License-Identifier: GPL-3.0-or-later
// parse-bench: lines/s of the ingest stages without storage, on one core.
//
//   parse-bench [--year Y] [--tz ZONE] [--stages read,envelope,parse,reduce] [--json] FILE...
//
// Each stage is one pass over all files and includes the stages before it:
//   read      LineReader only (libarchive, decompression, line splitting)
//   envelope  + SyslogParser (timestamp, host, tag)
//   parse     + parse_mail_line (Postfix/Sendmail shapes into an Event)
//   reduce    + Reducer (events into transactions; the sink drops them; no store, no loader)
// The difference between two stages is the cost of the later one.
#include "mxtrace/base/error.hpp"
#include "mxtrace/mta/events.hpp"
#include "mxtrace/read/input.hpp"
#include "mxtrace/reduce/reducer.hpp"
#include "mxtrace/read/syslog.hpp"
#include "mxtrace/base/timeutil.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace {

enum class Stage { read, envelope, parse, reduce };

struct Result {
    Stage stage;
    std::uint64_t lines = 0, bytes = 0, events = 0, transactions = 0;
    double seconds = 0;
};

std::string_view stage_name(Stage s) {
    switch (s) {
    case Stage::read: return "read";
    case Stage::envelope: return "envelope";
    case Stage::parse: return "parse";
    case Stage::reduce: return "reduce";
    }
    return "";
}

/// Runs one pass over `files` up to and including `stage`.
Result run(Stage stage, const std::vector<std::string>& files, int year, const std::string& tz) {
    Result r;
    r.stage = stage;
    mxtrace::Zone zone(tz);
    mxtrace::SyslogParser syslog(zone, year);
    mxtrace::SyslogLine sl;
    mxtrace::Event ev;
    std::uint64_t dropped = 0;
    mxtrace::Reducer reducer([&dropped](std::unique_ptr<mxtrace::Transaction>) { ++dropped; }, mxtrace::TransactionLoader{});
    mxtrace::Micros newest = INT64_MIN;
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& f : files) {
        mxtrace::LineReader in(f);
        std::string_view line;
        while (in.next(line)) {
            ++r.lines;
            if (stage == Stage::read || line.empty()) continue;
            if (!syslog.parse(line, sl) || stage == Stage::envelope) continue;
            ev.clear();
            if (mxtrace::parse_mail_line(sl.program, sl.message, ev) != mxtrace::LineClass::event) continue;
            ++r.events;
            if (stage == Stage::parse) continue;
            if (sl.time > newest) newest = sl.time;
            reducer.apply(sl.host, sl.time, ev);
            if ((r.events & 0xFFFF) == 0) reducer.evict_idle(newest, mxtrace::Micros{2} * 86400 * mxtrace::kMicrosPerSecond);
        }
        r.bytes += in.offset();
    }
    reducer.flush();
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.transactions = dropped;
    return r;
}

[[noreturn]] void usage(const std::string& why) {
    if (!why.empty()) fmt::print(stderr, "parse-bench: {}\n", why);
    fmt::print(stderr, "usage: parse-bench [--year Y] [--tz ZONE] [--stages read,envelope,parse,reduce] [--json] FILE...\n");
    std::exit(2);
}

} // namespace

/// Parses the options, runs the stages, prints one line (or one JSON object) per stage.
int main(int argc, char** argv) {
    int year = 2024;
    std::string tz = "UTC";
    bool json = false;
    std::vector<Stage> stages = {Stage::read, Stage::envelope, Stage::parse, Stage::reduce};
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(fmt::format("{} wants a value", a));
            return argv[++i];
        };
        if (a == "--year") year = std::stoi(value());
        else if (a == "--tz") tz = value();
        else if (a == "--json") json = true;
        else if (a == "--stages") {
            stages.clear();
            std::string v = value();
            std::size_t p = 0;
            while (p <= v.size()) {
                std::size_t c = v.find(',', p);
                std::string_view s = std::string_view(v).substr(p, c == std::string::npos ? std::string::npos : c - p);
                if (s == "read") stages.push_back(Stage::read);
                else if (s == "envelope") stages.push_back(Stage::envelope);
                else if (s == "parse") stages.push_back(Stage::parse);
                else if (s == "reduce") stages.push_back(Stage::reduce);
                else usage(fmt::format("unknown stage '{}'", s));
                if (c == std::string::npos) break;
                p = c + 1;
            }
        } else if (a.starts_with("--")) usage(fmt::format("unknown option {}", a));
        else files.emplace_back(a);
    }
    if (files.empty()) usage("no input files");
    try {
        for (Stage s : stages) {
            Result r = run(s, files, year, tz);
            const double lps = r.seconds > 0 ? static_cast<double>(r.lines) / r.seconds : 0;
            const double mbs = r.seconds > 0 ? static_cast<double>(r.bytes) / 1e6 / r.seconds : 0;
            if (json)
                fmt::print("{{\"stage\":\"{}\",\"lines\":{},\"bytes\":{},\"events\":{},\"transactions\":{},\"seconds\":{:.3f},\"lines_per_s\":{:.0f},\"mb_per_s\":{:.1f}}}\n",
                           stage_name(s), r.lines, r.bytes, r.events, r.transactions, r.seconds, lps, mbs);
            else
                fmt::print("{:<9} {:>12} lines {:>8.2f} s {:>12.0f} lines/s {:>8.1f} MB/s  events {}  transactions {}\n",
                           stage_name(s), r.lines, r.seconds, lps, mbs, r.events, r.transactions);
            std::fflush(stdout);
        }
    } catch (const mxtrace::Error& e) {
        fmt::print(stderr, "parse-bench: {}\n", e.what());
        return 2;
    }
    return 0;
}
