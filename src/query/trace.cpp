// SPDX-License-Identifier: GPL-3.0-or-later
// Trace assembly: stored hop links -> a tree of transactions. See trace.hpp and
// ARCHITECTURE.md, "Hop links and trace".
#include "mxtrace/query/trace.hpp"

#include "mxtrace/base/error.hpp"
#include "mxtrace/store/fields.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <tuple>

namespace mxtrace {

std::string_view edge_state_name(EdgeState s) noexcept {
    switch (s) {
    case EdgeState::linked: return "linked";
    case EdgeState::ambiguous: return "ambiguous";
    case EdgeState::missing: return "missing";
    case EdgeState::outside: return "outside";
    }
    return "outside";
}

namespace {

bool id_char(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-';
}

bool is_id(std::string_view s) {
    return s.size() >= 5 && s.size() <= 32 && std::all_of(s.begin(), s.end(), id_char);
}

/// Lower case, no trailing dot.
std::string norm(std::string_view s) {
    while (!s.empty() && s.back() == '.') s.remove_suffix(1);
    return ascii_lower(s);
}

/// "smtp.foo.com" -> "smtp"; an IP address or a name without a dot -> itself.
std::string first_label(std::string_view s) {
    std::size_t d = s.find('.');
    if (d == std::string_view::npos || (!s.empty() && s[0] >= '0' && s[0] <= '9') || s.find(':') != std::string_view::npos)
        return std::string(s);
    return std::string(s.substr(0, d));
}

std::string relay_text(const HopLink& l) {
    if (l.relay_addr.empty()) return l.relay_name;
    return fmt::format("{} [{}]", l.relay_name, l.relay_addr);
}

/// A transaction's identity in both stores (trace_source.hpp): host, queue ID, first-seen time.
using Key = std::tuple<std::string, std::string, Micros>;

Key key(const Transaction& t) { return {t.host, t.queue_id, t.first_time}; }

bool same(const Transaction& a, const Transaction& b) {
    return a.first_time == b.first_time && a.queue_id == b.queue_id && a.host == b.host;
}

struct Ctx {
    TraceSource& store;
    const TraceOptions& opt;
    std::map<std::string, std::string> alias; // normalised name/address -> host
    std::set<std::string> hosts;              // indexed hosts, lower case
    std::map<std::string, std::string> host_case; // lower -> as logged
    std::set<Key> visited;
    std::size_t nodes = 0;
    std::map<std::string, std::vector<std::pair<std::string, std::uint64_t>>> learned; // relay -> hosts, per run

    Ctx(TraceSource& s, const TraceOptions& o) : store(s), opt(o) {
        for (const auto& [k, v] : o.aliases) alias[norm(k)] = v;
        for (auto& h : store.hosts()) {
            hosts.insert(ascii_lower(h));
            host_case[ascii_lower(h)] = h;
        }
    }

    std::string alias_of(std::string_view name, std::string_view addr) const {
        if (auto it = alias.find(norm(name)); !name.empty() && it != alias.end()) return it->second;
        if (auto it = alias.find(norm(addr)); !addr.empty() && it != alias.end()) return it->second;
        return {};
    }

    /// The host a relay most likely is when no candidate transaction exists: an alias, an
    /// indexed host of exactly that name, or the host that other hand-offs to it reached.
    std::pair<std::string, std::string> guess_host(const HopLink& l, std::string_view from_host) {
        if (auto a = alias_of(l.relay_name, l.relay_addr); !a.empty()) return {a, "alias"};
        if (hosts.count(l.relay_name)) return {host_case[l.relay_name], "relay name"};
        auto [it, fresh] = learned.try_emplace(l.relay_name + '\0' + l.relay_addr);
        if (fresh) it->second = store.hosts_behind_relay(l.relay_name, l.relay_addr);
        for (const auto& [h, n] : it->second)
            if (ascii_lower(h) != ascii_lower(from_host))
                return {h, fmt::format("learned from {} other hand-off{} to this relay", n, n == 1 ? "" : "s")};
        return {};
    }

