// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace-gen: the kinds of messages: inbound, outbound, rejects, cron mail, noise.
#include "sim.hpp"

namespace mxgen {

std::size_t Sim::rcpt_count() {
    const double u = rng_.unit();
    if (u < 0.78) return 1;
    if (u < 0.95) return static_cast<std::size_t>(rng_.range(2, 4));
    return static_cast<std::size_t>(rng_.range(5, 15));
}

std::int64_t Sim::msg_size() {
    std::int64_t s = rng_.range(900, 9000);
    if (rng_.chance(0.25)) s += rng_.range(5000, 80000);
    if (rng_.chance(0.05)) s += rng_.range(100000, 5000000);
    return s;
}

std::string Sim::msgid_for(std::string_view domain, std::int64_t t) {
    Civil c = civil_of(t);
    switch (rng_.below(4)) {
    case 0:
        return fmt::format("{:04}{:02}{:02}{:02}{:02}{:02}.{}.{:x}@{}", c.y, c.m, c.d, c.hh, c.mm, c.ss,
                           rand_token(8, "0123456789abcdef"), msg_counter_, domain);
    case 1:
        return fmt::format("{}-{}-{}-{:x}@{}", rand_token(8, "0123456789ABCDEF"), rand_token(4, "0123456789ABCDEF"),
                           rand_token(4, "0123456789ABCDEF"), msg_counter_, domain);
    case 2:
        return fmt::format("CA+{}{:x}@mail.{}", rand_token(24, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"),
                           msg_counter_, domain);
    default: return fmt::format("{:x}.{}@{}", msg_counter_ * 7919 + 17, rand_token(10, "0123456789"), domain);
    }
}

void Sim::inbound(std::int64_t t) {
    Record& r = new_record("inbound", -1);
    const int dom = ext_domain();
    const ExtDomain& d = ext_[static_cast<std::size_t>(dom)];
    Env env;
    env.sender = rng_.chance(0.01) ? "" : ext_user(dom);
    env.msgid = msgid_for(d.name, t);
    env.size = msg_size();
    const std::size_t n = rcpt_count();
    std::vector<std::string> rcpt;
    std::set<std::size_t> seen;
    while (rcpt.size() < n) {
        const std::size_t u = int_user();
        if (seen.insert(u).second) rcpt.push_back(internal_[u]);
        if (seen.size() >= internal_.size()) break;
    }
    r.sender = env.sender;
    r.message_id = env.msgid;
    r.recipients = rcpt;
    const bool rdns = (d.h >> 7) % 10 != 0;
    Client c{rdns ? d.out_host : "unknown", d.out_ip, false};
    r.client_ip = c.ip;
    const int mx = rng_.chance(0.6) ? MX1 : MX2;
    mx_hop(mx, t, r, env, c, rcpt, rcpt);
    if (rng_.chance(0.3)) noqueue_reject(mx, t + rng_.range(1, 40 * kSec));
}

void Sim::outbound(std::int64_t t) {
    Host& h = hosts_[SMTP];
    Record& r = new_record("outbound", -1);
    const std::size_t su = int_user();
    Env env;
    env.sender = internal_[su];
    const std::size_t ws = (*ws_zipf_)(rng_);
    const std::string ws_name = fmt::format("ws{:03}.corp.example", ws + 1);
    const std::string ws_ip = fmt::format("10.2.{}.{}", ws / 200, ws % 200 + 10);
    env.msgid = msgid_for(ws_name, t);
    env.size = msg_size();
    const std::size_t n = rcpt_count();
    std::vector<std::string> rcpt;
    std::vector<SmGroup> groups;
    std::unordered_map<int, std::size_t> by_dom;
    int last_dom = -1;
    for (std::size_t i = 0; i < n; ++i) {
        if (rng_.chance(0.2)) {
            const std::string a = internal_[int_user()];
            if (std::find(rcpt.begin(), rcpt.end(), a) != rcpt.end() || a == env.sender) continue;
            rcpt.push_back(a);
            auto [it, fresh] = by_dom.try_emplace(-1, groups.size());
            if (fresh) {
                SmGroup g;
                g.internal = true;
                g.mx = rng_.chance(0.7) ? MX1 : MX2;
                groups.push_back(g);
            }
            SmGroup& g = groups[it->second];
            g.rcpt.push_back(a);
            g.top.push_back(a);
            g.bounce.push_back(0);
        } else {
            // several recipients at one domain are common (and share one to= line)
            const int dom = last_dom >= 0 && rng_.chance(0.5) ? last_dom : ext_domain();
            last_dom = dom;
            const std::string a = ext_user(dom);
            if (std::find(rcpt.begin(), rcpt.end(), a) != rcpt.end()) continue;
            rcpt.push_back(a);
            auto [it, fresh] = by_dom.try_emplace(dom, groups.size());
            if (fresh) {
                SmGroup g;
                g.domain = dom;
                const ExtDomain& d = ext_[static_cast<std::size_t>(dom)];
                if (d.greylists) g.defers = 1;
                else if (rng_.chance(0.04)) g.defers = static_cast<int>(rng_.range(1, 12));
                groups.push_back(g);
            }
            SmGroup& g = groups[it->second];
            g.rcpt.push_back(a);
            g.top.push_back(a);
            g.bounce.push_back(static_cast<char>(rng_.chance(0.015)));
        }
    }
    if (rcpt.empty()) { // all duplicates: one outside recipient
        const int dom = ext_domain();
        SmGroup g;
        g.domain = dom;
        g.rcpt = {ext_user(dom)};
        g.top = g.rcpt;
        g.bounce = {0};
        rcpt = g.rcpt;
        groups.push_back(g);
    }
    r.sender = env.sender;
    r.message_id = env.msgid;
    r.recipients = rcpt;
    const int cpid = pid(h);
    Hop& hop = new_hop(r, SMTP, sm_qid(h, t, cpid));
    hop.sender_known = true;
    hop.sender = env.sender;
    hop.message_id = env.msgid;
    emit(SMTP, t, &hop, "sm-mta", cpid,
         fmt::format("{}: from=<{}>, size={}, class=0, nrcpts={}, msgid=<{}>, proto=ESMTP, daemon=MTA, relay={} [{}]",
                     hop.qid, env.sender, env.size, rcpt.size(), env.msgid, ws_name, ws_ip));
    const std::int64_t pri = env.size + 30000 * static_cast<std::int64_t>(rcpt.size());
    sm_deliver(hop, r, cpid, env, std::move(groups), pri, true);
    if (rng_.chance(0.04)) relay_reject(t + rng_.range(1, 60 * kSec));
}

void Sim::relay_reject(std::int64_t t) {
    Host& h = hosts_[SMTP];
    Record& r = new_record("reject", -1);
    const int cpid = pid(h);
    Hop& hop = new_hop(r, SMTP, sm_qid(h, t, cpid));
    const int dom = ext_domain();
    const std::string victim = ext_user(dom);
    const std::uint64_t x = rng_.next();
    const std::string ip = ip_of(x);
    std::string dashed = ip;
    std::replace(dashed.begin(), dashed.end(), '.', '-');
    const std::string host = fmt::format("dsl-{}.dyn.{}", dashed, ext_[static_cast<std::size_t>(ext_domain())].name);
    r.sender_known = false;
    r.recipients = {victim};
    r.set_final(victim, "rejected");
    hop.sender_known = false;
    emit(SMTP, t, &hop, "sm-mta", cpid,
         fmt::format("{}: ruleset=check_rcpt, arg1=<{}>, relay={} [{}] (may be forged), reject=550 5.7.1 <{}>... Relaying denied",
                     hop.qid, victim, host, ip, victim));
    hop.status(victim, "rejected");
    emit(SMTP, t + rng_.range(100000, 3 * kSec), nullptr, "sm-mta", cpid,
         fmt::format("{}: lost input channel from {} [{}] (may be forged) to MTA after rcpt", hop.qid, host, ip));
}

void Sim::noqueue_reject(int mx, std::int64_t t) {
    Host& h = hosts_[mx];
    const std::uint64_t x = rng_.next();
    const std::string ip = ip_of(x);
    const int port = static_cast<int>(rng_.range(32768, 60999));
    const int dom = ext_domain();
    const std::string from = fmt::format("{}@{}", rand_token(8, "abcdefghijklmnopqrstuvwxyz"), ext_[static_cast<std::size_t>(dom)].name);
    const bool relay_attempt = rng_.chance(0.3);
    const std::string to = relay_attempt ? "postmaster@" + ext_[static_cast<std::size_t>(dom)].name
                                         : fmt::format("{}@corp.example", rand_token(6, "abcdefghijklmnopqrstuvwxyz"));
    const std::string helo = fmt::format("[{}]", ip);
    emit(mx, t, nullptr, "postfix/postscreen", h.postscreen_pid, fmt::format("CONNECT from [{}]:{} to [{}]:25", ip, port, h.public_ip));
    if (rng_.chance(0.4)) {
        t += rng_.range(100000, 6 * kSec);
        emit(mx, t, nullptr, "postfix/postscreen", h.postscreen_pid, fmt::format("DNSBL rank {} for [{}]:{}", rng_.range(2, 9), ip, port));
        t += rng_.range(100000, 3 * kSec);
        emit(mx, t, nullptr, "postfix/postscreen", h.postscreen_pid,
             fmt::format("NOQUEUE: reject: RCPT from [{}]:{}: 550 5.7.1 Service unavailable; client [{}] blocked using zen.spamhaus.org; from=<{}>, to=<{}>, proto=ESMTP, helo=<{}>",
                         ip, port, ip, from, to, helo));
        t += rng_.range(10000, 500000);
        emit(mx, t, nullptr, "postfix/postscreen", h.postscreen_pid, fmt::format("DISCONNECT [{}]:{}", ip, port));
        return;
    }
    t += rng_.range(6 * kSec, 7 * kSec);
    emit(mx, t, nullptr, "postfix/postscreen", h.postscreen_pid, fmt::format("PASS NEW [{}]:{}", ip, port));
    const int spid = pid(h);
    t += rng_.range(1000, 100000);
    emit(mx, t, nullptr, "postfix/smtpd", spid, fmt::format("connect from unknown[{}]", ip));
    t += rng_.range(200000, 2 * kSec);
    if (relay_attempt)
        emit(mx, t, nullptr, "postfix/smtpd", spid,
             fmt::format("NOQUEUE: reject: RCPT from unknown[{}]: 554 5.7.1 <{}>: Relay access denied; from=<{}> to=<{}> proto=ESMTP helo=<{}>",
                         ip, to, from, to, helo));
    else
        emit(mx, t, nullptr, "postfix/smtpd", spid,
             fmt::format("NOQUEUE: reject: RCPT from unknown[{}]: 550 5.1.1 <{}>: Recipient address rejected: User unknown in virtual mailbox table; from=<{}> to=<{}> proto=ESMTP helo=<{}>",
                         ip, to, from, to, helo));
    t += rng_.range(100000, 900000);
    emit(mx, t, nullptr, "postfix/smtpd", spid,
         fmt::format("disconnect from unknown[{}] ehlo=1 mail=1 rcpt=0/1 rset=1 quit=1 commands=4/5", ip));
}

void Sim::cron_mail(int host, std::int64_t t) {
    Host& h = hosts_[host];
    Record& r = new_record("local", -1);
    const std::int64_t size = rng_.range(900, 4000);
    if (!h.sendmail) {
        Hop& hop = new_hop(r, host, pf_qid(h, t));
        emit(host, t, &hop, "postfix/pickup", h.pickup_pid, fmt::format("{}: uid=0 from=<root>", hop.qid));
        Civil c = civil_of(t);
        hop.message_id = fmt::format("{:04}{:02}{:02}{:02}{:02}{:02}.{}@{}", c.y, c.m, c.d, c.hh, c.mm, c.ss, hop.qid, h.fqdn);
        r.message_id = hop.message_id;
        r.sender = "root@" + h.fqdn;
        r.recipients = {"root@" + h.fqdn};
        emit(host, t + 3000, &hop, "postfix/cleanup", pid(h), fmt::format("{}: message-id=<{}>", hop.qid, hop.message_id));
        hop.sender_known = true;
        hop.sender = r.sender;
        emit(host, t + 15000, &hop, "postfix/qmgr", h.qmgr_pid,
             fmt::format("{}: from=<{}>, size={}, nrcpt=1 (queue active)", hop.qid, r.sender, size));
        emit(host, t + 27000, &hop, "postfix/local", pid(h),
             fmt::format("{}: to=<root@{}>, orig_to=<root>, relay=local, delay=0.03, delays=0.02/0/0/0.01, dsn=2.0.0, status=sent (delivered to mailbox)",
                         hop.qid, h.fqdn));
        hop.status("root@" + h.fqdn, "sent");
        r.set_final("root@" + h.fqdn, "sent");
        emit(host, t + 29000, &hop, "postfix/qmgr", h.qmgr_pid, fmt::format("{}: removed", hop.qid));
        return;
    }
    const int mpid = pid(h);
    const int dpid = pid(h);
    Hop& a = new_hop(r, host, sm_qid(h, t, mpid));
    Hop& b = new_hop(r, host, sm_qid(h, t, dpid));
    const std::string msgid = fmt::format("{:04}{:02}{:02}{:02}{:02}.{}@{}", civil_of(t).y, civil_of(t).m, civil_of(t).d,
                                          civil_of(t).hh, civil_of(t).mm, a.qid, h.fqdn);
    r.sender = "root";
    r.message_id = msgid;
    r.recipients = {"root"};
    a.sender_known = b.sender_known = true;
    a.sender = "root";
    b.sender = "root@" + h.fqdn;
    a.message_id = b.message_id = msgid;
    emit(host, t, &a, "sendmail", mpid,
         fmt::format("{}: from=root, size={}, class=0, nrcpts=1, msgid=<{}>, relay=root@localhost", a.qid, size, msgid));
    emit(host, t + 200000, &b, "sm-mta", dpid,
         fmt::format("{}: from=<root@{}>, size={}, class=0, nrcpts=1, msgid=<{}>, proto=ESMTP, daemon=MTA, relay=localhost [127.0.0.1]",
                     b.qid, h.fqdn, size + 231, msgid));
    emit(host, t + 250000, &a, "sendmail", mpid,
         fmt::format("{}: to=root, ctladdr=root (0/0), delay=00:00:00, xdelay=00:00:00, mailer=relay, pri={}, relay=[127.0.0.1] [127.0.0.1], dsn=2.0.0, stat=Sent ({} Message accepted for delivery)",
                     a.qid, 30000 + size, b.qid));
    a.status("root", "sent");
    const int lpid = pid(h);
    emit(host, t + 300000, &b, "sm-mta", lpid,
         fmt::format("{}: to=root, ctladdr=<root@{}> (0/0), delay=00:00:00, xdelay=00:00:00, mailer=local, pri={}, dsn=2.0.0, stat=Sent",
                     b.qid, h.fqdn, 30231 + size));
    b.status("root", "sent");
    r.set_final("root", "sent");
}

void Sim::noise_hour(std::int64_t hour) {
    const Civil c = civil_of(hour);
    for (int host = 0; host < kHosts; ++host) {
        Host& h = hosts_[host];
        const std::int64_t t = hour + 17 * kMin + rng_.range(0, 900000);
        const int cp = pid(h);
        emit(host, t, nullptr, "CRON", cp, "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)");
        emit(host, t + 3000, nullptr, "CRON", cp + 1, "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)");
        emit(host, t + rng_.range(10000, 90000), nullptr, "CRON", cp, "pam_unix(cron:session): session closed for user root");
        if (c.hh == 6) {
            const std::int64_t td = hour + 25 * kMin + rng_.range(0, 2 * kSec);
            emit(host, td, nullptr, "CRON", cp + 2, "(root) CMD (test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily ))");
            emit(host, td + kMin * 21 / 10, nullptr, "systemd", 1, "Starting Daily apt download activities...");
            emit(host, td + kMin * 21 / 10 + 3 * kSec, nullptr, "systemd", 1, "apt-daily.service: Succeeded.");
            cron_mail(host, td + rng_.range(kSec, 3 * kSec));
        }
        if (rng_.chance(0.15)) {
            const std::int64_t ts = hour + rng_.range(0, kHour - 20 * kMin);
            const int sp = pid(h);
            emit(host, ts, nullptr, "sshd", sp,
                 fmt::format("Accepted publickey for admin from 10.9.0.{} port {} ssh2: ED25519 SHA256:{}", rng_.range(2, 40),
                             rng_.range(40000, 60000), rand_token(43, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")));
            emit(host, ts + 10000, nullptr, "sshd", sp, "pam_unix(sshd:session): session opened for user admin(uid=1000) by (uid=0)");
            emit(host, ts + rng_.range(kMin, 15 * kMin), nullptr, "sshd", sp, "pam_unix(sshd:session): session closed for user admin");
        }
        if (host == MX1 || host == MX2 || host == SMTP) {
            const int probes = static_cast<int>(rng_.below(4));
            for (int k = 0; k < probes; ++k) {
                const std::int64_t ts = hour + rng_.range(0, kHour - kMin);
                const int sp = pid(h);
                const std::string ip = ip_of(rng_.next());
                static constexpr std::string_view kUsers[] = {"admin", "test", "oracle", "ubuntu", "user", "git", "postgres"};
                const std::string_view u = pick(kUsers, rng_.next());
                const int port = static_cast<int>(rng_.range(30000, 65000));
                emit(host, ts, nullptr, "sshd", sp, fmt::format("Invalid user {} from {} port {}", u, ip, port));
                emit(host, ts + rng_.range(100000, 2 * kSec), nullptr, "sshd", sp,
                     fmt::format("Connection closed by invalid user {} {} port {} [preauth]", u, ip, port));
            }
        }
    }
}


} // namespace mxgen
