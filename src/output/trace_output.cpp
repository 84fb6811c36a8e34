// SPDX-License-Identifier: GPL-3.0-or-later
// Trace printers: text tree, nested JSON, Graphviz DOT. See trace_output.hpp and mxtrace-trace(1).
#include "mxtrace/output/trace_output.hpp"

#include "mxtrace/output/csv.hpp"

#include "mxtrace/output/output.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>

namespace mxtrace {

std::string format_duration(double s) {
    std::string sign = s < 0 ? "-" : "";
    double a = std::fabs(s);
    if (a < 60) return fmt::format("{}{:.3f}s", sign, a);
    auto n = static_cast<long long>(std::llround(a));
    long long d = n / 86400, h = n % 86400 / 3600, m = n % 3600 / 60, sec = n % 60;
    if (d > 0) return fmt::format("{}{}d{:02}h{:02}m", sign, d, h, m);
    if (h > 0) return fmt::format("{}{}h{:02}m{:02}s", sign, h, m, sec);
    return fmt::format("{}{}m{:02}s", sign, m, sec);
}

namespace {

std::string esc(std::string_view s) {
    std::string o;
    escape_text(s, o);
    return o;
}

/// A recipient's attempts: the final one (the last) and how many deferrals came before it.
struct Rcpt {
    std::string recipient;
    std::size_t final = 0;
    int deferrals = 0;
};

std::vector<Rcpt> recipients(const Transaction& t) {
    std::vector<Rcpt> out;
    std::map<std::string, std::size_t> at;
    for (std::size_t i = 0; i < t.attempts.size(); ++i) {
        const Attempt& a = t.attempts[i];
        auto [it, fresh] = at.emplace(a.recipient, out.size());
        if (fresh) out.push_back(Rcpt{a.recipient, i, 0});
        Rcpt& r = out[it->second];
        if (a.status == Status::deferred) ++r.deferrals;
        r.final = i;
    }
    return out;
}

std::string client_of(const Transaction& t) {
    if (t.client_name.empty() && t.client_ip.empty()) return {};
    if (t.client_ip.empty()) return t.client_name;
    return fmt::format("{} [{}]", t.client_name, t.client_ip);
}

// ---- text

struct TextPrinter {
    Zone* zone;
    std::string o;
    const RawSource* raw = nullptr;
    bool verbatim = false;

    /// The transaction's original lines, under its line in the tree.
    void raw_lines(const Transaction& t, const std::string& prefix) {
        if (!raw || !*raw) return;
        for (const auto& l : (*raw)(t.id)) {
            o += prefix;
            o += "┆ ";
            escape_text(l.path, o);
            o += fmt::format(":{}: ", l.line);
            if (verbatim) o += l.text;
            else escape_text(l.text, o);
            o += '\n';
        }
    }

    void line(const std::string& prefix, bool last, const std::string& text) {
        o += prefix;
        o += last ? "└─ " : "├─ ";
        o += text;
        o += '\n';
    }

    std::string node_head(const Transaction& t) {
        std::string s = fmt::format("{} {}  {}  {}", esc(t.host), esc(t.queue_id), format_time(t.first_time, zone),
                                    mta_name(t.mta));
        if (t.sender) s += fmt::format("  from <{}>", esc(*t.sender));
        return s;
    }

    std::string attempt_text(const Transaction& t, const Rcpt& r) {
        const Attempt& a = t.attempts[r.final];
        std::string s = fmt::format("to <{}>", esc(a.recipient));
        if (!a.orig_recipient.empty()) s += fmt::format(" (orig_to <{}>)", esc(a.orig_recipient));
        s += fmt::format("  {}", status_name(a.status));
        if (!a.dsn.empty()) s += " " + esc(a.dsn);
        s += fmt::format("  {} (+{})", format_time(a.time, zone),
                         format_duration(static_cast<double>(a.time - t.first_time) / 1e6));
        if (!a.relay.empty()) s += "  via " + esc(a.relay);
        if (r.deferrals > 0) s += fmt::format("  after {} deferral{}", r.deferrals, r.deferrals == 1 ? "" : "s");
        if (!a.text.empty()) s += fmt::format("  \"{}\"", esc(a.text));
        return s;
    }