    /// How well candidate `c` fits link `l` from `p`: 3 named (alias, host name), 2 its client
    /// names p's host, 1 the relay's first label is its host name, 0 queue ID and time only.
    int score(const Transaction& p, const HopLink& l, const Transaction& c, std::string& why) const {
        if (l.kind == LinkKind::loop) {
            why = "loopback relay: same host (content filter or local re-injection)";
            return 3;
        }
        if (l.kind == LinkKind::notification) {
            why = "notification on the same host";
            return 3;
        }
        const std::string ch = ascii_lower(c.host), ph = ascii_lower(p.host);
        if (auto a = alias_of(l.relay_name, l.relay_addr); !a.empty() && ascii_lower(a) == ch) {
            why = fmt::format("alias {}={}", l.relay_name, c.host);
            return 3;
        }
        if (l.relay_name == ch) {
            why = "relay name";
            return 3;
        }
        const std::string cn = norm(c.client_name);
        if ((!cn.empty() && (cn == ph || first_label(cn) == ph)) ||
            ascii_lower(alias_of(c.client_name, c.client_ip)) == ph) {
            why = fmt::format("{} logged the client as {}{}", c.host, c.client_name,
                              c.client_ip.empty() ? std::string() : "[" + c.client_ip + "]");
            return 2;
        }
        if (first_label(l.relay_name) == ch) {
            why = "first label of the relay name";
            return 1;
        }
        why = "queue ID and time only";
        return 0;
    }

    /// Finds the transaction(s) a link leads to; does not descend.
    TraceEdge resolve(const Transaction& p, const HopLink& l) {
        TraceEdge e;
        e.link = l;
        const Micros lo = l.time - opt.window, hi = l.time + opt.window;
        std::vector<Transaction> cands =
            store.find_queue_id(l.next_queue_id, l.kind == LinkKind::relay ? std::string_view{} : std::string_view(p.host), lo, hi);
        std::erase_if(cands, [&](const Transaction& c) { return same(c, p); });
        if (cands.empty()) {
            if (l.kind != LinkKind::relay) {
                e.state = EdgeState::missing;
                e.host = p.host;
                e.note = fmt::format("{} {} {}; no such transaction is indexed on {} (its logs of that time are not in the index)", p.host,
                                     l.kind == LinkKind::loop ? "re-injected it as" : "queued the notification as",
                                     l.next_queue_id, p.host);
                return e;
            }
            auto [h, how] = guess_host(l, p.host);
            if (!h.empty() && hosts.count(ascii_lower(h))) {
                e.state = EdgeState::missing;
                e.host = h;
                e.match = how;
                e.note = fmt::format("{} ({}) accepted it as {}; {} has no transaction {} indexed near that time "
                                     "(its logs of that time are not in the index)", relay_text(l), h, l.next_queue_id, h, l.next_queue_id);
            } else if (!h.empty()) {
                e.state = EdgeState::missing;
                e.host = h;
                e.match = how;
                e.note = fmt::format("{} accepted it as {}; {} is not indexed", h, l.next_queue_id, h);
            } else {
                e.state = EdgeState::outside;
                e.note = fmt::format("left the indexed hosts: {} accepted it as {}", relay_text(l), l.next_queue_id);
            }
            return e;
        }
        int best = -1;
        std::vector<std::pair<Transaction, std::string>> top;
        for (auto& c : cands) {
            std::string why;
            int s = score(p, l, c, why);
            if (s > best) {
                best = s;
                top.clear();
            }
            if (s == best) top.emplace_back(std::move(c), std::move(why));
        }
        if (top.size() == 1) {
            e.state = EdgeState::linked;
            e.host = top[0].first.host;
            e.match = top[0].second;
            const Transaction& c = top[0].first;
            e.delay = static_cast<double>(c.first_time - p.first_time) / 1e6;
            e.delay_flagged = c.first_time < p.first_time || c.first_time > l.time + opt.skew_tolerance;
            e.nodes.push_back(TraceNode{std::move(top[0].first), {}});
            return e;
        }
        e.state = EdgeState::ambiguous;
        std::string list;
        for (auto& [c, why] : top) {
            list += fmt::format("{}{}:{} ({})", list.empty() ? "" : ", ", c.host, c.queue_id, format_rfc3339(c.first_time));
            e.nodes.push_back(TraceNode{std::move(c), {}});
        }
        e.note = fmt::format("{} accepted it as {}, which {} transactions fit equally well: {}; not followed",
                             relay_text(l), l.next_queue_id, top.size(), list);
        return e;
    }

    /// Runs a search for the retry-after-reject lookups (clients in `net`); a value the search
    /// refuses (an address it cannot take as a filter) finds nothing.
    std::vector<Transaction> lookup(const SearchFilter& f, const std::string& net) {
        try {
            return store.in_network(f, net);
        } catch (const Error&) {
            return {};
        }
    }

