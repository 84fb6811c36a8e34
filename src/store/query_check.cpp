// SPDX-License-Identifier: GPL-3.0-or-later
// The query language's checker and value forms, without Xapian. See mxtrace/store/query.hpp
// and man/mxtrace-query.7.
#include "mxtrace/store/query.hpp"

#include "mxtrace/base/error.hpp"
#include "mxtrace/mta/events.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <cstring>

namespace mxtrace {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_ident(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }

/// One byte of the query as echoed: control characters as \xNN.
std::string shown(unsigned char c) {
    if (c < 0x20 || c == 0x7f) return fmt::format("\\x{:02x}", c);
    return std::string(1, static_cast<char>(c));
}

/// Columns a byte takes when echoed (UTF-8 continuation bytes: none).
std::size_t width(unsigned char c) {
    if (c < 0x20 || c == 0x7f) return 4;
    if ((c & 0xC0) == 0x80) return 0;
    return 1;
}

/// Length of the valid UTF-8 sequence at s[i] (RFC 3629: no overlongs, surrogates or values
/// above U+10FFFF), or 0 if the bytes there are not UTF-8.
std::size_t utf8_len(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) return 1;
    std::size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
    const auto c1 = static_cast<unsigned char>(s[i + 1]);
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F))
        return 0;
    return n;
}

/// True if the valid UTF-8 sequence of `n` bytes at s[i] is a C1 control (U+0080..U+009F; 0x9b
/// is CSI) or a bidirectional override or isolate, which a terminal would act on rather than show.
bool hidden_control(std::string_view s, std::size_t i, std::size_t n) {
    if (n < 2) return false;
    unsigned cp = static_cast<unsigned char>(s[i]) & (0x7Fu >> n);
    for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    return cp <= 0x9F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
           cp == 0x200F;
}

/// A control character Xapian reads as the end of an unquoted value (it ends a boolean value at
/// any byte below ' '), other than the white space the checker reads as a separator.
bool is_control(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 && !is_space(c);
}

const char* kDateHint =
    "a date range is date:A..B, date:A.. or date:..B, or one date:A; A and B are YYYY-MM-DD[THH:MM[:SS]] "
    "(optionally with Z or +HH:MM), or relative: -2h, -30m, -3d, -1w, now, today, yesterday";

} // namespace

void throw_query_error(std::string_view query, std::size_t pos, std::size_t len, std::string_view what,
                       std::string_view hint) {
    if (pos > query.size()) pos = query.size();
    // a long query is echoed around the place only (a 100000-byte query gave 200 kB of echo and carets)
    constexpr std::size_t kContext = 60;
    std::size_t from = 0, to = query.size();
    if (query.size() > 3 * kContext) {
        from = pos > kContext ? pos - kContext : 0;
        to = std::min(query.size(), pos + std::min<std::size_t>(std::max<std::size_t>(len, 1), kContext) + kContext);
        auto inside = [&](std::size_t b) { return b < query.size() && (static_cast<unsigned char>(query[b]) & 0xC0) == 0x80; };
        while (from > 0 && inside(from)) --from; // whole characters only
        while (inside(to)) ++to;
    }
    std::string echo = from > 0 ? "  ..." : "  ", carets = from > 0 ? "     " : "  ";
    for (std::size_t i = from; i < to;) {
        const auto c = static_cast<unsigned char>(query[i]);
        const bool under = i >= pos && (i < pos + len || (len == 0 && i == pos));
        const std::size_t n = utf8_len(query, i);
        if (n == 0 || hidden_control(query, i, n)) { // never raw to the terminal
            for (std::size_t k = 0; k < std::max<std::size_t>(n, 1); ++k)
                echo += fmt::format("\\x{:02x}", static_cast<unsigned char>(query[i + k]));
            carets.append(4 * std::max<std::size_t>(n, 1), under ? '^' : ' ');
            i += std::max<std::size_t>(n, 1);
            continue;
        }
        if (n > 1) { // one character, one column (wide East Asian characters take two: not counted)
            echo.append(query.substr(i, n));
            carets.append(1, under ? '^' : ' ');
            i += n;
            continue;
        }
        echo += shown(c);
        carets.append(width(c), under ? '^' : ' ');
        ++i;
    }
    if (pos >= query.size()) carets += '^'; // at the end
    if (to < query.size()) echo += "...";
    while (!carets.empty() && carets.back() == ' ') carets.pop_back();
    throw Error(ExitCode::usage, fmt::format("bad query: {} (at byte {})", what, pos + 1), std::string(hint),
                echo + "\n" + carets + "\n");
}