    void edge(const TraceEdge& e, const std::string& prefix, bool last) {
        const std::string kind(link_kind_name(e.link.kind));
        switch (e.state) {
        case EdgeState::linked: {
            if (e.nodes.empty()) {
                line(prefix, last, fmt::format("{} {}: {}", kind, esc(e.link.next_queue_id), e.note));
                return;
            }
            std::string head =
                e.link.kind == LinkKind::rejected_before
                    ? fmt::format("{}  [{}, {}: {}; {} before it]", node_head(e.nodes[0].txn), kind, e.link.rule,
                                  esc(e.match), format_duration(e.delay))
                    : fmt::format("{}  [{}, {}: {}; hop {}{}]", node_head(e.nodes[0].txn), kind, e.link.rule,
                                  esc(e.match), format_duration(e.delay),
                                  e.delay_flagged ? " FLAGGED: the hosts' clocks disagree" : "");
            line(prefix, last, head);
            node_body(e.nodes[0], prefix + (last ? "   " : "│  "));
            return;
        }
        case EdgeState::ambiguous: {
            line(prefix, last, fmt::format("AMBIGUOUS {}: {}", kind, esc(e.note)));
            std::string p = prefix + (last ? "   " : "│  ");
            for (std::size_t i = 0; i < e.nodes.size(); ++i)
                line(p, i + 1 == e.nodes.size(), "candidate " + node_head(e.nodes[i].txn));
            return;
        }
        case EdgeState::missing:
            line(prefix, last, fmt::format("MISSING {}: {}", kind, esc(e.note)));
            return;
        case EdgeState::outside:
            line(prefix, last, esc(e.note));
            return;
        }
    }

    void node_body(const TraceNode& n, const std::string& prefix) {
        const Transaction& t = n.txn;
        raw_lines(t, prefix);
        auto rs = recipients(t);
        // children: each recipient (with the hand-offs of its final attempt), then the other edges
        struct Item {
            const Rcpt* r = nullptr;
            const TraceEdge* e = nullptr;
        };
        std::vector<Item> items;
        std::vector<bool> used(n.edges.size(), false);
        for (const auto& r : rs) items.push_back(Item{&r, nullptr});
        for (std::size_t i = 0; i < n.edges.size(); ++i) {
            bool under = false;
            for (const auto& r : rs) under = under || static_cast<int>(r.final) == n.edges[i].link.attempt;
            if (!under) items.push_back(Item{nullptr, &n.edges[i]});
        }
        for (std::size_t k = 0; k < items.size(); ++k) {
            const bool last = k + 1 == items.size();
            if (items[k].e) {
                edge(*items[k].e, prefix, last);
                continue;
            }
            const Rcpt& r = *items[k].r;
            line(prefix, last, attempt_text(t, r));
            std::vector<const TraceEdge*> mine;
            for (const auto& e : n.edges)
                if (e.link.attempt == static_cast<int>(r.final)) mine.push_back(&e);
            std::string p = prefix + (last ? "   " : "│  ");
            if (mine.empty()) {
                // several recipients on one hand-off: the link is kept with the first
                std::string_view id = next_hop_id(t.attempts[r.final].text);
                if (!id.empty() && t.attempts[r.final].status == Status::sent)
                    for (const auto& e : n.edges)
                        if (e.link.next_queue_id == id) {
                            line(p, true, fmt::format("same hand-off as <{}> ({})", esc(t.attempts[e.link.attempt].recipient), esc(id)));
                            break;
                        }
            }
            for (std::size_t i = 0; i < mine.size(); ++i) edge(*mine[i], p, i + 1 == mine.size());
        }
    }
};

// ---- JSON

struct JsonPrinter {
    std::string o;
    const RawSource* raw = nullptr;

    void str(std::string_view key, std::string_view v) {
        o += fmt::format("\"{}\":\"", key);
        escape_json(v, o);
        o += '"';
    }

    void node(const TraceNode& n) {
        std::string t = raw && *raw ? format_json(n.txn, (*raw)(n.txn.id)) : format_json(n.txn);
        if (!t.empty() && t.back() == '\n') t.pop_back();
        o += "{\"transaction\":";
        o += t;
        o += ",\"hops\":[";
        for (std::size_t i = 0; i < n.edges.size(); ++i) {
            if (i) o += ',';
            edge(n.edges[i]);
        }
        o += "]}";
    }