    /// The filter shared by both directions of the retry-after-reject rule: same sender, that
    /// recipient (the client network is lookup()'s).
    static SearchFilter retry_filter(const std::string& sender, const std::string& rcpt) {
        SearchFilter f;
        f.from = sender.empty() ? "<>" : sender;
        f.to = rcpt;
        f.max_results = 1000;
        return f;
    }

    /// The first accepted transaction that retried what reject record `r` refused, if any
    /// (links.hpp, retries_reject()).
    std::optional<Transaction> accepted_after(const Transaction& r) {
        if (!is_reject_record(r) || !r.sender || opt.reject_window <= 0) return std::nullopt;
        const std::string net = client_network(r.client_ip);
        if (net.empty()) return std::nullopt;
        std::optional<Transaction> best;
        for (const auto& a : r.attempts) {
            if (a.recipient.empty()) continue;
            SearchFilter f = retry_filter(*r.sender, a.recipient);
            f.since = r.first_time;
            f.until = r.first_time + opt.reject_window;
            for (auto& c : lookup(f, net))
                if (retries_reject(r, c, opt.reject_window) && (!best || c.first_time < best->first_time ||
                                                                (c.first_time == best->first_time && c.id < best->id)))
                    best = std::move(c);
        }
        return best;
    }

    /// The reject records that accepted transaction `t` retried, oldest first.
    std::vector<Transaction> rejects_before(const Transaction& t) {
        std::vector<Transaction> out;
        if (is_reject_record(t) || !t.sender || opt.reject_window <= 0) return out;
        const std::string net = client_network(t.client_ip);
        if (net.empty()) return out;
        std::set<std::string> rcpts;
        for (const auto& a : t.attempts) {
            if (a.status == Status::rejected) continue;
            if (!a.recipient.empty()) rcpts.insert(ascii_lower(a.recipient));
            if (!a.orig_recipient.empty()) rcpts.insert(ascii_lower(a.orig_recipient));
        }
        std::set<Key> seen;
        for (const auto& rc : rcpts) {
            SearchFilter f = retry_filter(*t.sender, rc);
            f.status = Status::rejected;
            f.since = t.first_time - opt.reject_window;
            f.until = t.first_time;
            for (auto& r : lookup(f, net))
                if (retries_reject(r, t, opt.reject_window) && seen.insert(key(r)).second) out.push_back(std::move(r));
        }
        std::sort(out.begin(), out.end(), [](const Transaction& a, const Transaction& b) {
            return a.first_time != b.first_time ? a.first_time < b.first_time : a.id < b.id;
        });
        return out;
    }

    /// Resolves and descends every link of `n`.
    void expand(TraceNode& n) {
        visited.insert(key(n.txn));
        if (++nodes > opt.max_nodes) return;
        // retry-after-reject: the rejects this accepted transaction retried, as leaves
        for (auto& r : rejects_before(n.txn)) {
            if (visited.count(key(r))) continue;
            visited.insert(key(r));
            ++nodes;
            TraceEdge e;
            e.link.rule = "retry-after-reject";
            e.link.kind = LinkKind::rejected_before;
            e.link.next_queue_id = r.queue_id;
            e.link.time = r.first_time;
            e.state = EdgeState::linked;
            e.host = r.host;
            e.match = fmt::format("same client network {}, sender and recipient", client_network(r.client_ip));
            e.delay = static_cast<double>(n.txn.first_time - r.first_time) / 1e6;
            e.nodes.push_back(TraceNode{std::move(r), {}});
            n.edges.push_back(std::move(e));
        }
        for (const auto& l : store.links_of(n.txn)) {
            TraceEdge e = resolve(n.txn, l);
            if (e.state == EdgeState::linked) {
                if (visited.count(key(e.nodes[0].txn))) {
                    e.note = "shown above (the links loop)";
                    e.nodes.clear();
                } else {
                    expand(e.nodes[0]);
                }
            }
            n.edges.push_back(std::move(e));
        }
    }

