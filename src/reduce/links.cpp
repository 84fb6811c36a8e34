// SPDX-License-Identifier: GPL-3.0-or-later
// The hop link rules (one table) and the links of a transaction. See links.hpp and
// ARCHITECTURE.md, "Hop links".
#include "mxtrace/reduce/links.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

namespace mxtrace {

namespace {

bool id_char(char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/// The run of ID characters (and '-' for Exim) starting at `p`.
std::string_view id_at(std::string_view s, std::size_t p, bool dashes) noexcept {
    std::size_t n = p;
    while (n < s.size() && (id_char(s[n]) || (dashes && s[n] == '-'))) ++n;
    return s.substr(p, n - p);
}

// Each rule: name, source, description, a real log line, the ID it yields.
// Sources: postfix-logsums/mail.log.gz (pixelpark/postfix-logsums), exim-testsuite (Exim's own
// test suite logs), and, for Sendmail, whose hand-offs and DSN lines the corpus lacks, the
// bundled sample (examples/logs/smtp/maillog), written after real Sendmail 8.14 output.
constexpr std::array<LinkRule, 6> kRules{{
    {"queued-as", "reply",
     "a delivery's reply ends in \"queued as ID\": Postfix smtpd (\"250 2.0.0 Ok: queued as ID\"), also relayed "
     "back by a content filter (amavis \"from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as ID\") and LMTP servers",
     "2023-03-14T00:08:35.948047+01:00 helga postfix/amavis/smtp[302609]: 4PbC4x469Jz3tBr: to=<user01.test@uhu-banane.net>, "
     "orig_to=<frank@brehm-berlin.de>, relay=127.0.0.1[127.0.0.1]:10024, delay=2.4, delays=0.29/0.02/0.01/2.1, dsn=2.0.0, "
     "status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 4PbC4z6W5Qz3tG3)",
     "4PbC4z6W5Qz3tG3"},
    {"sendmail-accepted", "reply",
     "Sendmail's reply \"ID Message accepted for delivery\" (logged as stat=Sent (ID Message accepted for delivery))",
     "Dec 14 06:25:03 smtp sendmail[15931]: pBE6P3N2015931: to=root, ctladdr=root (0/0), delay=00:00:00, "
     "xdelay=00:00:00, mailer=relay, pri=31873, relay=[127.0.0.1] [127.0.0.1], dsn=2.0.0, "
     "stat=Sent (pBE6P31I015932 Message accepted for delivery)",
     "pBE6P31I015932"},
    {"exim-id", "reply",
     "Exim's reply \"250 OK id=ID\" (logged by Exim as C=\"250 OK id=ID\", by others as the reply text)",
     "1999-03-02 09:44:33 10HmaX-000000005vi-0000 => norequire@test.ex R=client T=send_to_server2 "
     "H=ip4.ip4.ip4.ip4 [ip4.ip4.ip4.ip4] X=TLS1.x:ke-RSA-AES256-SHAnnn:xxx CV=yes DN=\"/CN=server1.example.com\" "
     "C=\"250 OK id=10HmaY-000000005vi-0000\"",
     "10HmaY-000000005vi-0000"},
    {"postfix-notification", "notification",
     "Postfix bounce(8): \"sender non-delivery notification: ID\" (and the delay / delivery status / postmaster "
     "variants): ID is the notification's queue ID on the same host",
     "2023-03-16T02:27:29.834732+01:00 helga postfix/bounce[505059]: 4PcV4K5FPLz3tBr: sender non-delivery "
     "notification: 4PcV4K5tFpz3tG5",
     "4PcV4K5tFpz3tG5"},
    {"sendmail-dsn", "notification",
     "Sendmail: \"QID: ID: DSN: reason\" (also \"return to sender:\", \"postmaster notify:\"): ID is the DSN's "
     "queue ID on the same host",
     "Dec 15 11:03:30 smtp sm-mta[19512]: pBFB3R2F019511: pBFB3UCA019512: DSN: User unknown",
     "pBFB3UCA019512"},
    {"retry-after-reject", "lookup",
     "a pre-queue reject (reject record) followed, within trace --reject-window (default 1h), by an accepted "
     "transaction of the same client network (IPv4 /24, IPv6 /64), envelope sender and recipient: the client "
     "tried again after greylisting or a block list entry was lifted. Found by lookup at trace time, not stored; "
     "trace shows the accepted transaction with the rejects before it",
     "2024-03-03T10:00:09+00:00 mx1 postfix/smtpd[2108]: NOQUEUE: milter-reject: RCPT from mail.example.com[192.0.2.77]: "
     "451 4.7.1 Greylisting in action, please come back later; from=<alice@example.com> to=<bob@bar.com> proto=ESMTP "
     "helo=<mail.example.com>",
     ""},
}};

} // namespace

std::string_view link_kind_name(LinkKind k) noexcept {
    switch (k) {
    case LinkKind::relay: return "relay";
    case LinkKind::loop: return "loop";
    case LinkKind::notification: return "notification";
    case LinkKind::rejected_before: return "rejected-before";
    }
    return "relay";
}

std::span<const LinkRule> link_rules() noexcept { return kRules; }

std::string_view next_hop_id(std::string_view reply, const LinkRule** rule) noexcept {
    auto found = [&](std::size_t i, std::string_view id) {
        if (rule) *rule = id.empty() ? nullptr : &kRules[i];
        return id;
    };
    // queued-as: the last "queued as " (a filter's reply quotes the downstream MTA's)
    if (std::size_t p = reply.rfind("queued as "); p != std::string_view::npos) {
        std::string_view id = id_at(reply, p + 10, false);
        if (id.size() >= 5) return found(0, id);
    }
    // sendmail-accepted: "ID Message accepted for delivery", ID after '(' or a space or at the start
    if (std::size_t p = reply.find(" Message accepted for delivery"); p != std::string_view::npos) {
        std::size_t b = p;
        while (b > 0 && id_char(reply[b - 1])) --b;
        std::string_view id = reply.substr(b, p - b);
        if (id.size() >= 5) return found(1, id);
    }
    // exim-id: "OK id=ID" (Exim IDs: 1RaV3V-0003kE-32, 10HmaY-000000005vi-0000)
    if (std::size_t p = reply.find("OK id="); p != std::string_view::npos) {
        std::string_view id = id_at(reply, p + 6, true);
        if (id.size() >= 5) return found(2, id);
    }
    return found(0, {});
}

void relay_parts(std::string_view relay, std::string& name, std::string& addr) {
    auto lower = [](std::string_view s) {
        std::string r(s);
        for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return r;
    };
    std::size_t lb = relay.find('[');
    std::string_view n = relay.substr(0, lb);
    while (!n.empty() && (n.back() == ' ' || n.back() == '.')) n.remove_suffix(1);
    name = lower(n);
    addr.clear();
    if (lb != std::string_view::npos) {
        std::size_t rb = relay.find(']', lb);
        addr = lower(relay.substr(lb + 1, (rb == std::string_view::npos ? relay.size() : rb) - lb - 1));
    }
}

bool is_loopback(std::string_view name, std::string_view addr) noexcept {
    auto loop = [](std::string_view s) {
        return s.starts_with("127.") || s == "::1" || s == "localhost" || s.starts_with("localhost.") ||
               s == "ipv6:::1";
    };
    return loop(addr) || (addr.empty() && loop(name)) || (!addr.empty() && loop(name) && addr == name);
}

bool is_reject_record(const Transaction& t) noexcept { return t.queue_id.starts_with("NOQUEUE-"); }

std::string client_network(std::string_view ip) {
    if (ip.size() > 5 && (ip.substr(0, 5) == "IPv6:" || ip.substr(0, 5) == "ipv6:")) ip.remove_prefix(5);
    if (ip.empty() || ip.size() > 63) return {};
    char buf[64];
    std::memcpy(buf, ip.data(), ip.size());
    buf[ip.size()] = '\0';
    unsigned char a[16];
    char out[INET6_ADDRSTRLEN];
    if (inet_pton(AF_INET, buf, a) == 1) {
        a[3] = 0;
        if (!inet_ntop(AF_INET, a, out, sizeof out)) return {};
        return std::string(out) + "/24";
    }
    if (inet_pton(AF_INET6, buf, a) == 1) {
        std::memset(a + 8, 0, 8);
        if (!inet_ntop(AF_INET6, a, out, sizeof out)) return {};
        return std::string(out) + "/64";
    }
    return {};
}

bool retries_reject(const Transaction& reject, const Transaction& accepted, Micros window) {
    auto lower = [](std::string_view s) {
        std::string r(s);
        for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return r;
    };
    if (!is_reject_record(reject) || is_reject_record(accepted) || window <= 0) return false;
    if (accepted.first_time < reject.first_time || accepted.first_time > reject.first_time + window) return false;
    if (!reject.sender || !accepted.sender || lower(*reject.sender) != lower(*accepted.sender)) return false;
    const std::string net = client_network(reject.client_ip);
    if (net.empty() || net != client_network(accepted.client_ip)) return false;
    bool accepted_any = false;
    for (const auto& a : accepted.attempts) accepted_any = accepted_any || a.status != Status::rejected;
    if (!accepted_any) return false;
    for (const auto& r : reject.attempts) {
        if (r.recipient.empty()) continue;
        const std::string want = lower(r.recipient);
        for (const auto& a : accepted.attempts)
            if (a.status != Status::rejected && (lower(a.recipient) == want || lower(a.orig_recipient) == want))
                return true;
    }
    return false;
}

std::vector<HopLink> hop_links(const Transaction& t) {
    std::vector<HopLink> out;
    std::string name, addr;
    for (std::size_t i = 0; i < t.attempts.size(); ++i) {
        const Attempt& a = t.attempts[i];
        if (a.status != Status::sent) continue;
        const LinkRule* rule = nullptr;
        std::string_view id = next_hop_id(a.text, &rule);
        if (id.empty()) continue;
        relay_parts(a.relay, name, addr);
        HopLink h;
        h.rule = rule->name;
        h.kind = is_loopback(name, addr) ? LinkKind::loop : LinkKind::relay;
        h.next_queue_id = id;
        h.relay_name = name;
        h.relay_addr = addr;
        h.time = a.time;
        h.attempt = static_cast<int>(i);
        bool dup = std::any_of(out.begin(), out.end(), [&](const HopLink& o) {
            return o.next_queue_id == h.next_queue_id && o.relay_name == h.relay_name && o.relay_addr == h.relay_addr;
        });
        if (!dup) out.push_back(std::move(h));
    }
    // one link per notification (a Sendmail message may cause several DSNs): the k-th
    // notification follows the k-th failure time (bounced or expired attempts, in log order);
    // more notifications than failure times (Postfix's sender and postmaster notices of one
    // failure) follow the last one
    std::vector<Micros> failures;
    for (const auto& a : t.attempts)
        if ((a.status == Status::bounced || a.status == Status::expired) &&
            (failures.empty() || failures.back() != a.time))
            failures.push_back(a.time);
    std::size_t k = 0;
    for (std::string_view l = t.notification_queue_id; !l.empty();) {
        std::size_t sp = l.find(' ');
        std::string_view nid = l.substr(0, sp);
        l = sp == std::string_view::npos ? std::string_view{} : l.substr(sp + 1);
        if (nid.empty()) continue;
        HopLink h;
        h.rule = t.mta == Mta::sendmail ? "sendmail-dsn" : "postfix-notification";
        h.kind = LinkKind::notification;
        h.next_queue_id = nid;
        h.time = failures.empty() ? t.last_time : failures[std::min(k, failures.size() - 1)];
        ++k;
        out.push_back(std::move(h));
    }
    for (std::size_t i = 0; i < out.size(); ++i) out[i].seq = static_cast<int>(i);
    return out;
}

} // namespace mxtrace
