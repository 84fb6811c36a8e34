// SPDX-License-Identifier: GPL-3.0-or-later
// The Xapian side of the query language: see query_parser.hpp and man/mxtrace-query.7.
#include "store/query_parser.hpp"

#include "mxtrace/base/error.hpp"

#include <fmt/format.h>

namespace mxtrace {

namespace {

double to_seconds(Micros t) { return static_cast<double>(t) / 1e6; }

std::string bytes(const IpBytes& a) { return std::string(reinterpret_cast<const char*>(a.data()), a.size()); }

/// Builds the query of one `name:value` of the query string.
class FieldProc : public Xapian::FieldProcessor {
public:
    /// `hoisted`: date: filters are taken out by the caller (query_window): they give MatchAll here.
    FieldProc(const Field& f, std::string_view query_name, Zone& zone, Micros now, std::vector<std::string>* understood,
              bool hoisted)
        : f_(f), name_(query_name), zone_(zone), now_(now), understood_(understood), hoisted_(hoisted) {}

    Xapian::Query operator()(const std::string& value) override {
        std::string why, meaning;
        std::size_t at = 0;
        Xapian::Query q;
        if (f_.kind == FieldKind::range) {
            auto r = parse_time_range(value, zone_, now_, &why, &at);
            if (!r) throw Error(ExitCode::usage, fmt::format("bad query: {}:{}: {}", name_, value, why));
            q = hoisted_ ? Xapian::Query::MatchAll : time_range_query(*r);
            meaning = fmt::format("span overlaps {} .. {}", r->since ? format_rfc3339(*r->since) : "(open)",
                                  r->until ? format_rfc3339(*r->until) : "(open)");
        } else {
            auto p = parse_value(f_, value, &why, &at);
            if (!p) throw Error(ExitCode::usage, fmt::format("bad query: {}:{}: {}", name_, value, why));
            q = pattern_query(f_, *p, &meaning);
        }
        if (understood_) understood_->push_back(fmt::format("{}:{} -> {}", name_, value, meaning));
        return q;
    }

private:
    const Field& f_;
    std::string name_;
    Zone& zone_;
    Micros now_;
    std::vector<std::string>* understood_;
    bool hoisted_;
};

} // namespace

Xapian::Query time_range_query(const TimeRange& r) {
    std::vector<Xapian::Query> parts;
    if (r.since)
        parts.emplace_back(Xapian::Query::OP_VALUE_GE, slot_last_time, Xapian::sortable_serialise(to_seconds(*r.since)));
    if (r.until)
        parts.emplace_back(Xapian::Query::OP_VALUE_LE, slot_first_time, Xapian::sortable_serialise(to_seconds(*r.until)));
    if (parts.empty()) return Xapian::Query::MatchAll;
    if (parts.size() == 1) return parts[0];
    return Xapian::Query(Xapian::Query::OP_AND, parts.begin(), parts.end());
}

Xapian::Query pattern_query(const Field& f, const ValuePattern& p, std::string* meaning) {
    using PK = ValuePattern::Kind;
    auto say = [&](std::string s) {
        if (meaning) *meaning = std::move(s);
    };
    switch (p.kind) {
    case PK::null_sender:
    case PK::exact: {
        std::string t = make_term(f.prefix, p.value);
        if (f.kind == FieldKind::network) {
            // an address matches however it is written (2001:DB8::0:1 = 2001:db8::1)
            if (auto ip = parse_ip(p.value)) {
                std::string canon = make_term(f.prefix, ip_text(*ip));
                if (canon != t) {
                    say(fmt::format("term {} or {}", t, canon));
                    return Xapian::Query(Xapian::Query::OP_OR, Xapian::Query(t), Xapian::Query(canon));
                }
            }
        }
        say(fmt::format("term {}", t));
        return Xapian::Query(t);
    }
    case PK::domain: {
        const Field& d = field(f.name == "from" ? "from_domain" : "to_domain");
        std::string t = make_term(d.prefix, p.value);
        say(fmt::format("domain term {}", t));
        return Xapian::Query(t);
    }
    case PK::prefix: {
        std::string t = std::string(f.prefix) + p.value;
        say(fmt::format("every term starting with {} (wildcard)", t));
        return Xapian::Query(Xapian::Query::OP_WILDCARD, t);
    }
    case PK::network:
        say(fmt::format("client address from {} to {} (value slot {})", ip_text(p.net.lo), ip_text(p.net.hi),
                        static_cast<unsigned>(slot_client_addr)));
        return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot_client_addr, bytes(p.net.lo), bytes(p.net.hi));
    }
    return Xapian::Query::MatchNothing;
}