std::optional<IpBytes> parse_ip(std::string_view s) {
    if (s.size() > 5 && (s.substr(0, 5) == "IPv6:" || s.substr(0, 5) == "ipv6:")) s.remove_prefix(5);
    if (s.empty() || s.size() > 64) return std::nullopt;
    char buf[65];
    std::memcpy(buf, s.data(), s.size());
    buf[s.size()] = '\0';
    IpBytes out{};
    if (s.find(':') == std::string_view::npos) {
        unsigned char v4[4];
        if (inet_pton(AF_INET, buf, v4) != 1) return std::nullopt;
        out[10] = out[11] = 0xff;
        std::memcpy(out.data() + 12, v4, 4);
        return out;
    }
    if (inet_pton(AF_INET6, buf, out.data()) != 1) return std::nullopt;
    return out;
}

std::string ip_text(const IpBytes& a) {
    char buf[INET6_ADDRSTRLEN];
    static constexpr unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a.data(), mapped, 12) == 0) {
        inet_ntop(AF_INET, a.data() + 12, buf, sizeof buf);
        return buf;
    }
    inet_ntop(AF_INET6, a.data(), buf, sizeof buf);
    return buf;
}

std::optional<IpRange> parse_cidr(std::string_view s) {
    std::size_t slash = s.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto addr = parse_ip(s.substr(0, slash));
    std::string_view len_text = s.substr(slash + 1);
    if (!addr || len_text.empty() || len_text.size() > 3) return std::nullopt;
    unsigned len = 0;
    for (char c : len_text) {
        if (c < '0' || c > '9') return std::nullopt;
        len = len * 10 + static_cast<unsigned>(c - '0');
    }
    std::string_view addr_text = s.substr(0, slash);
    if (addr_text.size() > 5 && (addr_text.substr(0, 5) == "IPv6:" || addr_text.substr(0, 5) == "ipv6:"))
        addr_text.remove_prefix(5); // IPv6:192.0.2.1/24 is an IPv4 network, as parse_ip reads it
    const bool v4 = addr_text.find(':') == std::string_view::npos;
    if (len > (v4 ? 32u : 128u)) return std::nullopt;
    if (v4) len += 96;
    IpRange r;
    for (unsigned i = 0; i < 16; ++i) {
        const unsigned bits = len > i * 8 ? std::min(8u, len - i * 8) : 0;
        const auto mask = static_cast<unsigned char>(bits == 0 ? 0 : (0xff << (8 - bits)) & 0xff);
        r.lo[i] = static_cast<unsigned char>((*addr)[i] & mask);
        r.hi[i] = static_cast<unsigned char>((*addr)[i] | static_cast<unsigned char>(~mask));
    }
    return r;
}

