// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Small string_view helpers shared by the MTA parsers. Internal to the library.
#include "mxtrace/mta/events.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace mxtrace::detail {

inline bool consume(std::string_view& s, std::string_view prefix) {
    if (!s.starts_with(prefix)) return false;
    s.remove_prefix(prefix.size());
    return true;
}

/// Marks `ev` as a line of the MTA that was not understood, for reason `why` (a string literal:
/// the unparsed listing shows it), and returns LineClass::unparsed.
inline LineClass unparsed(Event& ev, const char* why) {
    ev.reason = why;
    return LineClass::unparsed;
}

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/// Reads a decimal integer; false if `s` is empty or holds a non-digit.
inline bool to_int(std::string_view s, std::int64_t& out) {
    if (s.empty() || s.size() > 18) return false;
    std::int64_t v = 0;
    for (char c : s) {
        if (!is_digit(c)) return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

/// Reads a decimal number such as "0.35" or "2017"; false if malformed.
inline bool to_seconds(std::string_view s, double& out) {
    if (s.empty() || !is_digit(s[0])) return false;
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::fixed);
    if (ec != std::errc() || p != s.data() + s.size()) return false;
    out = v;
    return true;
}

/// Strips one pair of surrounding angle brackets.
inline std::string_view strip_angle(std::string_view s) {
    if (s.size() >= 2 && s.front() == '<' && s.back() == '>') return s.substr(1, s.size() - 2);
    return s;
}

/// Looks for the next ", key=" separator in `s` at or after `from`, where key is [a-z][a-z0-9_-]*.
/// Returns its position or npos.
inline std::size_t find_kv_sep(std::string_view s, std::size_t from = 0) {
    for (std::size_t i = s.find(", ", from); i != std::string_view::npos; i = s.find(", ", i + 1)) {
        std::size_t j = i + 2;
        if (j >= s.size() || s[j] < 'a' || s[j] > 'z') continue;
        while (j < s.size() && ((s[j] >= 'a' && s[j] <= 'z') || is_digit(s[j]) || s[j] == '_' || s[j] == '-')) ++j;
        if (j > i + 2 && j < s.size() && s[j] == '=') return i;
    }
    return std::string_view::npos;
}

/// Iterates "key=value, key=value" lists as Postfix and Sendmail write them. A value runs to
/// the next ", key=" (so it may hold commas), except a value starting with '<' which runs to
/// its matching '>' when that is followed by ", " or the end.
class KvScanner {
public:
    explicit KvScanner(std::string_view s) : s_(s) {}
    bool next(std::string_view& key, std::string_view& value) {
        if (s_.empty()) return false;
        std::size_t eq = 0;
        while (eq < s_.size() && s_[eq] != '=' && s_[eq] != ' ' && s_[eq] != ',') ++eq;
        if (eq >= s_.size() || s_[eq] != '=' || eq == 0) return false;
        key = s_.substr(0, eq);
        std::string_view rest = s_.substr(eq + 1);
        std::size_t end = find_kv_sep(rest);
        value = rest.substr(0, end);
        s_ = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 2);
        return true;
    }
    /// What is left, for keys whose value is the rest of the line.
    std::string_view rest() const { return s_; }

private:
    std::string_view s_;
};

/// True if `a` is the address part of a client or relay: an IPv4 address in dotted quad form
/// ("192.0.2.25", each part 0..255), an IPv6 address as inet_pton(3) reads it ("2001:db8::1",
/// "::ffff:192.0.2.1"), with an optional "%zone" ("fe80::1%eth0") or Sendmail's "IPv6:" prefix,
/// or Postfix's "unknown" (no address known).
inline bool looks_like_ip(std::string_view a) {
    if (a == "unknown") return true;
    if (a.starts_with("IPv6:") || a.starts_with("ipv6:")) a.remove_prefix(5);
    if (a.empty()) return false;
    if (a.find(':') == std::string_view::npos) {
        // IPv4: four parts of 1 to 3 digits, each at most 255
        int groups = 0;
        std::size_t n = 0;
        unsigned v = 0;
        for (char c : a) {
            if (is_digit(c)) {
                v = v * 10 + static_cast<unsigned>(c - '0');
                if (++n > 3 || v > 255) return false;
            } else if (c == '.' && n > 0) {
                ++groups;
                n = 0;
                v = 0;
            } else {
                return false;
            }
        }
        return n > 0 && groups == 3;
    }
    // IPv6, then an optional "%zone" (an interface name or number)
    const std::size_t pct = a.find('%');
    if (pct != std::string_view::npos) {
        const std::string_view zone = a.substr(pct + 1);
        if (zone.empty()) return false;
        for (char c : zone)
            if (!(is_alnum(c) || c == '.' || c == '_' || c == '-')) return false;
        a = a.substr(0, pct);
    }
    char buf[INET6_ADDRSTRLEN + 1];
    if (a.size() >= sizeof buf) return false;
    std::memcpy(buf, a.data(), a.size());
    buf[a.size()] = '\0';
    in6_addr bin;
    return inet_pton(AF_INET6, buf, &bin) == 1;
}