namespace {
/// query_window() of a query already lexed into `tokens`.
std::optional<TimeRange> window_of(const std::vector<QueryToken>& tokens, Zone& zone, Micros now) {
    using K = QueryToken::Kind;
    std::optional<TimeRange> w;
    for (const auto& t : tokens) {
        if (t.kind == K::lparen || t.kind == K::rparen || t.kind == K::op_or || t.kind == K::op_xor || t.kind == K::op_not)
            return std::nullopt;
        if (t.kind != K::field || t.field == nullptr || t.field->kind != FieldKind::range) continue;
        std::string why;
        std::size_t at = 0;
        auto r = parse_time_range(t.value, zone, now, &why, &at);
        if (!r) return std::nullopt;
        if (w) intersect(*w, *r);
        else w = *r;
    }
    return w;
}
} // namespace

std::optional<TimeRange> query_window(std::string_view query, Zone& zone, Micros now) {
    try {
        return window_of(check_query(query, zone, now), zone, now);
    } catch (const Error&) {
        return std::nullopt;
    }
}

Xapian::Query parse_query_string(std::string_view query, Zone& zone, Micros now, std::vector<std::string>* understood,
                                 std::optional<TimeRange>* window) {
    std::vector<QueryToken> tokens = check_query(query, zone, now);
    if (window) *window = window_of(tokens, zone, now);
    const bool hoisted = window && *window;
    Xapian::QueryParser qp;
    qp.set_default_op(Xapian::Query::OP_AND);
    // each filter its own group: two terms of one field are ANDed like any two terms
    const std::string each_alone;
    for (const Field& f : fields()) {
        std::vector<std::string_view> names{f.name};
        for (std::string_view a = f.aliases; !a.empty();) {
            std::size_t sp = a.find(' ');
            names.push_back(a.substr(0, sp));
            a = sp == std::string_view::npos ? std::string_view{} : a.substr(sp + 1);
        }
        for (std::string_view n : names) {
            if (f.kind == FieldKind::text) {
                qp.add_prefix(std::string(n), "");
                continue;
            }
            auto* proc = new FieldProc(f, n, zone, now, understood, hoisted);
            qp.add_boolean_prefix(std::string(n), proc->release(), &each_alone);
        }
    }
    // date: is a FieldProcessor too, not a Xapian::RangeProcessor: Xapian 1.4 files the query a
    // RangeProcessor returns, when it is not a single value comparison (ours is two: the span
    // [slot 0, slot 1] overlaps the range), in the same filter group as boolean prefixes with
    // the "each alone" grouping and ORs it with them: "host:smtp date:A..B" came out as
    // "Hsmtp OR range". The FieldProcessor's result is one more boolean filter, ANDed.
    const unsigned flags = Xapian::QueryParser::FLAG_BOOLEAN | Xapian::QueryParser::FLAG_PHRASE |
                           Xapian::QueryParser::FLAG_PURE_NOT;
    Xapian::Query q;
    try {
        q = qp.parse_query(std::string(query), flags);
    } catch (const Xapian::QueryParserError& e) {
        throw_query_error(query, 0, query.size(), fmt::format("Xapian could not parse it: {}", e.get_msg()),
                          "see mxtrace-query(7) for the syntax");
    }
    if (understood) {
        for (const auto& t : tokens) {
            if (t.kind == QueryToken::Kind::word)
                understood->push_back(fmt::format("{} -> free text word (status texts)", t.value));
            else if (t.kind == QueryToken::Kind::field && t.field->kind == FieldKind::text)
                understood->push_back(fmt::format("{}:{} -> free text, all of these words (status texts)",
                                                  t.field->name, t.value));
            else if (t.kind == QueryToken::Kind::phrase)
                understood->push_back(fmt::format("\"{}\" -> free text, all of these words (no positions are indexed)", t.value));
        }
    }
    return q;
}

} // namespace mxtrace
