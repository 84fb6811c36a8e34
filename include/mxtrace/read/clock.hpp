// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file clock.hpp
/// The true instant of classic syslog lines, which carry neither year nor zone.
///
/// Per input file, a FileClock keeps the year (where it came from, how sure it is) and turns each
/// classic timestamp into UTC:
///  - the year of the first line comes, in this order, from -y; from the data (an RFC 3339 line, a
///    Sendmail queue ID or a Postfix long queue ID near the start: they encode the queueing time
///    in UTC); from the file's mtime (the year that puts the first line at or before it); for
///    standard input from the current date (the same rule);
///  - time moves forward: a jump back of more than two days whose next-year reading is close
///    after the previous line starts the next year (Dec 31 -> Jan 1); a line that reads as far
///    ahead while its previous-year reading is just before is a straggler of the previous year;
///    small backward steps never change the year; a line beyond now (+1 day) is put a year back;
///  - the zone's DST overlap is resolved by line order: the earlier offset first, the later one
///    once the earlier reading would go back in time by more than ten minutes.
/// Queue IDs seen later are checked against the result: a year or UTC offset that disagrees is
/// reported once per file, naming the line.
#include "mxtrace/read/syslog.hpp"
#include "mxtrace/base/timeutil.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mxtrace {

/// Where the year of a file's classic lines came from.
enum class YearSource : std::uint8_t { none, flag, data, mtime, now };

/// "none", "flag", "data", "mtime", "now".
std::string_view year_source_name(YearSource s) noexcept;
YearSource year_source_from_name(std::string_view s) noexcept;

/// The clock's state, kept with the input's checkpoint so a later run resumes it.
struct ClockState {
    YearSource source = YearSource::none; ///< none until the first classic line
    int first_year = 0;                   ///< year of the file's first classic line
    int year = 0;                         ///< year of the latest classic line (after roll-overs)
    Micros prev = INT64_MIN;              ///< UTC instant of the latest line (classic or RFC 3339)
    std::string evidence;                 ///< e.g. "queue ID pBFERI8l019936 on line 2", "mtime 2011-12-17"
    std::string offset_note;              ///< UTC offset derived from queue IDs, e.g. "+01:00 (agrees)"
};

/// UTC instant encoded in a Sendmail queue ID (YMDhms in base 60, year = 1900 + Y mod 60 taken
/// nearest to `near_year`), or nullopt if `qid` is not one. sendmail/queue.c queueid().
std::optional<Micros> sendmail_qid_time(std::string_view qid, int near_year);

/// UTC instant (microseconds) encoded in a Postfix long queue ID (enable_long_queue_ids:
/// 6 base-52 digits of seconds, 4 of microseconds, 'z', inode), or nullopt for short IDs.
/// Postfix global/mail_queue.h MQID_LG_*.
std::optional<Micros> postfix_long_qid_time(std::string_view qid);

/// The clock of one input. Not thread-safe.
class FileClock {
public:
    /// `zone` reads classic times. With `state.source == none` the year is chosen on the first
    /// classic line (see infer()); otherwise it goes on from `state` (a resumed input).
    /// `now`: the wall clock, for the future guard.
    FileClock(Zone& zone, ClockState state, Micros now);

    /// Chooses the year of the first classic line from the head of the input (its first lines):
    /// `flag` if given; else data evidence in the head; else the year that puts the first
    /// classic line at or before `limit` (the file's mtime, or now for stdin; `limit_source`
    /// says which). `warn(message)` is called for a disagreement between -y and the data.
    static ClockState infer(std::string_view head, Zone& zone, std::optional<int> flag, Micros limit,
                            YearSource limit_source, const std::string& path,
                            const std::function<void(const std::string&)>& warn);

    /// UTC instant of a classic line (l.classic must be true); updates the state.
    Micros classic(const SyslogLine& l);

    /// Notes a line that carried its own instant (RFC 3339): the year follows it.
    void dated(Micros utc);

    /// Checks the line just converted against the queue ID it names, when the line is one that
    /// is written at queueing time (Sendmail from=, Postfix client=/pickup/cleanup). Returns a
    /// warning (once per file and kind) or an empty string.
    std::string check_queue_id(std::string_view qid, bool sendmail, Micros line_utc, std::uint64_t line_no,
                               const std::string& path);

    const ClockState& state() const noexcept { return st_; }

private:
    Micros to_utc(int year, const SyslogLine& l);
    Zone& zone_;
    ClockState st_;
    Micros now_;
    bool warned_year_ = false, warned_offset_ = false, checked_offset_ = false;
};

} // namespace mxtrace
