// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace-gen: the Postfix line writers: smtpd receive, qmgr/smtp/lmtp/local delivery, amavis re-injection, the MX hops.
#include "sim.hpp"

namespace mxgen {

std::int64_t Sim::pf_receive(int host, std::int64_t t, const Client& c, std::string_view smtpd, bool postscreen,
                        const Env& env, std::size_t nrcpt, Hop& hop) {
    Host& h = hosts_[host];
    const std::string who = fmt::format("{}[{}]", c.name, c.ip);
    if (postscreen) {
        const int port = static_cast<int>(rng_.range(32768, 60999));
        emit(host, t, nullptr, "postfix/postscreen", h.postscreen_pid,
             fmt::format("CONNECT from [{}]:{} to [{}]:25", c.ip, port, h.public_ip));
        if (c.internal) {
            t += rng_.range(100, 900);
            emit(host, t, nullptr, "postfix/postscreen", h.postscreen_pid, fmt::format("WHITELISTED [{}]:{}", c.ip, port));
        } else {
            const std::uint32_t key = static_cast<std::uint32_t>(mix(fnv1a(c.ip)));
            const bool fresh = h.postscreen_seen.insert(key).second;
            t += fresh ? rng_.range(6 * kSec, 7 * kSec) : rng_.range(300, 2000);
            emit(host, t, nullptr, "postfix/postscreen", h.postscreen_pid,
                 fmt::format("PASS {} [{}]:{}", fresh ? "NEW" : "OLD", c.ip, port));
        }
        t += rng_.range(500, 3000);
    }
    const int spid = pid(h);
    emit(host, t, nullptr, smtpd, spid, fmt::format("connect from {}", who));
    const bool tls = !c.internal && rng_.chance(0.6);
    if (tls) {
        t += rng_.range(20000, 300000);
        emit(host, t, nullptr, smtpd, spid, tls_line(who));
    }
    t += rng_.range(50000, 500000);
    hop.qid = pf_qid(h, t);
    emit(host, t, &hop, smtpd, spid, fmt::format("{}: client={}", hop.qid, who));
    t += rng_.range(20000, 100000);
    hop.message_id = env.msgid;
    emit(host, t, &hop, "postfix/cleanup", pid(h), fmt::format("{}: message-id=<{}>", hop.qid, env.msgid));
    const std::int64_t t_active = t + rng_.range(50000, 600000);
    hop.sender_known = true;
    hop.sender = env.sender;
    emit(host, t_active, &hop, "postfix/qmgr", h.qmgr_pid,
         fmt::format("{}: from=<{}>, size={}, nrcpt={} (queue active)", hop.qid, env.sender, env.size, nrcpt));
    const std::size_t n = nrcpt;
    emit(host, t_active + rng_.range(1000, 80000), nullptr, smtpd, spid,
         smtpd == "postfix/10025/smtpd"
             ? fmt::format("disconnect from {} ehlo=1 mail=1 rcpt={} data=1 quit=1 commands={}", who, n, n + 4)
             : fmt::format("disconnect from {} ehlo={} {}mail=1 rcpt={} data=1 quit=1 commands={}", who, tls ? 2 : 1,
                           tls ? "starttls=1 " : "", n, n + (tls ? 6 : 4)));
    return t_active;
}

std::string Sim::relay_of(const Group& g) const {
    switch (g.route) {
    case Route::lmtp: return "mbox.corp.example[private/dovecot-lmtp]";
    case Route::local: return "local";
    case Route::to_mbox: return fmt::format("mbox.corp.example[{}]:25", hosts_[MBOX].ip);
    case Route::amavis: return "127.0.0.1[127.0.0.1]:10024";
    case Route::smtp_ext: {
        const ExtDomain& d = ext_[static_cast<std::size_t>(g.domain)];
        return fmt::format("{}[{}]:25", d.mx_host, d.mx_ip);
    }
    }
    return {};
}

std::string_view Sim::program_of(Route r) {
    switch (r) {
    case Route::lmtp: return "postfix/lmtp";
    case Route::local: return "postfix/local";
    case Route::amavis: return "postfix/amavis/smtp";
    default: return "postfix/smtp";
    }
}

std::string Sim::delays(std::int64_t total, std::int64_t queued_part) {
    const std::int64_t b = rng_.range(0, 3) * 10000, c = rng_.range(0, 40000), d = rng_.range(10000, 200000);
    std::int64_t a = std::max<std::int64_t>(0, std::min(queued_part, total - b - c - d));
    return fmt::format("delay={}, delays={}/{}/{}/{}", pf_secs(total), pf_secs(a), pf_secs(b), pf_secs(c), pf_secs(d));
}

std::string Sim::remote_ok(const ExtDomain& d, std::string_view msgid) {
    switch (d.remote) {
    case 0: return fmt::format("250 2.0.0 Ok: queued as {}", rand_token(10, "0123456789ABCDEF"));
    case 1:
        return fmt::format("250 OK id={}-{}-{}", rand_token(6, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
                           rand_token(6, "0123456789ABCDEF"), rand_token(2, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
    default: return fmt::format("250 2.6.0 <{}> [InternalId={}] Queued mail for delivery", msgid, rng_.range(1000000000, 9999999999));
    }
}

void Sim::pf_deliver(int host, Hop& hop, Record& rec, std::int64_t t_active, const Env& env, std::vector<Group> groups,
                std::size_t nrcpt) {
    Host& h = hosts_[host];
    const std::int64_t t_queued = hop.first;
    const std::int64_t lifetime = 5 * kDay;
    std::int64_t t = t_active;
    std::int64_t backoff = 300 * kSec;
    std::vector<std::pair<std::string, std::string>> failed; // recipient, reason (for the NDR)
    bool expired = false;
    for (int round = 0;; ++round) {
        bool last_round = false;
        if (round > 0) {
            t += backoff + rng_.range(0, 300) * kSec;
            backoff = std::min<std::int64_t>(backoff * 2, 4000 * kSec);
            if (t >= t_queued + lifetime) {
                t = std::max(t, t_queued + lifetime + rng_.range(0, 300) * kSec);
                last_round = true;
            }
            emit(host, t, &hop, "postfix/qmgr", h.qmgr_pid,
                 fmt::format("{}: from=<{}>, size={}, nrcpt={} (queue active)", hop.qid, env.sender, env.size, nrcpt));
        }
        t += rng_.range(5000, 200000);
        bool pending = false;
        for (Group& g : groups) {
            if (g.done) continue;
            const bool defer = g.expire || round < g.defers;
            const std::string relay = relay_of(g);
            const std::string_view prog = program_of(g.route);
            const int dpid = pid(h);
            if (defer) {
                std::string why, dsn = "4.4.1", rl = "none";
                if (g.route == Route::to_mbox) {
                    why = fmt::format("connect to mbox.corp.example[{}]:25: Connection refused", hosts_[MBOX].ip);
                } else {
                    const ExtDomain& d = ext_[static_cast<std::size_t>(g.domain)];
                    if (d.greylists && !g.expire) {
                        rl = relay;
                        dsn = "4.7.1";
                        why = fmt::format("host {}[{}] said: 450 4.7.1 <{}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/{}.html (in reply to RCPT TO command)",
                                          d.mx_host, d.mx_ip, g.rcpt[0], d.name);
                    } else if (g.expire && (mix(d.h) & 1)) {
                        why = fmt::format("Host or domain name not found. Name service error for name={} type=MX: Host not found, try again", d.name);
                    } else {
                        why = fmt::format("connect to {}[{}]:25: Connection timed out", d.mx_host, d.mx_ip);
                    }
                }
                for (std::size_t i = 0; i < g.rcpt.size(); ++i) {
                    t += rng_.range(1000, 30000);
                    const std::string orig = g.orig[i].empty() ? "" : fmt::format(", orig_to=<{}>", g.orig[i]);
                    emit(host, t, &hop, prog, dpid,
                         fmt::format("{}: to=<{}>{}, relay={}, {}, dsn={}, status=deferred ({})", hop.qid, g.rcpt[i], orig,
                                     rl, delays(t - t_queued, t - t_queued), dsn, why));
                    hop.status(g.rcpt[i], "deferred");
                }
                if (last_round) {
                    for (std::size_t i = 0; i < g.rcpt.size(); ++i) {
                        hop.status(g.rcpt[i], "expired");
                        rec.set_final(g.top[i], "expired");
                        failed.emplace_back(g.rcpt[i], why);
                    }
                    g.done = true;
                    expired = true;
                } else {
                    pending = true;
                }
                continue;
            }
            // final try: delivered or bounced
            std::string next_qid;
            std::vector<std::size_t> ok;
            for (std::size_t i = 0; i < g.rcpt.size(); ++i)
                if (!g.bounce[i]) ok.push_back(i);
            const std::int64_t t_hand = t + rng_.range(20000, 400000);
            if (!ok.empty() && (g.route == Route::amavis || g.route == Route::to_mbox)) {
                std::vector<std::string> rc, tp;
                for (std::size_t i : ok) {
                    rc.push_back(g.rcpt[i]);
                    tp.push_back(g.top[i]);
                }
                next_qid = g.route == Route::amavis ? amavis_hop(host, t_hand, rec, env, hop.qid, rc, tp)
                                                    : mbox_hop(host, t_hand, rec, env, rc, tp);
            }
            t = t_hand + rng_.range(2000, 60000);
            const ExtDomain* d = g.route == Route::smtp_ext ? &ext_[static_cast<std::size_t>(g.domain)] : nullptr;
            std::string ext_reply;
            if (d) ext_reply = remote_ok(*d, env.msgid);
            for (std::size_t i = 0; i < g.rcpt.size(); ++i) {
                t += rng_.range(1000, 90000);
                const std::string orig = g.orig[i].empty() ? "" : fmt::format(", orig_to=<{}>", g.orig[i]);
                std::string text, dsn = "2.0.0", status = "sent";
                if (g.bounce[i]) {
                    status = "bounced";
                    if (g.route == Route::lmtp) {
                        dsn = "5.2.2";
                        text = fmt::format("host mbox.corp.example[private/dovecot-lmtp] said: 552 5.2.2 <{}> Quota exceeded (mailbox for user is full) (in reply to end of DATA command)", g.rcpt[i]);
                    } else {
                        dsn = "5.1.1";
                        text = fmt::format("host {}[{}] said: 550 5.1.1 <{}>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)",
                                           d->mx_host, d->mx_ip, g.rcpt[i]);
                    }
                    failed.emplace_back(g.rcpt[i], text);
                } else {
                    switch (g.route) {
                    case Route::lmtp:
                        text = fmt::format("250 2.0.0 <{}> {} Saved", g.rcpt[i],
                                           rand_token(22, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"));
                        break;
                    case Route::local: text = "delivered to mailbox"; break;
                    case Route::amavis:
                        text = fmt::format("250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as {}", next_qid);
                        break;
                    case Route::to_mbox: text = fmt::format("250 2.0.0 Ok: queued as {}", next_qid); break;
                    case Route::smtp_ext: text = ext_reply; break;
                    }
                }
                emit(host, t, &hop, prog, dpid,
                     fmt::format("{}: to=<{}>{}, relay={}, {}, dsn={}, status={} ({})", hop.qid, g.rcpt[i], orig, relay,
                                 delays(t - t_queued, t_active - t_queued), dsn, status, text));
                hop.status(g.rcpt[i], status);
                if (g.route == Route::lmtp && !g.bounce[i])
                    emit(host, t - rng_.range(100, 900), nullptr, "dovecot", 0,
                         fmt::format("lmtp({})<{}><{}>: msgid=<{}>: saved mail to INBOX", g.rcpt[i], rng_.range(10000, 99999),
                                     rand_token(22, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"), env.msgid));
                if (g.route == Route::lmtp || g.route == Route::local || g.route == Route::smtp_ext)
                    rec.set_final(g.top[i], status);
            }
            g.done = true;
        }
        if (!pending) break;
    }
    t += rng_.range(1000, 50000);
    if (expired)
        emit(host, t, &hop, "postfix/qmgr", h.qmgr_pid,
             fmt::format("{}: from=<{}>, status=expired, returned to sender", hop.qid, env.sender));
    if (!failed.empty() && !env.sender.empty()) {
        // non-delivery notification back to the sender
        Record& nr = new_record("bounce", static_cast<std::int64_t>(rec.id));
        Env ne;
        ne.sender = "";
        t += rng_.range(2000, 20000);
        Hop& b = new_hop(nr, host, pf_qid(h, t));
        Civil c = civil_of(t);
        ne.msgid = fmt::format("{:04}{:02}{:02}{:02}{:02}{:02}.{}@{}", c.y, c.m, c.d, c.hh, c.mm, c.ss, b.qid, h.fqdn);
        ne.size = env.size / 4 + 2000 + static_cast<std::int64_t>(failed.size()) * 300;
        nr.sender = "";
        nr.message_id = ne.msgid;
        nr.recipients = {env.sender};
        b.message_id = ne.msgid;
        emit(host, t, &b, "postfix/cleanup", pid(h), fmt::format("{}: message-id=<{}>", b.qid, ne.msgid));
        t += rng_.range(2000, 20000);
        emit(host, t, &hop, "postfix/bounce", pid(h), fmt::format("{}: sender non-delivery notification: {}", hop.qid, b.qid));
        hop.notification = b.qid;
        t += rng_.range(2000, 20000);
        emit(host, t, &hop, "postfix/qmgr", h.qmgr_pid, fmt::format("{}: removed", hop.qid));
        t += rng_.range(2000, 20000);
        b.sender_known = true;
        b.sender = "";
        emit(host, t, &b, "postfix/qmgr", h.qmgr_pid, fmt::format("{}: from=<>, size={}, nrcpt=1 (queue active)", b.qid, ne.size));
        Group g;
        g.rcpt = {env.sender};
        g.top = {env.sender};
        g.orig = {""};
        g.bounce = {0};
        if (env.sender.ends_with("@corp.example")) {
            g.route = Route::lmtp;
            if (host != MBOX) g.route = Route::to_mbox;
        } else {
            g.route = Route::smtp_ext;
            g.domain = domain_index(env.sender);
            if (g.domain < 0) g.domain = ext_domain();
            const double u = rng_.unit();
            if (u < 0.03) g.expire = true; // backscatter to a dead domain
            else if (u < 0.08) g.defers = static_cast<int>(rng_.range(1, 6));
        }
        pf_deliver(host, b, nr, t, ne, g_vec(std::move(g)), 1);
    } else {
        emit(host, t, &hop, "postfix/qmgr", h.qmgr_pid, fmt::format("{}: removed", hop.qid));
    }
}

std::vector<Group> Sim::g_vec(Group g) {
    std::vector<Group> v;
    v.push_back(std::move(g));
    return v;
}

int Sim::domain_index(std::string_view addr) const {
    auto it = ext_index_.find(std::string(addr.substr(addr.find('@') + 1)));
    return it == ext_index_.end() ? -1 : it->second;
}

std::string Sim::amavis_hop(int host, std::int64_t t, Record& rec, const Env& env, const std::string& parent_qid,
                       const std::vector<std::string>& rcpt, const std::vector<std::string>& top) {
    Hop& hop = new_hop(rec, host, "");
    Env e2 = env;
    e2.size = env.size + 600 + static_cast<std::int64_t>(rng_.below(400));
    const std::int64_t t0 = t - rng_.range(150000, 400000);
    Client lc{"localhost", "127.0.0.1", true};
    const std::int64_t t_active = pf_receive(host, t0, lc, "postfix/10025/smtpd", false, e2, rcpt.size(), hop);
    // amavis's own summary line (another program)
    emit(host, t - rng_.range(1000, 9000), nullptr, "amavis", amavis_pid_(host),
         fmt::format("({}-{:02}) Passed CLEAN {{RelayedInbound}}, [{}]:{} <{}> -> <{}>, Queue-ID: {}, Message-ID: <{}>, mail_id: {}, Hits: {}.{:03}, size: {}, queued_as: {}, {} ms",
                     amavis_pid_(host), rng_.range(1, 99), rec.client_ip.empty() ? hosts_[SMTP].ip : rec.client_ip,
                     rng_.range(32768, 60999), env.sender, rcpt[0], parent_qid, env.msgid,
                     rand_token(12, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"), rng_.range(-2, 4),
                     rng_.range(0, 999), env.size, hop.qid, rng_.range(200, 5000)));
    Group g;
    g.route = Route::to_mbox;
    g.rcpt = rcpt;
    g.top = top;
    g.orig.assign(rcpt.size(), "");
    g.bounce.assign(rcpt.size(), 0);
    if (rng_.chance(0.02)) g.defers = static_cast<int>(rng_.range(1, 7));
    pf_deliver(host, hop, rec, t_active, e2, g_vec(std::move(g)), rcpt.size());
    return hop.qid;
}

std::string Sim::mx_hop(int mx, std::int64_t t, Record& rec, const Env& env, const Client& c,
                   const std::vector<std::string>& rcpt, const std::vector<std::string>& top) {
    Hop& hop = new_hop(rec, mx, "");
    const std::int64_t t_active = pf_receive(mx, t, c, "postfix/smtpd", true, env, rcpt.size(), hop);
    Group g;
    g.route = rng_.chance(0.7) ? Route::amavis : Route::to_mbox;
    g.rcpt = rcpt;
    g.top = top;
    g.orig.assign(rcpt.size(), "");
    g.bounce.assign(rcpt.size(), 0);
    if (g.route == Route::to_mbox && rng_.chance(0.02)) g.defers = static_cast<int>(rng_.range(1, 7));
    pf_deliver(mx, hop, rec, t_active, env, g_vec(std::move(g)), rcpt.size());
    return hop.qid;
}


} // namespace mxgen