    /// The transaction that handed `t` on, if one does; notes when several do.
    std::optional<Transaction> parent_of(const Transaction& t, std::vector<std::string>& notes) {
        // a reject record: the accepted transaction that retried it (which lists it among its
        // rejects when expanded), so the tree is the same from either
        if (is_reject_record(t)) return accepted_after(t);
        std::vector<Transaction> parents;
        for (auto& [link, p] : store.links_to(t.queue_id, t.first_time - opt.window, t.first_time + opt.window)) {
            if (same(p, t)) continue;
            TraceEdge e = resolve(p, link);
            bool mine = std::any_of(e.nodes.begin(), e.nodes.end(), [&](const TraceNode& n) { return same(n.txn, t); });
            if (!mine) continue;
            if (e.state == EdgeState::linked) {
                const Transaction& cand = p; // a lambda may not capture a structured binding (clang 14)
                if (std::none_of(parents.begin(), parents.end(), [&](const Transaction& x) { return same(x, cand); }))
                    parents.push_back(std::move(p));
            } else {
                notes.push_back(fmt::format("{}:{} may come from {}:{} ({})", t.host, t.queue_id, p.host, p.queue_id, e.note));
            }
        }
        if (parents.empty() && !t.message_id.empty()) {
            // no queue-ID link: a transaction with the same Message-ID whose delivery (with no
            // queue ID in its reply) went to t's host at t's time (as attach_by_message_id links down)
            std::string name, addr;
            for (auto& p : store.find_message_id(t.message_id, 1000)) {
                if (same(p, t) || p.first_time > t.first_time) continue;
                bool fits = false;
                for (std::size_t i = 0; i < p.attempts.size() && !fits; ++i) {
                    const Attempt& a = p.attempts[i];
                    if (a.status != Status::sent || !next_hop_id(a.text).empty()) continue;
                    if (t.first_time < a.time - opt.window || t.first_time > a.time + opt.window) continue;
                    relay_parts(a.relay, name, addr);
                    if (is_loopback(name, addr)) continue;
                    HopLink l;
                    l.kind = LinkKind::relay;
                    l.relay_name = name;
                    l.relay_addr = addr;
                    std::string why;
                    fits = score(p, l, t, why) >= 1;
                }
                if (fits) parents.push_back(std::move(p));
            }
        }
        if (parents.empty()) return std::nullopt;
        if (parents.size() > 1) {
            std::string list;
            for (const auto& p : parents) list += fmt::format("{}{}:{}", list.empty() ? "" : ", ", p.host, p.queue_id);
            notes.push_back(fmt::format("{}:{} is named as the next hop by {} transactions: {}; following the first",
                                        t.host, t.queue_id, parents.size(), list));
        }
        return std::move(parents.front());
    }

    /// The IDs of the linked transactions of a tree into `ids`, of ambiguous candidates into
    /// `candidates`; `end` becomes the last delivery time.
    void collect(const TraceNode& n, std::set<Key>& ids, Micros& end, std::set<Key>& candidates) const {
        ids.insert(key(n.txn));
        for (const auto& a : n.txn.attempts) end = std::max(end, a.time);
        if (n.txn.attempts.empty()) end = std::max(end, n.txn.last_time);
        for (const auto& e : n.edges) {
            if (e.state == EdgeState::linked)
                for (const auto& c : e.nodes) collect(c, ids, end, candidates);
            else
                for (const auto& c : e.nodes) candidates.insert(key(c.txn)); // shown, not followed
        }
    }