std::optional<TimeRange> parse_time_range(std::string_view value, Zone& zone, Micros now, std::string* error,
                                          std::size_t* error_at) {
    auto bound = [&](std::string_view text, std::size_t at, bool upper) -> std::optional<Micros> {
        std::string_view t = text;
        // "-2d" reads as "2d" (2 days before now): the minus only makes the direction visible
        if (t.size() >= 3 && t[0] == '-' && t[1] >= '0' && t[1] <= '9') t.remove_prefix(1);
        try {
            return parse_user_time(t, upper, zone, now);
        } catch (const Error& e) {
            // keep the reason parse_user_time gives after the time, if any (e.g. too far back)
            const std::string_view why = e.what();
            const std::size_t colon = why.find("': ");
            *error = fmt::format("cannot read time '{}'{}", text, colon == std::string_view::npos ? "" : why.substr(colon + 1));
            *error_at = at;
            return std::nullopt;
        }
    };
    TimeRange r;
    std::size_t dots = value.find("..");
    if (dots == std::string_view::npos) {
        // a relative time alone (date:-2d, date:now) is one instant, not "since then"
        std::string_view v = value;
        if (v.starts_with('-')) v.remove_prefix(1);
        const bool relative = v == "now" || (v.size() >= 2 && v.find_first_not_of("0123456789") == v.size() - 1 &&
                                             std::string_view("smhdw").find(v.back()) != std::string_view::npos);
        if (relative) {
            *error = fmt::format("date:{} is one instant; write date:{}.. for since then, or date:..{} for up to then",
                                 value, value, value);
            *error_at = 0;
            return std::nullopt;
        }
        auto lo = bound(value, 0, false);
        if (!lo) return std::nullopt;
        r.since = lo;
        r.until = bound(value, 0, true);
        return r;
    }
    std::string_view a = value.substr(0, dots), b = value.substr(dots + 2);
    if (a.empty() && b.empty()) {
        *error = "a range needs at least one bound";
        *error_at = 0;
        return std::nullopt;
    }
    if (!a.empty()) {
        r.since = bound(a, 0, false);
        if (!r.since) return std::nullopt;
    }
    if (!b.empty()) {
        r.until = bound(b, dots + 2, true);
        if (!r.until) return std::nullopt;
    }
    if (r.since && r.until && *r.since > *r.until) {
        *error = fmt::format("the range starts ({}) after it ends ({})", a, b);
        *error_at = 0;
        return std::nullopt;
    }
    return r;
}

std::optional<ValuePattern> parse_value(const Field& f, std::string_view value, std::string* error,
                                        std::size_t* error_at) {
    ValuePattern p;
    auto fail = [&](std::string msg, std::size_t at) -> std::optional<ValuePattern> {
        *error = std::move(msg);
        *error_at = at;
        return std::nullopt;
    };
    // a '*' anywhere but at the end (or in a leading "*@") is not a wildcard mxtrace can run
    auto stray_star = [&](std::string_view v, std::size_t base) -> std::optional<std::size_t> {
        for (std::size_t i = 0; i + 1 < v.size(); ++i)
            if (v[i] == '*') return base + i;
        return std::nullopt;
    };
    switch (f.kind) {
    case FieldKind::address: {
        std::string_view v = value;
        std::size_t base = 0;
        if (v == "<>") {
            if (f.name != "from") return fail("'<>' (the null sender) is a sender, not a recipient", 0);
            p.kind = ValuePattern::Kind::null_sender;
            p.value = "<>";
            return p;
        }
        if (v.size() >= 2 && v.front() == '<' && v.back() == '>') {
            v = v.substr(1, v.size() - 2);
            base = 1;
        }
        if (v.starts_with("*@") || v.starts_with("@")) {
            const std::size_t skip = v[0] == '*' ? 2 : 1;
            std::string_view d = v.substr(skip);
            if (d.empty()) return fail("a domain is missing after '@'", base + skip);
            if (auto s = d.find('*'); s != std::string_view::npos)
                return fail("a wildcard inside a domain is not supported (only *@DOMAIN and LOCAL@*)", base + skip + s);
            p.kind = ValuePattern::Kind::domain;
            p.value = ascii_lower(d);
            return p;
        }
        if (auto s = stray_star(v, base))
            return fail("only a trailing * (PREFIX*, LOCAL@*) or a leading *@ is supported", *s);
        if (v.ends_with('*')) {
            if (v.size() == 1) return fail("'*' alone matches everything: leave the field out", base);
            p.kind = ValuePattern::Kind::prefix;
            p.value = ascii_lower(v.substr(0, v.size() - 1));
            return p;
        }
        if (v.empty()) return fail("empty value", base);
        p.value = ascii_lower(v);
        return p;
    }
    case FieldKind::network:
        if (value.find('/') != std::string_view::npos) {
            auto net = parse_cidr(value);
            if (!net) return fail(fmt::format("'{}' is not a CIDR network (ADDRESS/LENGTH, e.g. 192.0.2.0/24 or 2001:db8::/32)", value), 0);
            p.kind = ValuePattern::Kind::network;
            p.net = *net;
            p.value = std::string(value);
            return p;
        }
        [[fallthrough]];
    case FieldKind::name: {
        std::string_view v = value;
        if (f.name == "relay")
            while (!v.empty() && v.back() == '.') v.remove_suffix(1);
        if (auto s = stray_star(v, 0)) return fail("only a trailing * (PREFIX*) is supported", *s);
        if (v.ends_with('*')) {
            if (v.size() == 1) return fail("'*' alone matches everything: leave the field out", 0);
            p.kind = ValuePattern::Kind::prefix;
            p.value = ascii_lower(v.substr(0, v.size() - 1));
            return p;
        }
        if (v.empty()) return fail("empty value", 0);
        if (f.name == "code" && (v.size() != 3 || v.find_first_not_of("0123456789") != std::string_view::npos))
            return fail("an SMTP reply code is three digits (code:554), or a prefix (code:5*)", 0);
        p.value = ascii_lower(v);
        return p;
    }
    case FieldKind::boolean:
        if (f.name == "status") {
            if (status_from_name(value) == Status::none)
                return fail(fmt::format("unknown status '{}'", value), 0);
            p.value = std::string(value);
        } else if (f.name == "mta") {
            if (value != "postfix" && value != "sendmail" && value != "exim") return fail(fmt::format("unknown MTA '{}'", value), 0);
            p.value = std::string(value);
        } else if (f.name == "message_id") {
            std::string_view v = value;
            if (v.size() >= 2 && v.front() == '<' && v.back() == '>') v = v.substr(1, v.size() - 2);
            if (v.empty()) return fail("empty Message-ID", 0);
            p.value = std::string(v);
        } else if (f.name == "queue_id") {
            // queue IDs and domains hold no '*': it would be looked up as written and match nothing
            if (auto s = value.find('*'); s != std::string_view::npos)
                return fail("queue_id: takes no wildcard: a queue ID is matched whole", s);
            p.value = std::string(value); // case matters
        } else {
            if (value.starts_with('@')) return fail("give the domain without '@'", 0);
            if (auto s = value.find('*'); s != std::string_view::npos)
                return fail(fmt::format("{}: takes no wildcard: the domain is matched whole (no subdomains)", f.name), s);
            p.value = ascii_lower(value); // from_domain, to_domain
        }
        return p;
    case FieldKind::text:
    case FieldKind::range:
        p.value = std::string(value);
        return p;
    }
    return p;
}

