// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file syslog.hpp
/// The syslog envelope: the timestamp, host and tag in front of every log line.
/// Two forms are read:
///  - classic BSD syslog (RFC 3164 as written by syslogd/rsyslog's default template):
///    `Mmm dd hh:mm:ss host program[pid]: message`, local time of the logging host, no year;
///  - rsyslog's RFC 3339 form (RSYSLOG_FileFormat):
///    `2023-03-14T00:08:35.948047+01:00 host program[pid]: message`.
#include "mxtrace/base/timeutil.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace mxtrace {

/// One log line split into its envelope fields. All views point into the input line.
struct SyslogLine {
    Micros time = 0;              ///< the instant, UTC
    bool has_year = false;        ///< true when the line carried its own year and offset (RFC 3339)
    std::string_view host;        ///< the logging host as written
    std::string_view program;     ///< the tag without pid, e.g. "postfix/smtpd", "sm-mta"; may be empty
    std::string_view pid;         ///< digits between [ and ], or empty
    std::string_view message;     ///< everything after "program[pid]: "
    // the wall-clock fields of a classic line (has_year false), for FileClock
    unsigned char mon = 0, day = 0;  ///< 1..12, 1..31
    std::int32_t sod = 0;            ///< seconds of the day, 0..86400
    Micros frac = 0;                 ///< microseconds
};

/// Parses the envelope of log lines. Not thread-safe (it caches zone offsets).
class SyslogParser {
public:
    /// `zone` reads classic (zone-less) timestamps; `year` is the year given to them. With
    /// year 0 a classic line only gets its wall-clock fields (mon, day, sod, frac) and time 0:
    /// the caller dates it (the indexer's FileClock), and nothing is converted twice.
    SyslogParser(Zone& zone, int year) : zone_(zone), year_(year) {}

    /// Splits `line` (without its newline) into `out`. Returns false when the line does not
    /// start with a timestamp in one of the two forms followed by a host.
    bool parse(std::string_view line, SyslogLine& out);

    /// Splits a line of Exim's own main log (/var/log/exim4/mainlog):
    /// `YYYY-MM-DD HH:MM:SS[.fff] [+-hhmm] [[pid]] message` (+millisec adds the fraction,
    /// log_timezone the offset, +pid the pid). Without an offset the time is local in the zone
    /// given to the constructor (--tz). The line names no host: `out.host` is left empty for the
    /// caller to fill (--host); `out.program` is "exim". False if the stamp is not there.
    bool parse_exim_mainlog(std::string_view line, SyslogLine& out);

    /// True if `line` has the shape of an Exim main log line rather than a syslog line with a
    /// date ("2019-10-22 03:39:17 mx1 exim[29786]: ..."): the stamp is followed by "[pid] ", an
    /// Exim message ID, or words that are not "host program[pid]:".
    static bool is_exim_mainlog(std::string_view line) noexcept;

private:
    bool parse_classic(std::string_view& s, SyslogLine& out);
    bool parse_rfc3339(std::string_view& s, SyslogLine& out);
    Zone& zone_;
    int year_;
};

/// The most lines one rsyslog "message repeated N times" line may stand for: a larger N is not
/// applied (a short line must not make millions of records) but listed as unparsed.
constexpr std::uint64_t kMaxRepeat = 1000;

/// What rsyslog_repeat() found in a syslog message. `inner` points into the message given.
struct Repeat {
    enum class Kind { none, ok, bad };
    Kind kind = Kind::none;
    std::uint64_t times = 0;  ///< N (ok: 1..kMaxRepeat; bad: as logged, UINT64_MAX if larger, 0 if none)
    std::string_view inner;   ///< TEXT, its leading blank dropped (ok only)
    std::string reason;       ///< why a "message repeated" line is not applied (bad only)
};

/// rsyslog's reduction "message repeated N times: [ TEXT]" (rsyslog's own text; it cuts TEXT at
/// 800 bytes). Kind::none if `msg` does not start with "message repeated "; Kind::ok with N and
/// TEXT for a well-formed one with 1 <= N <= kMaxRepeat; Kind::bad with a reason otherwise (no
/// count or a signed one, N = 0, N over kMaxRepeat, no " times: [", no closing ']', nothing or
/// only blanks between the brackets, or a "message repeated" line inside one).
Repeat rsyslog_repeat(std::string_view msg);

} // namespace mxtrace