    /// Attaches transactions with the root's Message-ID that no queue-ID link reached, where a
    /// delivery without a queue ID in its reply went to their host at their time.
    void attach_by_message_id(TraceNode& n, std::vector<Transaction>& others) {
        for (auto& e : n.edges)
            for (auto& c : e.nodes)
                if (e.state == EdgeState::linked) attach_by_message_id(c, others);
        std::string name, addr;
        for (std::size_t i = 0; i < n.txn.attempts.size() && !others.empty(); ++i) {
            const Attempt& a = n.txn.attempts[i];
            if (a.status != Status::sent || !next_hop_id(a.text).empty()) continue;
            relay_parts(a.relay, name, addr);
            if (is_loopback(name, addr)) continue;
            for (auto it = others.begin(); it != others.end(); ++it) {
                if (it->first_time < a.time - opt.window || it->first_time > a.time + opt.window) continue;
                HopLink l;
                l.rule = "message-id";
                l.kind = LinkKind::relay;
                l.relay_name = name;
                l.relay_addr = addr;
                l.time = a.time;
                l.attempt = static_cast<int>(i);
                std::string why;
                if (score(n.txn, l, *it, why) < 1) continue; // the Message-ID alone is not enough
                TraceEdge e;
                e.link = l;
                e.state = EdgeState::linked;
                e.host = it->host;
                e.match = "same Message-ID; " + why;
                e.delay = static_cast<double>(it->first_time - n.txn.first_time) / 1e6;
                e.delay_flagged = it->first_time < n.txn.first_time || it->first_time > a.time + opt.skew_tolerance;
                e.nodes.push_back(TraceNode{std::move(*it), {}});
                others.erase(it);
                if (!visited.count(key(e.nodes[0].txn))) expand(e.nodes[0]);
                n.edges.push_back(std::move(e));
                break;
            }
        }
    }
};

} // namespace

std::vector<Trace> trace_messages(Store& store, const std::vector<Transaction>& start, const TraceOptions& opt) {
    LocalTraceSource src(store);
    return trace_messages(src, start, opt);
}

std::vector<Trace> trace_messages(TraceSource& store, const std::vector<Transaction>& start, const TraceOptions& opt) {
    Ctx ctx(store, opt);
    std::vector<Trace> out;
    std::set<Key> done;
    for (const auto& s : start) {
        if (done.count(key(s))) continue;
        Trace tr;
        Transaction root = s;
        std::set<Key> climbed{key(root)};
        while (auto p = ctx.parent_of(root, tr.notes)) {
            if (!climbed.insert(key(*p)).second) break;
            root = std::move(*p);
        }
        if (done.count(key(root))) continue;
        tr.root.txn = std::move(root);
        ctx.visited.clear();
        ctx.nodes = 0;
        ctx.expand(tr.root);
        std::set<Key> ids, candidates;
        tr.start = tr.root.txn.first_time;
        tr.end = tr.start;
        ctx.collect(tr.root, ids, tr.end, candidates);
        if (!tr.root.txn.message_id.empty()) {
            std::vector<Transaction> others;
            for (auto& t : store.find_message_id(tr.root.txn.message_id, 1000))
                if (!ids.count(key(t)) && !candidates.count(key(t))) others.push_back(std::move(t));
            ctx.attach_by_message_id(tr.root, others);
            ids.clear();
            ctx.collect(tr.root, ids, tr.end, candidates);
            // another message's tree holds the rest, or they are unrelated messages re-using the ID
            std::erase_if(others, [&](const Transaction& t) { return ids.count(key(t)) > 0 || candidates.count(key(t)) > 0; });
            if (!others.empty())
                tr.notes.push_back(fmt::format("the Message-ID <{}> is also on {} transaction{} that no hand-off links "
                                               "to this message (another message re-using it, or a hop whose logs are missing)",
                                               tr.root.txn.message_id, others.size(), others.size() == 1 ? "" : "s"));
            tr.same_message_id = std::move(others);
        }
        if (ctx.nodes > opt.max_nodes)
            tr.notes.push_back(fmt::format("stopped after {} transactions", opt.max_nodes));
        done.insert(ids.begin(), ids.end());
        out.push_back(std::move(tr));
    }
    return out;
}

TraceKey parse_trace_key(std::string_view key) {
    TraceKey k;
    auto query = [&] {
        k.kind = TraceKey::Kind::query;
        k.value = key;
        return k;
    };
    if (key.find_first_of(" \t\"()") != std::string_view::npos) return query();
    if (std::size_t c = key.find(':'); c != std::string_view::npos) {
        std::string_view pre = key.substr(0, c);
        for (const auto& f : fields())
            if (f.name == pre) return query();
        std::string_view qid = key.substr(c + 1);
        if (!pre.empty() && is_id(qid) && pre.find('@') == std::string_view::npos) {
            k.kind = TraceKey::Kind::queue_id;
            k.host = pre;
            k.value = qid;
            return k;
        }
    }
    if (key.starts_with('<') || key.find('@') != std::string_view::npos) {
        std::string_view v = key;
        if (v.size() >= 2 && v.front() == '<' && v.back() == '>') v = v.substr(1, v.size() - 2);
        k.kind = TraceKey::Kind::message_id;
        k.value = v;
        return k;
    }
    if (is_id(key)) {
        k.kind = TraceKey::Kind::queue_id;
        k.value = key;
        return k;
    }
    return query();
}

std::vector<Transaction> find_key(TraceSource& store, const TraceKey& key) {
    switch (key.kind) {
    case TraceKey::Kind::message_id: return store.find_message_id(key.value, 1000);
    case TraceKey::Kind::queue_id:
        return store.find_queue_id(key.value, key.host, std::numeric_limits<Micros>::min(), std::numeric_limits<Micros>::max());
    case TraceKey::Kind::query: break;
    }
    return {};
}

} // namespace mxtrace
