// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
/// @file output.hpp
/// Printers for transactions. Every string that comes from a log is escaped: control
/// characters and bytes that are not valid UTF-8 become "\xNN" (text) or "\u00NN"/"\xNN" (JSON),
/// so a hostile log line cannot drive the terminal.
#include "mxtrace/base/timeutil.hpp"
#include "mxtrace/output/columns.hpp"
#include "mxtrace/reduce/transaction.hpp"
#include "mxtrace/store/store.hpp"

#include <span>
#include <string>
#include <string_view>

namespace mxtrace {

/// Appends `s` to `out` with C0 controls, DEL, C1 controls and invalid UTF-8 bytes written as \xNN,
/// and a backslash of the log doubled (\\), so "\xff" in the output can only mean the byte 0xff.
void escape_text(std::string_view s, std::string& out);

/// Like escape_text but a backslash is left as it is: for diagnostics (error messages, the query
/// description of --explain) that may already hold \xNN escapes of their own, never for log content
/// in the output formats.
void escape_message(std::string_view s, std::string& out);

/// Appends `s` to `out` as a JSON string body (no quotes): RFC 8259 escapes for '"' and
/// controls (\n, \t, \u00NN); bytes that are not valid UTF-8 are written as the six characters
/// "\\xNN" (decoded: a backslash, x, two hex digits) so the output stays valid UTF-8, and a
/// backslash of the log as "\\\\" (decoded: two backslashes), the rule of escape_text.
void escape_json(std::string_view s, std::string& out);

/// The transaction block of the classic search script:
/// transaction:, client:, from:, msgid:, date:, one to: line per attempt, then status: (the
/// summary status and the transaction's other fields, so the block shows every field JSON has:
/// complete, size, nrcpt, last_time, notification_queue_id, mta, id), host:, then a blank line.
/// Times are shown in `zone` (UTC when null) as "YYYY-MM-DD HH:MM:SS".
std::string format_text(const Transaction& t, Zone* zone);

/// The same block with the transaction's original lines (Store::raw_lines()) after its host:
/// line, one "PATH:LINE: TEXT" line each (append_raw_text), then the blank line.
std::string format_text(const Transaction& t, Zone* zone, std::span<const SourceLine> raw, bool verbatim);

/// Appends original log lines, one "PATH:LINE: TEXT\n" each. PATH and TEXT are escaped with
/// escape_text, except that with `verbatim` TEXT is written byte for byte (control characters
/// included): the one documented exception to escaping (--verbatim, for evidence files).
void append_raw_text(std::span<const SourceLine> raw, std::string& out, bool verbatim);

/// Appends original log lines as a JSON array (no key):
/// [{"path":"...","line":N,"fingerprint":"HASH/LEN","text":"..."},...], strings escaped with escape_json.
void append_raw_json(std::span<const SourceLine> raw, std::string& out);

/// One JSON object on one line (with "\n"), schema documented in mxtrace-search(1):
/// times are RFC 3339 UTC strings, unknown numbers are null. Every column of columns(), in
/// table order: the same as format_json(t, all_fields()).
std::string format_json(const Transaction& t);

/// One JSON object on one line with only the members `fields` name, in their order: the
/// transaction's members; the "client" object where its first member is named (with the named
/// members); the "attempts" array where the first attempt column is named, each attempt object
/// holding the named attempt members. No "attempts" key if no attempt column is named.
std::string format_json(const Transaction& t, const Fields& fields);
/// The same object with one more member, "raw": its original lines (append_raw_json).
std::string format_json(const Transaction& t, std::span<const SourceLine> raw);

} // namespace mxtrace
