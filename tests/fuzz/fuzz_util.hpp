// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Helpers shared by the libFuzzer targets of tests/fuzz (see README.md there).
// The targets read the fuzzer's buffer in place (no copy), so that AddressSanitizer reports a
// parser that reads one byte beyond the line it was given.
#include "mxtrace/mta/events.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string_view>

namespace mxtrace::fuzz {

/// The fuzzer's input as a view.
inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

/// Splits off the first line of `s` (without its '\n'); `s` keeps the rest. Without a '\n' the
/// whole of `s` is the line and `s` becomes empty.
inline std::string_view next_line(std::string_view& s) {
    const auto nl = s.find('\n');
    std::string_view line = s.substr(0, nl);
    s = nl == std::string_view::npos ? std::string_view{} : s.substr(nl + 1);
    return line;
}

/// Where touch() results go, so that the compiler keeps the reads.
inline volatile unsigned g_sink = 0;

/// Reads every byte of `v` (so ASan checks the view is inside live memory) into `sink`.
inline void touch(std::string_view v, unsigned& sink) {
    for (char c : v) sink = sink * 31 + static_cast<unsigned char>(c);
}

/// Aborts with a message (libFuzzer keeps the input as a crash).
[[noreturn]] inline void fail(const char* what) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
}

/// Checks what every parsed line must satisfy, and reads every view the parser set.
inline void check_event(LineClass c, const Event& ev) {
    unsigned sink = 0;
    for (std::string_view v : {ev.queue_id, ev.sender, ev.client_name, ev.client_ip, ev.sasl_username, ev.message_id,
                               ev.orig_recipient, ev.relay, ev.dsn, ev.text, ev.child_queue_id})
        touch(v, sink);
    for (std::string_view r : ev.recipients) touch(r, sink);
    if (c == LineClass::event) {
        if (ev.shape == Shape::unknown || ev.shape >= Shape::count_) fail("an event without a known shape");
        // a content filter's verdict (amavis, rspamd, opendkim) names an MTA's queue ID without
        // saying which MTA: it alone may have none
        if (ev.mta == Mta::none && ev.kind != EventKind::verdict) fail("an event without an MTA");
        if (ev.queue_id.empty()) fail("an event without a queue ID");
        if (shape_name(ev.shape).empty()) fail("a shape without a name");
    }
    g_sink = sink;
}

} // namespace mxtrace::fuzz