std::vector<QueryToken> check_query(std::string_view q, Zone& zone, Micros now) {
    using K = QueryToken::Kind;
    std::vector<QueryToken> out;
    std::vector<std::size_t> open; // positions of unclosed '('
    auto err = [&](std::size_t pos, std::size_t len, std::string_view what, std::string_view hint) {
        throw_query_error(q, pos, len, what, hint);
    };
    auto ends_operand = [](K k) { return k == K::word || k == K::phrase || k == K::field || k == K::rparen; };
    auto is_binary = [](K k) { return k == K::op_and || k == K::op_or || k == K::op_xor; };
    auto op_name = [&](const QueryToken& t) { return std::string(q.substr(t.pos, t.len)); };
    const char* kOpHint = "AND, OR and XOR go between two terms, NOT before one (a NOT b, NOT a); "
                          "quote a word to search for it as text (\"and\")";

    // checks `t` may follow what came before, then appends it
    auto push = [&](QueryToken t) {
        const QueryToken* prev = out.empty() ? nullptr : &out.back();
        const bool operand_start = t.kind == K::word || t.kind == K::phrase || t.kind == K::field || t.kind == K::lparen;
        if (is_binary(t.kind) && (!prev || !ends_operand(prev->kind)))
            err(t.pos, t.len, fmt::format("{} has nothing before it", op_name(t)), kOpHint);
        if (prev && prev->kind == K::op_not && t.kind == K::op_not)
            err(t.pos, t.len, "NOT follows NOT", "one NOT is enough (NOT NOT a is a); remove both, or group: NOT (NOT a)");
        if (prev && (is_binary(prev->kind) || prev->kind == K::op_not) && !operand_start && t.kind != K::op_not)
            err(prev->pos, prev->len, fmt::format("{} has nothing after it", op_name(*prev)), kOpHint);
        out.push_back(std::move(t));
    };

    // Xapian reads the query as UTF-8 and takes a byte that is not as Latin-1 (\xe9 becomes
    // U+00E9, stored as two bytes): a term with such a byte would never match the raw bytes indexed
    for (std::size_t b = 0; b < q.size();) {
        const std::size_t n = utf8_len(q, b);
        if (n == 0)
            err(b, 1, "the query is not UTF-8",
                "the query language reads UTF-8 only; to search for other bytes use the flags (-f, -t, -h, ...), "
                "e.g. -f $'c\\xe9@foo.com'");
        b += n;
    }
    // Xapian ends an unquoted value at a control character and splits words there: what it ran
    // would not be what was checked
    auto no_controls = [&](std::size_t from, std::size_t to) {
        for (std::size_t b = from; b < to; ++b)
            if (is_control(q[b]))
                err(b, 1, fmt::format("a control character ({}) outside quotes", shown(static_cast<unsigned char>(q[b]))),
                    "remove it, or quote the value to search for it (host:\"...\")");
    };
    std::size_t i = 0;
    while (i < q.size()) {
        const char c = q[i];
        if (is_space(c)) {
            ++i;
            continue;
        }
        if (c == '(') {
            open.push_back(i);
            push({K::lparen, i, 1, nullptr, {}, 0});
            ++i;
            continue;
        }
        if (c == ')') {
            if (open.empty())
                err(i, 1, "')' closes no '('", "remove it, or add the '(' it closes");
            if (!out.empty() && out.back().kind == K::lparen)
                err(out.back().pos, i + 1 - out.back().pos, "empty parentheses", "put a term between them, or remove them");
            open.pop_back();
            push({K::rparen, i, 1, nullptr, {}, 0});
            ++i;
            continue;
        }
        if (c == '"') {
            std::size_t close = q.find('"', i + 1);
            if (close == std::string_view::npos)
                err(i, 1, "this quote is not closed", "close the phrase with a second '\"'");
            std::string_view body = q.substr(i + 1, close - i - 1);
            if (body.find_first_not_of(" \t") == std::string_view::npos)
                err(i, close + 1 - i, "empty phrase", "put words between the quotes, or remove them");
            if (auto s = body.find('*'); s != std::string_view::npos)
                err(i + 1 + s, 1, "free text takes no wildcard: words are matched whole",
                    "remove the '*'; wildcards work on fields (to:bob@*, host:mx*, see WILDCARDS in mxtrace-query(7))");
            push({K::phrase, i, close + 1 - i, nullptr, std::string(body), i + 1});
            i = close + 1;
            continue;
        }
        // a word: up to white space, a quote or a parenthesis (a ")" outside parentheses is then an error)
        std::size_t j = i;
        while (j < q.size() && !is_space(q[j]) && q[j] != '"' && q[j] != '(' && q[j] != ')') ++j;
        // field:value ?
        std::size_t k = i;
        while (k < j && is_ident(q[k])) ++k;
        if (k > i && is_ident_start(q[i]) && k < q.size() && q[k] == ':') {
            std::string_view name = q.substr(i, k - i);
            const std::size_t vpos = k + 1;
            std::string value;
            std::size_t vend;
            if (vpos < q.size() && q[vpos] == '"') {
                // as Xapian reads a quoted boolean value: "" inside it is one '"'
                std::size_t close = vpos + 1;
                while (true) {
                    close = q.find('"', close);
                    if (close == std::string_view::npos)
                        err(vpos, 1, "this quote is not closed", "close the value with a second '\"'");
                    if (close + 1 < q.size() && q[close + 1] == '"') {
                        close += 2;
                        continue;
                    }
                    break;
                }
                for (std::size_t b = vpos + 1; b < close; ++b) {
                    value += q[b];
                    if (q[b] == '"') ++b; // the second of ""
                }
                vend = close + 1;
            } else {
                vend = vpos;
                while (vend < q.size() && !is_space(q[vend]) && q[vend] != ')') ++vend;
                no_controls(vpos, vend);
                value.assign(q.substr(vpos, vend - vpos));
            }
            const Field* f = field_by_query_name(name);
            if (!f) {
                if (!value.empty()) {
                    std::string lower = ascii_lower(name);
                    const Field* near = field_by_query_name(lower);
                    err(i, k - i, fmt::format("unknown field '{}'", name),
                        near ? fmt::format("field names are lower case: {}:", near->name)
                             : "mxtrace info fields lists the fields; quote text that contains ':' (\"a:b\")");
                }
                // "word:" followed by a space is a word (Xapian reads it so too)
                push({K::word, i, j - i, nullptr, std::string(q.substr(i, j - i)), i});
                i = j;
                continue;
            }
            const bool quoted = vpos < q.size() && q[vpos] == '"';
            if (value.empty())
                err(quoted ? vpos : k, quoted ? 2 : 1, fmt::format("{}: has an empty value", name),
                    fmt::format("give a value, e.g. {}", f->example));
            const std::size_t vstart = quoted ? vpos + 1 : vpos;
            std::string why;
            std::size_t at = 0;
            if (f->kind == FieldKind::range) {
                if (!parse_time_range(value, zone, now, &why, &at)) err(vstart + at, value.size() - at, why, kDateHint);
            } else if (f->kind == FieldKind::text) {
                if (auto s = value.find('*'); s != std::string::npos)
                    err(vstart + s, 1, "free text takes no wildcard: words are matched whole",
                        "remove the '*'; wildcards work on fields (to:bob@*, host:mx*, see WILDCARDS in mxtrace-query(7))");
            } else {
                if (!parse_value(*f, value, &why, &at))
                    err(vstart + at, std::max<std::size_t>(1, value.size() - at), why,
                        fmt::format("{}: {}; e.g. {}", f->name, f->description, f->example));
            }
            if (f->kind == FieldKind::range && quoted)
                err(vpos, vend - vpos, "a date range is not quoted", kDateHint);
            push({K::field, i, vend - i, f, std::move(value), vstart});
            i = vend;
            continue;
        }
        no_controls(i, j);
        std::string_view w = q.substr(i, j - i);
        // "-word" and "+word" would be read by Xapian as the bare word (FLAG_LOVEHATE is off),
        // not as the exclusion or requirement the user meant
        if (w.size() > 1 && (w[0] == '-' || w[0] == '+') && is_ident_start(w[1]))
            err(i, 1, fmt::format("'{}' does not exclude or require a term here", w[0]),
                w[0] == '-' ? "write NOT before the term (NOT host:smtp); quote it to search the text (\"-x\")"
                            : "terms are required anyway (they are ANDed); quote it to search the text");
        // Xapian reads NEAR, ADJ, NEAR/N and ADJ/N as operators on word positions, which the index
        // does not keep: it would run them as AND, not as the word this checker reports
        if (w == "NEAR" || w == "ADJ" || w.starts_with("NEAR/") || w.starts_with("ADJ/"))
            err(i, j - i, fmt::format("{} is not supported: the index keeps no word positions", w),
                "terms next to each other are ANDed anyway (a b); quote it to search the word (\"near\")");
        // free text has no wildcards: Xapian would drop the '*' and look up the word whole
        if (auto s = w.find('*'); s != std::string_view::npos)
            err(i + s, 1, "free text takes no wildcard: words are matched whole",
                "remove the '*'; wildcards work on fields (to:bob@*, host:mx*, see WILDCARDS in mxtrace-query(7))");
        K kind = w == "AND" ? K::op_and : w == "OR" ? K::op_or : w == "XOR" ? K::op_xor : w == "NOT" ? K::op_not : K::word;
        // Xapian reads AND( OR( XOR( NOT( as the word "and" (...) followed by a group, not as the operator
        if (kind != K::word && j < q.size() && q[j] == '(')
            err(i, j - i, fmt::format("{} directly before '(' would be read as the word \"{}\"", w, ascii_lower(w)),
                fmt::format("put a space between them: {} (...)", w));
        push({kind, i, j - i, nullptr, std::string(w), i});
        i = j;
    }
    if (!open.empty()) err(open.back(), 1, "this '(' is not closed", "add the ')' that closes it");
    if (!out.empty() && (is_binary(out.back().kind) || out.back().kind == K::op_not))
        err(out.back().pos, out.back().len, fmt::format("{} has nothing after it", op_name(out.back())), kOpHint);
    return out;
}

} // namespace mxtrace
