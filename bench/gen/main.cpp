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
//
// The parts: main.cpp (options), random.hpp (PRNG, Zipf), civil.hpp, names.hpp, model.hpp (types),
// sim.hpp (class Sim) with sim.cpp, postfix.cpp, mailbox.cpp, sendmail.cpp, traffic.cpp, rotate.cpp,
// truth.cpp, and writer.hpp (the writer thread).
#include "sim.hpp"

namespace mxgen {


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

} // namespace mxgen

using namespace mxgen;

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