    void edge(const TraceEdge& e) {
        o += '{';
        str("rule", e.link.rule);
        o += ',';
        str("kind", link_kind_name(e.link.kind));
        o += ',';
        str("state", edge_state_name(e.state));
        o += ',';
        str("next_queue_id", e.link.next_queue_id);
        o += ',';
        str("relay", e.link.relay_name);
        o += ',';
        str("relay_address", e.link.relay_addr);
        o += ',';
        str("time", format_rfc3339(e.link.time));
        o += e.link.attempt < 0 ? ",\"attempt\":null" : fmt::format(",\"attempt\":{}", e.link.attempt);
        o += ',';
        str("host", e.host);
        o += ',';
        str("match", e.match);
        if (e.state == EdgeState::linked && !e.nodes.empty())
            o += fmt::format(",\"delay_seconds\":{:.6f},\"delay_flagged\":{}", e.delay, e.delay_flagged ? "true" : "false");
        else
            o += ",\"delay_seconds\":null,\"delay_flagged\":false";
        o += ',';
        str("note", e.note);
        o += e.state == EdgeState::ambiguous ? ",\"candidates\":[" : ",\"next\":[";
        for (std::size_t i = 0; i < e.nodes.size(); ++i) {
            if (i) o += ',';
            node(e.nodes[i]);
        }
        o += "]}";
    }
};

// ---- DOT

/// A DOT string literal: the text escaped as for a terminal (controls -> \xNN), then '"' and
/// '\' quoted for DOT; "\n" separators are added by the caller as `\\n` after quoting.
std::string dot_quote(const std::vector<std::string>& lines) {
    std::string o = "\"";
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (i) o += "\\n";
        std::string e;
        escape_text(lines[i], e);
        for (char c : e) {
            if (c == '"' || c == '\\') o += '\\';
            o += c;
        }
    }
    o += '"';
    return o;
}

std::string shorten(std::string_view s, std::size_t n) {
    if (s.size() <= n) return std::string(s);
    std::size_t cut = n;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut; // not inside a UTF-8 sequence
    return std::string(s.substr(0, cut)) + "...";
}

struct DotPrinter {
    Zone* zone;
    std::string o;
    int seq = 0;

    std::string id() { return fmt::format("n{}", seq++); }

    std::string node(const TraceNode& n, const std::string& indent) {
        const Transaction& t = n.txn;
        std::string me = id();
        o += fmt::format("{}{} [shape=box, label={}];\n", indent, me,
                         dot_quote({t.host + " " + t.queue_id, format_time(t.first_time, zone),
                                    std::string(mta_name(t.mta)) + (t.sender ? "  from <" + *t.sender + ">" : "")}));
        for (const auto& r : recipients(t)) {
            const Attempt& a = t.attempts[r.final];
            bool handed = false;
            for (const auto& e : n.edges) handed = handed || e.link.attempt == static_cast<int>(r.final);
            if (handed) continue; // the hop edge says it
            std::string rid = id();
            std::vector<std::string> lab{"<" + a.recipient + ">", std::string(status_name(a.status)) + " " + a.dsn};
            if (!a.relay.empty()) lab.push_back("via " + a.relay);
            if (r.deferrals) lab.push_back(fmt::format("after {} deferral{}", r.deferrals, r.deferrals == 1 ? "" : "s"));
            if (!a.text.empty()) lab.push_back(shorten(a.text, 60));
            o += fmt::format("{}{} [shape=note, label={}];\n", indent, rid, dot_quote(lab));
            o += fmt::format("{}{} -> {};\n", indent, me, rid);
        }
        for (const auto& e : n.edges) {
            std::vector<std::string> lab{e.link.rule + " " + e.link.next_queue_id};
            if (e.link.attempt >= 0 && e.link.attempt < static_cast<int>(t.attempts.size()))
                lab.push_back("<" + t.attempts[static_cast<std::size_t>(e.link.attempt)].recipient + ">");
            if (e.state == EdgeState::linked && !e.nodes.empty())
                lab.push_back("hop " + format_duration(e.delay) + (e.delay_flagged ? " (clocks disagree)" : ""));
            if (e.state == EdgeState::linked) {
                for (const auto& c : e.nodes) {
                    std::string cid = node(c, indent);
                    o += fmt::format("{}{} -> {} [label={}{}];\n", indent, me, cid, dot_quote(lab),
                                     e.link.kind == LinkKind::notification ? ", style=dashed" : "");
                }
                continue;
            }
            std::string xid = id();
            std::vector<std::string> xl{std::string(edge_state_name(e.state)) + ": " + shorten(e.note, 160)};
            o += fmt::format("{}{} [shape={}, label={}];\n", indent, xid,
                             e.state == EdgeState::outside ? "ellipse" : "octagon", dot_quote(xl));
            o += fmt::format("{}{} -> {} [label={}, style=dotted];\n", indent, me, xid, dot_quote(lab));
            for (const auto& c : e.nodes) {
                std::string cid = node(c, indent);
                o += fmt::format("{}{} -> {} [style=dotted];\n", indent, xid, cid);
            }
        }
        return me;
    }
};

} // namespace

