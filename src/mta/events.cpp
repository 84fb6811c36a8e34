// SPDX-License-Identifier: GPL-3.0-or-later
// Names of enums, the MTA dispatcher, and the sample line of every line shape.
#include "mxtrace/mta/events.hpp"

#include <algorithm>
#include <array>

namespace mxtrace {

std::string_view mta_name(Mta m) noexcept {
    switch (m) {
    case Mta::postfix: return "postfix";
    case Mta::sendmail: return "sendmail";
    case Mta::exim: return "exim";
    default: return "";
    }
}

std::string_view status_name(Status s) noexcept {
    switch (s) {
    case Status::sent: return "sent";
    case Status::deferred: return "deferred";
    case Status::bounced: return "bounced";
    case Status::expired: return "expired";
    case Status::rejected: return "rejected";
    case Status::discarded: return "discarded";
    case Status::held: return "held";
    case Status::removed: return "removed";
    case Status::deliverable: return "deliverable";
    case Status::undeliverable: return "undeliverable";
    default: return "";
    }
}

Status status_from_name(std::string_view s) noexcept {
    for (Status st : {Status::sent, Status::deferred, Status::bounced, Status::expired, Status::rejected,
                      Status::discarded, Status::held, Status::removed, Status::deliverable,
                      Status::undeliverable})
        if (status_name(st) == s) return st;
    return Status::none;
}

Mta mta_of_program(std::string_view p) noexcept {
    if (p.starts_with("postfix")) {
        // "postfix/smtpd", "postfix-out/smtp", "postfix/submission/smtpd"
        if (p.size() > 7 && (p[7] == '/' || (p[7] == '-' && p.find('/') != std::string_view::npos)))
            return Mta::postfix;
        return Mta::none;
    }
    if (p == "sendmail" || p.starts_with("sm-")) return Mta::sendmail;
    if (p == "exim" || p == "exim4") return Mta::exim;
    return Mta::none;
}

std::string_view unsupported_mta(std::string_view program, std::string_view message) noexcept {
    if (program == "qmail" || program.starts_with("qmail-") || program == "rblsmtpd") return "qmail";
    if (program == "tcpserver" && (message.find("qmail") != std::string_view::npos)) return "qmail";
    if (program.starts_with("courier")) return "Courier";
    if (program == "smtpd" &&
        (message.starts_with("smtp-in:") || message.starts_with("smtp ") || message.starts_with("mta ") ||
         message.starts_with("mda ") || message.starts_with("info: OpenSMTPD") || message.starts_with("smtp-out:") ||
         message.starts_with("delivery:") || message.starts_with("relay:") || message.starts_with("mta-")))
        return "OpenSMTPD";
    if (program == "opensmtpd" || program == "smtpctl") return "OpenSMTPD";
    if (program == "domino" || program == "nserver") return "Domino";
    if (program == "MSExchangeTransport" || program.starts_with("MSExchange")) return "Exchange";
    return {};
}

namespace {
bool digits(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}
/// "dd-mm-yyyy hh:mm:ss" or "yyyy-mm-dd hh:mm:ss" followed by three spaces (Domino's console).
bool domino_stamp(std::string_view s) noexcept {
    if (s.size() < 22 || s.substr(19, 3) != "   " || s[10] != ' ' || s[13] != ':' || s[16] != ':') return false;
    const bool dmy = s[2] == '-' && s[5] == '-' && digits(s.substr(0, 2)) && digits(s.substr(3, 2)) && digits(s.substr(6, 4));
    const bool ymd = s[4] == '-' && s[7] == '-' && digits(s.substr(0, 4)) && digits(s.substr(5, 2)) && digits(s.substr(8, 2));
    return (dmy || ymd) && digits(s.substr(11, 2)) && digits(s.substr(14, 2)) && digits(s.substr(17, 2));
}
} // namespace

std::string_view unsupported_mta_line(std::string_view line) noexcept {
    std::string_view s = line;
    if (s.starts_with('[')) { // Domino's "[pid:thread-id] " prefix
        const auto close = s.find("] ");
        if (close == std::string_view::npos || close > 40) return {};
        s.remove_prefix(close + 2);
    }
    if (domino_stamp(s)) {
        const std::string_view rest = s.substr(22);
        if (rest.starts_with("SMTP ") || rest.starts_with("smtp:") || rest.starts_with("Router:") ||
            rest.starts_with("SMTPClient:"))
            return "Domino";
    }
    // Exchange: "2024-01-25T15:16:09.843Z," then comma-separated fields
    if (line.size() > 25 && line[4] == '-' && line[7] == '-' && line[10] == 'T' && digits(line.substr(0, 4))) {
        const auto z = line.find("Z,");
        if (z != std::string_view::npos && z < 30 && std::count(line.begin(), line.end(), ',') >= 5) return "Exchange";
    }
    return {};
}

bool unknown_mail_program(std::string_view program) noexcept {
    if (mta_of_program(program) != Mta::none) return false;
    return program.starts_with("postfix") || program.starts_with("sendmail") || program.starts_with("exim") ||
           program == "sm-mta";
}

LineClass parse_mail_line(std::string_view program, std::string_view message, Event& ev) {
    switch (mta_of_program(program)) {
    case Mta::postfix: return parse_postfix(program, message, ev);
    case Mta::sendmail: return parse_sendmail(program, message, ev);
    case Mta::exim: return parse_exim(program, message, ev);
    default: return is_filter_program(program) ? parse_filter(program, message, ev) : LineClass::not_mine;
    }
}

namespace {
// One or more samples per shape. Keep them real: most are taken from the logs in shared/corpus
// (addresses replaced by documentation ones) or from the Postfix/Sendmail sources' format strings.
constexpr ShapeSample kSamples[] = {
    {Shape::pf_client, "postfix.smtpd.client", "postfix/smtpd",
     "4PbC4x469Jz3tBr: client=mail.example.net[198.51.100.120]"},
    {Shape::pf_client, "postfix.smtpd.client", "postfix/submission/smtpd",
     "3F1A2B4C5D: client=unknown[2001:db8::5]:52114, sasl_method=PLAIN, sasl_username=carol@bar.com"},
    {Shape::pf_pickup, "postfix.pickup", "postfix/pickup", "9C8D7E6F50: uid=1000 from=<carol@bar.com>"},
    {Shape::pf_message_id, "postfix.cleanup.message-id", "postfix/cleanup",
     "4PbC4x469Jz3tBr: message-id=<71816687N65284230Y@example.net>"},
    {Shape::pf_resent_message_id, "postfix.cleanup.resent-message-id", "postfix/cleanup",
     "4PbC4x469Jz3tBr: resent-message-id=<20111215.1@example.net>"},
    {Shape::pf_qmgr_from, "postfix.qmgr.from", "postfix/qmgr",
     "4PbC4x469Jz3tBr: from=<ajm@example.net>, size=175061, nrcpt=1 (queue active)"},
    {Shape::pf_qmgr_from, "postfix.qmgr.from", "postfix-out/qmgr", "2D1C3B4A59: from=<>, size=3207, nrcpt=1 (queue active)"},
    {Shape::pf_qmgr_expired, "postfix.qmgr.expired", "postfix/qmgr",
     "A1B2C3D4E5: from=<dave@bar.com>, status=expired, returned to sender"},
    {Shape::pf_removed, "postfix.removed", "postfix/qmgr", "4PbC4x469Jz3tBr: removed"},
    {Shape::pf_delivery, "postfix.delivery", "postfix/amavis/smtp",
     "4PbC4x469Jz3tBr: to=<user01@bar.com>, orig_to=<frank@bar.com>, relay=127.0.0.1[127.0.0.1]:10024, "
     "delay=2.4, delays=0.29/0.02/0.01/2.1, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): "
     "250 2.0.0 Ok: queued as 4PbC4z6W5Qz3tG3)"},
    {Shape::pf_delivery, "postfix.delivery", "postfix/smtp",
     "5E6F7A8B9C: to=<nobody@example.org>, relay=mx.example.org[203.0.113.50]:25, delay=1.2, "
     "delays=0.1/0/0.6/0.5, dsn=5.1.1, status=bounced (host mx.example.org[203.0.113.50] said: 550 5.1.1 "
     "<nobody@example.org>: Recipient address rejected: User unknown (in reply to RCPT TO command))"},
    {Shape::pf_delivery, "postfix.delivery", "postfix/error",
     "6A7B8C9D0E: to=<x@example.net>, relay=none, delay=3600, delays=3600/0/0/0, dsn=4.4.1, "
     "status=deferred (delivery temporarily suspended: connect to mx.example.net[198.51.100.77]:25: Connection "
     "timed out)"},
    {Shape::pf_delivery, "postfix.delivery", "postfix/pipe",
     "4PbC4z6W5Qz3tG3: to=<user01@bar.com>, relay=dovecot, delay=0.12, delays=0.01/0.01/0/0.1, dsn=2.0.0, "
     "status=sent (delivered via dovecot service)"},
    {Shape::pf_notification, "postfix.bounce.notification", "postfix/bounce",
     "5E6F7A8B9C: sender non-delivery notification: 7F8E9D0C1B"},
    {Shape::pf_reject, "postfix.reject", "postfix/smtpd",
     "3D4E5F6A7B: reject: RCPT from unknown[203.0.113.9]: 550 5.1.1 <no@bar.com>: Recipient address rejected: "
     "User unknown in virtual mailbox table; from=<x@example.net> to=<no@bar.com> proto=ESMTP helo=<x>"},
    {Shape::pf_reject, "postfix.reject", "postfix/cleanup",
     "3D4E5F6A7B: milter-reject: END-OF-MESSAGE from unknown[203.0.113.9]: 5.7.1 Spam message rejected; "
     "from=<x@example.net> to=<y@bar.com> proto=ESMTP helo=<x>"},
    {Shape::pf_action, "postfix.action", "postfix/cleanup",
     "3D4E5F6A7B: warning: header Subject: hello from unknown[203.0.113.9]; from=<x@example.net> "
     "to=<y@bar.com> proto=ESMTP helo=<x>"},
    {Shape::pf_delivery_info, "postfix.delivery-info", "postfix/smtp",
     "6A7B8C9D0E: host mx.example.net[198.51.100.77] said: 451 4.7.1 Greylisted, try later (in reply to RCPT "
     "TO command)"},
    {Shape::pf_postsuper, "postfix.postsuper", "postfix/postsuper", "6A7B8C9D0E: requeued"},
    {Shape::pf_delivery, "postfix.delivery", "postfix/error",
     "nVcQ4qCLfzz4jr: to=<x@example.net>, relay=none, delay=432000, delays=431999/0.1/0/0, dsn=4.4.1, "
     "status=expired, returned to sender (connect to mx.example.net[198.51.100.77]:25: Connection timed out)"},
    {Shape::pf_delivery, "postfix.delivery", "postfix/error",
     "3E29030F8637E: to=<user@example.net>, relay=none, delay=0.01, delays=0.01/0/0/0, dsn=5.1.1, "
     "status=undeliverable-but-not-cached (User unknown in virtual alias table)"},
    {Shape::pf_delivery, "postfix.delivery", "postfix/smtp",
     "2847EE008E: to=<info@example.net>, relay=mail.example.net[198.51.100.34]:25, delay=6.3, "
     "delays=0.04/0.01/6/0.19, dsn=2.1.5, status=deliverable (250 2.1.5 Ok)"},
    {Shape::pf_delivery, "postfix.delivery", "postfix/discard",
     "4A5B6C7D8E: to=<trap@bar.com>, relay=none, delay=0.1, delays=0.1/0/0/0, dsn=2.0.0, status=sent (bar.com)"},
    {Shape::pf_notification, "postfix.bounce.notification", "postfix/bounce",
     "5E6F7A8B9C: postmaster non-delivery notification: 7F8E9D0C2B"},
    {Shape::pf_action, "postfix.action", "postfix/cleanup",
     "4A5B6C7D8E: discard: header Subject: cheap pills from unknown[203.0.113.9]; from=<x@example.net> "
     "to=<y@bar.com> proto=ESMTP helo=<x>: spam subject"},
    {Shape::pf_action, "postfix.action", "postfix/cleanup",
     "4A5B6C7D8E: hold: header X-Spam-Flag: YES from local; from=<carol@bar.com> to=<x@example.net>"},
    {Shape::pf_action, "postfix.action", "postfix/smtpd",
     "4A5B6C7D8E: redirect: RCPT from unknown[203.0.113.9]: <y@bar.com>: Recipient address triggers "
     "REDIRECT abuse@bar.com; from=<x@example.net> to=<y@bar.com> proto=ESMTP helo=<x>"},
    {Shape::pf_action, "postfix.action", "postfix/cleanup",
     "4A5B6C7D8E: milter-discard: END-OF-MESSAGE from unknown[203.0.113.9]: milter triggers DISCARD action; "
     "from=<x@example.net> to=<y@bar.com> proto=ESMTP helo=<x>"},
    {Shape::pf_action, "postfix.action", "postfix/cleanup",
     "4A5B6C7D8E: milter-hold: END-OF-MESSAGE from unknown[203.0.113.9]: milter triggers HOLD action; "
     "from=<x@example.net> to=<y@bar.com> proto=ESMTP helo=<x>"},
    {Shape::pf_postsuper, "postfix.postsuper", "postfix/postsuper", "D4F2023DB: placed on hold"},
    {Shape::pf_removed, "postfix.removed", "postfix/postsuper", "D4F2023DB: removed"},
    {Shape::pf_proxy, "postfix.proxy", "postfix/smtpd",
     "proxy-accept: END-OF-MESSAGE: 250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as "
     "A0320E00C3; from=<news@example.net> to=<user@bar.com> proto=ESMTP helo=<mx.example.net>"},
    {Shape::pf_proxy, "postfix.proxy", "postfix/smtpd",
     "3D4E5F6A7C: proxy-reject: END-OF-MESSAGE: 554 5.7.0 Reject, id=31619-02 - spam; from=<> "
     "to=<user@bar.com> proto=SMTP helo=<203.0.113.53>"},
    {Shape::pf_lost_client, "postfix.lost-client", "postfix/smtpd",
     "3D4E5F6A7D: lost connection after DATA (0 bytes) from unknown[203.0.113.9]"},
    {Shape::pf_lost_client, "postfix.lost-client", "postfix/submission/smtpd",
     "3D4E5F6A7D: timeout after END-OF-MESSAGE from ws1.bar.com[192.0.2.10]"},
    {Shape::pf_noqueue, "postfix.noqueue", "postfix/smtpd",
     "NOQUEUE: reject: RCPT from unknown[203.0.113.9]: 554 5.7.1 <spam@bar.com>: Relay access denied; "
     "from=<x@example.net> to=<spam@bar.com> proto=ESMTP helo=<x>"},
    {Shape::pf_postscreen_verdict, "postfix.postscreen-verdict", "postfix/postscreen",
     "PREGREET 11 after 0.1 from [198.51.100.99]:40000: EHLO spam\\r\\n"},
    {Shape::pf_postscreen_verdict, "postfix.postscreen-verdict", "postfix/postscreen",
     "DNSBL rank 3 for [198.51.100.99]:40000"},
    {Shape::pf_session, "postfix.session", "postfix/smtpd", "connect from mail.example.net[198.51.100.120]"},
    {Shape::pf_session, "postfix.session", "postfix/postscreen", "CONNECT from [203.0.113.9]:41695 to [192.0.2.1]:25"},
    {Shape::sm_from, "sendmail.from", "sm-mta",
     "pBFERI8l019936: from=<bob@foo.com>, size=2417, class=0, nrcpts=1, msgid=<201112151427.pBFERI@foo.com>, "
     "proto=ESMTP, daemon=MTA, relay=ws12.foo.com [192.0.2.10]"},
    {Shape::sm_from, "sendmail.from", "sendmail",
     "jA9J1UvC004306: from=root, size=629060, class=0, nrcpts=1, msgid=<200511091901.jA9J1UvC004306@eadmin1>, "
     "relay=root@localhost"},
    {Shape::sm_to, "sendmail.to", "sendmail",
     "u31FFPtp032300: to=<sent1@example.com>,<sent2@example.com>, delay=00:00:00, xdelay=00:00:00, "
     "mailer=esmtp, pri=245938, relay=[93.184.216.34] [93.184.216.34], dsn=2.0.0, stat=Sent (ok:  Message "
     "40279894 accepted)"},
    {Shape::sm_to, "sendmail.to", "sendmail",
     "u31FFPtp032300: to=<deferred2@example.com>, delay=1+00:00:15, xdelay=00:00:15, mailer=esmtp, pri=34527, "
     "relay=[93.184.216.34] [93.184.216.34], dsn=4.3.5, stat=Deferred: 451 4.3.5 Server configuration problem"},
    {Shape::sm_to, "sendmail.to", "sendmail",
     "jA9J1UvC004306: to=root, ctladdr=root (0/0), delay=00:00:01, xdelay=00:00:00, mailer=relay, pri=659060, "
     "relay=[127.0.0.1] [127.0.0.1], dsn=4.0.0, stat=Deferred: Connection refused by [127.0.0.1]"},
    {Shape::sm_notification, "sendmail.notification", "sm-mta",
     "pBFEB3Rj019921: pBFEB4Rj019922: DSN: User unknown"},
    {Shape::sm_reject_ruleset, "sendmail.reject.ruleset", "sm-mta",
     "s1NLaDQT022248: ruleset=check_rcpt, arg1=<dauta@example.net>, relay=int0.example.net [198.51.100.119] "
     "(may be forged), reject=550 5.7.1 <dauta@example.net>... Relaying denied. IP name possibly forged"},
    {Shape::sm_notification, "sendmail.notification", "sm-mta",
     "pBAA00a1000100: pBFA00a3000300: DSN: Cannot send message for 5 days"},
    {Shape::sm_reject_ruleset, "sendmail.reject.ruleset", "sm-mta",
     "s1NLaDQT022249: ruleset=check_relay, arg1=dsl.example.net, arg2=198.51.100.44, relay=dsl.example.net "
     "[198.51.100.44], reject=554 5.7.1 Rejected 198.51.100.44 found in dnsbl.example.org"},
    {Shape::sm_quarantine, "sendmail.quarantine", "sm-mta", "pBFEB3Rj019923: quarantine=Suspicious attachment"},
    {Shape::sm_lost, "sendmail.lost", "sm-mta", "pBFEB3Rj019924: collect: premature EOM: Connection reset by peer"},
    {Shape::sm_lost, "sendmail.lost", "sendmail", "pBFEB3Rj019925: Losing ./qfpBFEB3Rj019925: savemail panic"},
    {Shape::sm_reject_user, "sendmail.reject.user", "sm-mta", "pBFEB3Rj019921: <nobody@foo.com>... User unknown"},
    {Shape::sm_info, "sendmail.info", "sendmail", "u31FFPtp032300: Milter: no active filter"},
    {Shape::sm_info, "sendmail.info", "sendmail", "u31FFPtp032300: done; delay=00:00:00, ntries=2"},
    {Shape::sm_session, "sendmail.session", "sendmail", "unable to qualify my own domain name (eadmin1) -- using short name"},
    {Shape::sm_session, "sendmail.session", "sm-mta",
     "s1MD2hsd004030: host.example.net [198.51.100.194]: EXPN root [rejected]"},
    {Shape::sm_session, "sendmail.session", "sm-mta",
     "v26LtRA0020949: some-host.example.org [192.0.2.194] did not issue MAIL/EXPN/VRFY/ETRN during connection to MTA"},
    {Shape::sm_session, "sendmail.session", "sm-acceptingconnections",
     "s1OHxxSn001499: dsl.example.net [198.51.100.192] (may be forged): possible SMTP attack: command=AUTH, count=6"},
    {Shape::sm_session, "sendmail.session", "sendmail",
     "06I02CNi016764: AUTH failure (LOGIN): authentication failure (-13) SASL(-13): authentication failure: checkpass "
     "failed, user=user@example.com, relay=example.com [192.0.2.3] (may be forged)"},
    {Shape::sm_session, "sendmail.session", "sm-mta",
     "STARTTLS=client, relay=smtp.bar.com., version=TLSv1/SSLv3, verify=FAIL, cipher=DHE-RSA-AES256-SHA, bits=256/256"},
    // Exim: lines of shared/corpus (exim-testsuite, crowdsec-hub, fail2ban) with documentation
    // addresses; the 4.97+ ID form "1rvHyI-000000001mA-0aKd" and the older "1hHB5F-0002Ui-Lq".
    {Shape::exim_arrival, "exim.arrival", "exim",
     "1rvHyI-000000001mA-0aKd <= alice@example.org H=mail.example.org (helo.example.org) [192.0.2.25]:41234 "
     "I=[198.51.100.1]:25 P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=dovecot_plain:alice S=2417 "
     "id=E1rvHyI-000000001mA-0aKd@example.org T=\"Quarterly report\" for bob@example.net carol@example.net"},
    {Shape::exim_arrival, "exim.arrival", "exim4",
     "1hHB5F-0002Ui-Lq <= someone@example.org U=root P=local S=1205"},
    {Shape::exim_bounce_arrival, "exim.bounce-arrival", "exim",
     "1hHB5J-0002Uk-Nm <= <> R=1hHB5F-0002Ui-Lq U=Debian-exim P=local S=2230"},
    {Shape::exim_delivery, "exim.delivery", "exim",
     "1rvHyI-000000001mA-0aKd => bob@example.net <list@example.net> R=dnslookup T=remote_smtp "
     "H=mx.example.net [203.0.113.25]:25 X=TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=yes K C=\"250 OK "
     "id=1rvHyK-000000001mC-1bLe\" QT=2s DT=1s"},
    {Shape::exim_delivery, "exim.delivery", "exim",
     "1hHB5F-0002Ui-Lq => alice <alice@example.org> R=local_user T=mail_spool"},
    {Shape::exim_delivery_more, "exim.delivery-more", "exim",
     "1rvHyI-000000001mA-0aKd -> carol@example.net <list@example.net> R=dnslookup T=remote_smtp "
     "H=mx.example.net [203.0.113.25]:25 C=\"250 OK id=1rvHyK-000000001mC-1bLe\""},
    {Shape::exim_cutthrough, "exim.cutthrough", "exim",
     "1rvHyI-000000001mA-0aKd >> bob@example.net P=<alice@example.org> R=all T=smtp H=127.0.0.1 [127.0.0.1] "
     "C=\"250 OK\""},
    {Shape::exim_suppressed, "exim.suppressed", "exim", "1hHB5F-0002Ui-Lq *> accept <accept@example.net> R=accept T=appendfile"},
    {Shape::exim_failure, "exim.failure", "exim",
     "1hHB5F-0002Ui-Lq ** nobody@example.net R=dnslookup T=remote_smtp H=mx.example.net [203.0.113.25]:25 "
     "I=[198.51.100.1]:10001 : SMTP error from remote mail server after RCPT TO:<nobody@example.net>: 550 5.1.1 "
     "<nobody@example.net>: Recipient address rejected: User unknown"},
    {Shape::exim_failure, "exim.failure", "exim", "1hHB5F-0002Ui-Lq ** someone@bad.example : Unrouteable address"},
    {Shape::exim_deferral, "exim.deferral", "exim",
     "1hHB5F-0002Ui-Lq == bob@example.net R=dnslookup T=remote_smtp defer (-44) H=mx.example.net [203.0.113.25]: "
     "SMTP error from remote mail server after RCPT TO:<bob@example.net>: 451 4.7.1 Greylisted, try later"},
    {Shape::exim_deferral, "exim.deferral", "exim", "1hHB5F-0002Ui-Lq == bob@example.net R=dnslookup T=remote_smtp defer (111): Connection refused"},
    {Shape::exim_retry_not_reached, "exim.retry-not-reached", "exim",
     "1hHB5F-0002Ui-Lq == bob@example.net R=dnslookup T=remote_smtp defer (-54): retry time not reached for any host "
     "for 'example.net'"},
    {Shape::exim_completed, "exim.completed", "exim", "1rvHyI-000000001mA-0aKd Completed"},
    {Shape::exim_completed, "exim.completed", "exim", "1hHB5F-0002Ui-Lq Completed QT=3s"},
    {Shape::exim_completed, "exim.completed", "exim", "1hHB5F-0002Ui-Lq removed by root"},
    {Shape::exim_frozen, "exim.frozen", "exim", "1hHB5J-0002Uk-Nm Frozen (delivery error message)"},
    {Shape::exim_frozen, "exim.frozen", "exim", "1hHB5J-0002Uk-Nm Message is frozen"},
    {Shape::exim_smtp_error, "exim.smtp-error", "exim",
     "1hHB5F-0002Ui-Lq H=mx.example.net [203.0.113.25]:25: SMTP error from remote mail server after MAIL "
     "FROM:<>: 450 not right now, sorry"},
    {Shape::exim_info, "exim.info", "exim",
     "1hHB5F-0002Ui-Lq DKIM: d=example.org s=sel c=relaxed/relaxed a=rsa-sha256 b=1024 [verification succeeded]"},
    {Shape::exim_reject, "exim.reject", "exim",
     "H=mail.example.net [192.0.2.36]:41584 X=TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=no F=<nico@example.net> "
     "rejected RCPT <titi@example.org>: Sender verify failed"},
    {Shape::exim_reject, "exim.reject", "exim",
     "1hHB5F-0002Ui-Lq H=(helo.example.net) [192.0.2.36] F=<x@example.net> rejected after DATA: message "
     "looks like spam"},
    {Shape::exim_reject, "exim.reject", "exim", "H=[192.0.2.8] U=root rejected MAIL <bad@example.net>"},
    {Shape::exim_session, "exim.session", "exim",
     "dovecot_login authenticator failed for (User) [192.0.2.37]:21298 I=[198.51.100.1]:465 Ci=30416: 535 "
     "Incorrect authentication data (set_id=test@example.com)"},
    {Shape::exim_session, "exim.session", "exim", "Start queue run: pid=1234"},
    // content filters (postfix-logsums and modoboa logs in shared/corpus; rspamd's log format)
    {Shape::filter_amavis, "filter.amavis", "amavis",
     "(237978-11) Passed CLEAN {RelayedInbound}, [198.51.100.120]:41695 [203.0.113.146] ESMTP/ESMTP "
     "<ajm@example.net> -> <user01@bar.com>, Queue-ID: 4PbC4x469Jz3tBr, Message-ID: <7181@example.net>, "
     "mail_id: VQpGETLS8yJc, b: _dAm-dg2M, Hits: 2.913, size: 175061, queued_as: 4PbC4z6W5Qz3tG3, 2131 ms"},
    {Shape::filter_amavis, "filter.amavis", "amavis",
     "(4051607-09) Blocked INFECTED (Porcupine.Phishing.55542.UNOFFICIAL) {DiscardedInbound,Quarantined}, "
     "[192.0.2.1]:1434 [192.0.2.1] <a@example.net> -> <b@bar.com>, quarantine: 2/virus-26W2lJY63nCZ, "
     "Queue-ID: 83B741009CD35, Message-ID: <2024@example.net>, mail_id: 26W2lJY63nCZ, Hits: -, size: 28646, 104 ms"},
    {Shape::filter_amavis, "filter.amavis", "amavis",
     "(19749-18) Passed SPAM {RelayedTaggedInbound}, [203.0.113.157]:54810 [203.0.113.157] <z@example.net> -> "
     "<info@bar.com>, Message-ID: <de35@example.net>, Hits: 6.89, size: 52477, queued_as: 1FEB7E00C4, 2365 ms"},
    {Shape::filter_rspamd, "filter.rspamd", "rspamd",
     "<8f3a4c>; task; rspamd_task_write_log: id: <20240101@example.net>, qid: <4A5B6C7D8F>, ip: 203.0.113.9, "
     "from: <x@example.net>, (default: T (reject): [16.20/15.00] [BAYES_SPAM(5.10){99.9%;}]), len: 2048, "
     "time: 120.5ms, dns req: 12, digest: <0123abcd>, rcpts: <y@bar.com>, mime_rcpts: <y@bar.com>"},
    {Shape::filter_opendkim, "filter.opendkim", "opendkim",
     "4A5B6C7D90: DKIM-Signature field added (s=mail, d=bar.com)"},
};
} // namespace

std::span<const ShapeSample> line_shapes() { return kSamples; }

std::string_view shape_name(Shape s) noexcept {
    for (const auto& x : kSamples)
        if (x.shape == s) return x.name;
    return "unknown";
}

} // namespace mxtrace