/// Splits "name[addr]", "name[addr]:port" (Postfix) and "name [addr]", "[addr]" (Sendmail, its
/// " (may be forged)" already cut) into name (trailing blanks dropped) and addr. The address is
/// the LAST bracketed part, and only when it ends the value (or is followed by ":port" only) and
/// looks like an address (looks_like_ip()): "a[b].example.org[192.0.2.25]" is name
/// "a[b].example.org", address "192.0.2.25". Otherwise (no brackets, a cut "name[addr", a bracket
/// that holds no address) the whole value is the name and addr is empty.
inline void split_host_addr(std::string_view s, std::string_view& name, std::string_view& addr) {
    name = s;
    addr = {};
    std::size_t rb = std::string_view::npos;
    if (s.ends_with(']')) {
        rb = s.size() - 1;
    } else if (std::size_t c = s.rfind("]:"); c != std::string_view::npos && c + 2 < s.size()) {
        bool port = true;
        for (char ch : s.substr(c + 2)) port = port && is_digit(ch);
        if (port) rb = c;
    }
    if (rb == std::string_view::npos) return;
    std::size_t lb = s.rfind('[', rb);
    if (lb == std::string_view::npos) return;
    std::string_view a = s.substr(lb + 1, rb - lb - 1);
    if (!looks_like_ip(a)) return;
    addr = a;
    name = s.substr(0, lb);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
}

/// Finds an RFC 3463 enhanced status code ("5.1.1") in free text; empty if none.
inline std::string_view find_dsn(std::string_view text) {
    for (std::size_t i = 0; i + 4 < text.size(); ++i) {
        char c = text[i];
        if ((c == '2' || c == '4' || c == '5') && text[i + 1] == '.' && is_digit(text[i + 2]) &&
            (i == 0 || text[i - 1] == ' ' || text[i - 1] == '(' || text[i - 1] == '-')) {
            std::size_t j = i + 2;
            while (j < text.size() && is_digit(text[j]) && j < i + 5) ++j;
            if (j < text.size() && text[j] == '.' && j + 1 < text.size() && is_digit(text[j + 1])) {
                std::size_t k = j + 1;
                while (k < text.size() && is_digit(text[k]) && k < j + 4) ++k;
                if (k == text.size() || text[k] == ' ' || text[k] == ')' || text[k] == ';' || text[k] == ',')
                    return text.substr(i, k - i);
            }
        }
    }
    return {};
}

/// The SMTP reply code of a reject text: the first "[245]NN" that starts the text or follows
/// ": " or "=" and is followed by a blank or '-' ("RCPT from x[ip]: 554 5.7.1 ...",
/// "reject=550 5.7.1 ...", "... HELO x: 550 5.7.1 ..."); empty if none (Postfix header/body
/// checks and Exim "rejected RCPT <x>: Unrouteable address" log only text).
inline std::string_view find_reply_code(std::string_view text) {
    for (std::size_t i = 0; i + 3 < text.size(); ++i) {
        char c = text[i];
        if ((c != '2' && c != '4' && c != '5') || !is_digit(text[i + 1]) || !is_digit(text[i + 2])) continue;
        if (text[i + 3] != ' ' && text[i + 3] != '-') continue;
        if (i == 0 || text[i - 1] == '=' || (i >= 2 && text[i - 1] == ' ' && text[i - 2] == ':'))
            return text.substr(i, 3);
    }
    return {};
}

} // namespace mxtrace::detail
