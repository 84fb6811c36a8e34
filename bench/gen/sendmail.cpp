// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace-gen: the Sendmail relay's line writer.
#include "sim.hpp"

namespace mxgen {

void Sim::sm_deliver(Hop& hop, Record& rec, int conn_pid, const Env& env, std::vector<SmGroup> groups,
                std::int64_t pri, bool dsn_known_sender) {
    Host& h = hosts_[SMTP];
    const std::int64_t t_queued = hop.first;
    std::int64_t t = t_queued + rng_.range(100000, 900000);
    int dpid = conn_pid + 1;
    std::vector<std::string> bounced;
    for (int round = 0;; ++round) {
        if (round > 0) {
            t += rng_.range(25, 35) * kMin;
            dpid = pid(h);
            pri += 90000;
        }
        bool pending = false;
        for (SmGroup& g : groups) {
            if (g.done) continue;
            const ExtDomain* d = g.internal ? nullptr : &ext_[static_cast<std::size_t>(g.domain)];
            const std::string relay = g.internal ? fmt::format("{}. [{}]", hosts_[g.mx].fqdn, hosts_[g.mx].ip)
                                                 : fmt::format("{}. [{}]", d->mx_host, d->mx_ip);
            t += rng_.range(200000, 3000000);
            const std::string delay = fmt::format("delay={}, xdelay={}", sm_delay(t - t_queued),
                                                  sm_delay(std::min(t - t_queued, rng_.range(0, 4 * kSec))));
            if (round < g.defers) {
                std::string why = d && d->greylists ? "Deferred: 451 4.7.1 Please try again later"
                                                    : fmt::format("Deferred: Connection timed out with {}.", d ? d->mx_host : hosts_[g.mx].fqdn);
                emit(SMTP, t, &hop, "sm-mta", dpid,
                     fmt::format("{}: to={}, {}, mailer=esmtp, pri={}, relay={}, dsn=4.0.0, stat={}", hop.qid,
                                 join_angle(g.rcpt), delay, pri, relay, why));
                for (auto& r : g.rcpt) hop.status(r, "deferred");
                pending = true;
                continue;
            }
            std::vector<std::string> ok, ok_top;
            for (std::size_t i = 0; i < g.rcpt.size(); ++i) {
                if (g.bounce[i]) {
                    emit(SMTP, t, &hop, "sm-mta", dpid,
                         fmt::format("{}: to=<{}>, {}, mailer=esmtp, pri={}, relay={}, dsn=5.1.1, stat=User unknown",
                                     hop.qid, g.rcpt[i], delay, pri, relay));
                    hop.status(g.rcpt[i], "bounced");
                    rec.set_final(g.top[i], "bounced");
                    bounced.push_back(g.rcpt[i]);
                    t += rng_.range(1000, 50000);
                } else {
                    ok.push_back(g.rcpt[i]);
                    ok_top.push_back(g.top[i]);
                }
            }
            if (!ok.empty()) {
                std::string reply;
                if (g.internal) {
                    Client c{h.fqdn, h.ip, true};
                    const std::string q = mx_hop(g.mx, t - rng_.range(1500000, 2500000), rec, env, c, ok, ok_top);
                    reply = fmt::format("Ok: queued as {}", q);
                } else {
                    reply = remote_ok(*d, env.msgid).substr(4); // Sendmail drops the reply code
                    if (reply.size() > 6 && reply[1] == '.' && reply[3] == '.') reply = reply.substr(reply.find(' ') + 1);
                }
                emit(SMTP, t, &hop, "sm-mta", dpid,
                     fmt::format("{}: to={}, {}, mailer=esmtp, pri={}, relay={}, dsn=2.0.0, stat=Sent ({})", hop.qid,
                                 join_angle(ok), delay, pri, relay, reply));
                for (std::size_t i = 0; i < ok.size(); ++i) {
                    hop.status(ok[i], "sent");
                    if (!g.internal) rec.set_final(ok_top[i], "sent");
                }
            }
            g.done = true;
        }
        if (!pending) break;
    }
    if (!bounced.empty() && dsn_known_sender) {
        // DSN to the (internal) sender, relayed through an MX to the mail store
        t += rng_.range(500000, 2000000);
        Record& dr = new_record("dsn", static_cast<std::int64_t>(rec.id));
        Hop& d = new_hop(dr, SMTP, sm_qid(h, t, dpid));
        d.sender_known = false; // Sendmail logs no from= for its DSN
        dr.sender_known = true;
        dr.sender = "";
        dr.recipients = {env.sender};
        emit(SMTP, t, &hop, "sm-mta", dpid, fmt::format("{}: {}: DSN: User unknown", hop.qid, d.qid));
        hop.notification = d.qid;
        Civil c = civil_of(t);
        Env de;
        de.sender = "";
        de.msgid = fmt::format("{:04}{:02}{:02}{:02}{:02}.{}@{}", c.y, c.m, c.d, c.hh, c.mm, d.qid, h.fqdn);
        de.size = env.size / 3 + 2500;
        dr.message_id = de.msgid;
        const int mx = rng_.chance(0.7) ? MX1 : MX2;
        t += rng_.range(500000, 2000000);
        Client cl{h.fqdn, h.ip, true};
        const std::string q = mx_hop(mx, t - rng_.range(1500000, 2500000), dr, de, cl, {env.sender}, {env.sender});
        emit(SMTP, t, &d, "sm-mta", dpid,
             fmt::format("{}: to=<{}>, delay=00:00:00, xdelay=00:00:01, mailer=esmtp, pri=30000, relay={}. [{}], dsn=2.0.0, stat=Sent (Ok: queued as {})",
                         d.qid, env.sender, hosts_[mx].fqdn, hosts_[mx].ip, q));
        d.status(env.sender, "sent");
    }
}

std::string Sim::join_angle(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& r : v) {
        if (!s.empty()) s += ',';
        s += '<';
        s += r;
        s += '>';
    }
    return s;
}


} // namespace mxgen