std::string format_trace_text(const Trace& tr, Zone* zone, const RawSource& raw, bool verbatim) {
    TextPrinter p{zone, {}, &raw, verbatim};
    const Transaction& r = tr.root.txn;
    p.o += fmt::format("message <{}>\n", esc(r.message_id));
    for (const auto& n : tr.notes) p.o += "note: " + esc(n) + "\n";
    std::string client = client_of(r);
    std::string prefix;
    if (!client.empty()) {
        p.o += "client " + esc(client) + "\n";
    }
    p.line(prefix, true, p.node_head(r));
    p.node_body(tr.root, "   ");
    for (const auto& t : tr.same_message_id)
        p.o += fmt::format("same Message-ID, not linked: {} {}  {}  {}\n", esc(t.host), esc(t.queue_id),
                           format_time(t.first_time, zone), client_of(t).empty() ? std::string() : "client " + esc(client_of(t)));
    p.o += fmt::format("time inside the indexed hosts: {} ({} .. {})\n\n",
                       format_duration(static_cast<double>(tr.end - tr.start) / 1e6), format_time(tr.start, zone),
                       format_time(tr.end, zone));
    return p.o;
}

std::string format_trace_json(const Trace& tr, const RawSource& raw) {
    JsonPrinter p;
    p.raw = &raw;
    p.o += '{';
    p.str("message_id", tr.root.txn.message_id);
    p.o += ',';
    p.str("start", format_rfc3339(tr.start));
    p.o += ',';
    p.str("end", format_rfc3339(tr.end));
    p.o += fmt::format(",\"inside_seconds\":{:.6f},\"notes\":[", static_cast<double>(tr.end - tr.start) / 1e6);
    for (std::size_t i = 0; i < tr.notes.size(); ++i) {
        if (i) p.o += ',';
        p.o += '"';
        escape_json(tr.notes[i], p.o);
        p.o += '"';
    }
    p.o += "],\"root\":";
    p.node(tr.root);
    p.o += ",\"same_message_id\":[";
    for (std::size_t i = 0; i < tr.same_message_id.size(); ++i) {
        const Transaction& t = tr.same_message_id[i];
        if (i) p.o += ',';
        p.o += '{';
        p.str("host", t.host);
        p.o += ',';
        p.str("queue_id", t.queue_id);
        p.o += ',';
        p.str("first_time", format_rfc3339(t.first_time));
        p.o += '}';
    }
    p.o += "]}\n";
    return p.o;
}

std::string format_trace_dot(const std::vector<Trace>& ts, Zone* zone) {
    DotPrinter p{zone, {}, 0};
    p.o += "digraph mxtrace {\n  rankdir=LR;\n  node [fontname=\"monospace\", fontsize=10];\n"
           "  edge [fontname=\"monospace\", fontsize=9];\n";
    for (std::size_t i = 0; i < ts.size(); ++i) {
        const Trace& tr = ts[i];
        p.o += fmt::format("  subgraph cluster_{} {{\n    label={};\n", i,
                           dot_quote({"<" + tr.root.txn.message_id + ">",
                                      "inside the indexed hosts: " + format_duration(static_cast<double>(tr.end - tr.start) / 1e6)}));
        std::string client = client_of(tr.root.txn);
        std::string root = p.node(tr.root, "    ");
        if (!client.empty()) {
            std::string cid = p.id();
            p.o += fmt::format("    {} [shape=ellipse, label={}];\n    {} -> {};\n", cid, dot_quote({client}), cid, root);
        }
        p.o += "  }\n";
    }
    p.o += "}\n";
    return p.o;
}

namespace {
void csv_rows(const TraceNode& n, const Fields& fields, std::size_t trace_no, int depth, std::string_view link,
              const Transaction* parent, std::string& out) {
    std::string prefix = fmt::format("{},{},", trace_no, depth);
    csv_quote(esc(link), prefix);
    prefix += ',';
    if (parent) {
        csv_quote(esc(parent->host), prefix);
        prefix += ',';
        csv_quote(esc(parent->queue_id), prefix);
    } else {
        prefix += ',';
    }
    prefix += ',';
    // format_csv's rows hold no CR or LF inside a field (log text is escaped first)
    const std::string rows = format_csv(n.txn, fields);
    std::size_t at = 0;
    while (at < rows.size()) {
        std::size_t end = rows.find("\r\n", at);
        if (end == std::string::npos) end = rows.size();
        out += prefix;
        out.append(rows, at, end - at);
        out += "\r\n";
        at = end + 2;
    }
    for (const auto& e : n.edges)
        for (const auto& c : e.nodes)
            csv_rows(c, fields, trace_no, depth + 1,
                     e.state == EdgeState::ambiguous ? "candidate:" + e.link.rule : e.link.rule, &n.txn, out);
}
} // namespace

std::string trace_csv_header(const Fields& fields) {
    return "trace,depth,link,parent_host,parent_queue_id," + csv_header(fields);
}

std::string format_trace_csv(const Trace& tr, const Fields& fields, std::size_t n) {
    std::string out;
    csv_rows(tr.root, fields, n, 0, {}, nullptr, out);
    return out;
}

} // namespace mxtrace
