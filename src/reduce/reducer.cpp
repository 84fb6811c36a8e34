// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/reduce/reducer.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

namespace mxtrace {

namespace {
// Worst first for summary_status(). held and deliverable rank below sent: a message held and
// then released and delivered is sent, a verify probe is not a failure.
int severity(Status s) {
    switch (s) {
    case Status::bounced: return 10;
    case Status::expired: return 9;
    case Status::undeliverable: return 8;
    case Status::rejected: return 7;
    case Status::removed: return 6;
    case Status::discarded: return 5;
    case Status::deferred: return 4;
    case Status::sent: return 3;
    case Status::deliverable: return 2;
    case Status::held: return 1;
    default: return 0;
    }
}
bool is_final(Status s) {
    return s == Status::sent || s == Status::bounced || s == Status::expired || s == Status::rejected ||
           s == Status::discarded || s == Status::removed || s == Status::deliverable || s == Status::undeliverable;
}
} // namespace

Status Transaction::summary_status() const {
    // last attempt per recipient, then the worst of those
    std::unordered_map<std::string_view, Status> last;
    for (const auto& a : attempts) last[a.recipient] = a.status;
    Status worst = Status::none;
    for (const auto& [r, s] : last)
        if (severity(s) > severity(worst)) worst = s;
    return worst;
}

void add_attempt(Transaction& t, Attempt a) {
    for (const auto& x : t.attempts)
        if (x == a) return;
    // keep log order even when lines arrive slightly out of order
    auto pos = std::upper_bound(t.attempts.begin(), t.attempts.end(), a.time,
                                [](Micros tm, const Attempt& x) { return tm < x.time; });
    t.attempts.insert(pos, std::move(a));
}

void add_notification(Transaction& t, std::string_view id) {
    if (id.empty()) return;
    std::string_view list = t.notification_queue_id;
    while (!list.empty()) {
        std::size_t sp = list.find(' ');
        if (list.substr(0, sp) == id) return;
        if (sp == std::string_view::npos) break;
        list.remove_prefix(sp + 1);
    }
    if (!t.notification_queue_id.empty()) t.notification_queue_id.push_back(' ');
    t.notification_queue_id.append(id);
}

void add_verdict(Transaction& t, std::string_view entry) {
    if (entry.empty()) return;
    std::string_view list = t.verdict;
    while (!list.empty()) {
        std::size_t sep = list.find("; ");
        if (list.substr(0, sep) == entry) return;
        if (sep == std::string_view::npos) break;
        list.remove_prefix(sep + 2);
    }
    if (!t.verdict.empty()) t.verdict.append("; ");
    t.verdict.append(entry);
}

namespace {
std::string attempt_key(const Attempt& a) {
    return fmt::format("{}\0{}\0{}\0{}\0{}\0{}\0{}\0{}", a.recipient, a.orig_recipient, a.relay,
                       static_cast<int>(a.status), a.dsn, a.delay, a.text, a.queued_as);
}
} // namespace

void add_attempts(Transaction& t, std::vector<Attempt> as) {
    if (as.size() < 16) {
        for (auto& a : as) add_attempt(t, std::move(a));
        return;
    }
    // one line naming many recipients (all logged at one time): de-duplicate with a hash set,
    // not by a scan per recipient
    const Micros time = as.front().time;
    auto lo = std::lower_bound(t.attempts.begin(), t.attempts.end(), time,
                               [](const Attempt& x, Micros tm) { return x.time < tm; });
    auto hi = std::upper_bound(lo, t.attempts.end(), time, [](Micros tm, const Attempt& x) { return tm < x.time; });
    std::unordered_set<std::string> seen;
    for (auto it = lo; it != hi; ++it) seen.insert(attempt_key(*it));
    std::vector<Attempt> fresh;
    for (auto& a : as)
        if (a.time == time && seen.insert(attempt_key(a)).second) fresh.push_back(std::move(a));
    t.attempts.insert(hi, std::make_move_iterator(fresh.begin()), std::make_move_iterator(fresh.end()));
}

void Reducer::finish(const std::string& key) {
    auto it = open_.find(key);
    if (it == open_.end()) return;
    auto t = std::move(it->second);
    open_.erase(it);
    sink_(std::move(t));
}

Transaction* Reducer::find_or_start(std::string_view host, const Event& ev, Micros time) {
    key_.assign(host);
    key_.push_back('\0');
    key_.append(ev.queue_id);
    const bool starts = ev.kind == EventKind::client || ev.kind == EventKind::pickup ||
                        ((ev.mta == Mta::sendmail || ev.mta == Mta::exim) && ev.kind == EventKind::queued);
    auto it = open_.find(key_);
    if (it != open_.end()) {
        Transaction& t = *it->second;
        // A line inside the transaction's span belongs to it (a line read again, or slightly out
        // of order). Later, Postfix may reuse the ID: after "removed", or when a second
        // client=/pickup arrives; Sendmail gives a new message a new ID, but a second from= with
        // the same ID is still a new message.
        bool new_message = false;
        if (time > t.last_time || (starts && time != t.first_time)) {
            if (ev.mta == Mta::postfix)
                new_message = t.complete || (starts && (!t.client_name.empty() || !t.client_ip.empty() || t.sender));
            else if (ev.mta == Mta::exim) // an ID again after "Completed", or a second "<="
                new_message = t.complete || (starts && t.sender.has_value());
            else if (starts)
                new_message = t.sender.has_value();
        }
        // a filter's verdict and a proxy-accept note name a message that exists already: they
        // may come after its "removed", but never start a new one
        if (ev.kind == EventKind::verdict || ev.shape == Shape::pf_proxy) new_message = false;
        if (!new_message) return &t;
        finish(key_);
    }
    std::unique_ptr<Transaction> t;
    if (loader_) t = loader_(host, ev.queue_id, time, starts);
    if (!t) {
        t = std::make_unique<Transaction>();
        t->host.assign(host);
        t->queue_id.assign(ev.queue_id);
        t->mta = ev.mta;
        t->first_time = t->last_time = time;
        t->headless = !starts;
    }
    Transaction* raw = t.get();
    open_[key_] = std::move(t);
    return raw;
}

std::string reject_record_id(const LineSource* source) {
    if (!source) return "NOQUEUE";
    return fmt::format("NOQUEUE-{}.{}", source->input, source->line);
}

void Reducer::apply_reject_record(std::string_view host, Micros time, const Event& ev, const LineSource* source) {
    auto t = std::make_unique<Transaction>();
    t->host.assign(host);
    t->mta = ev.mta;
    t->queue_id = ev.queue_id.empty() ? reject_record_id(source) : std::string(ev.queue_id);
    t->first_time = t->last_time = time;
    t->complete = true;
    if (ev.has_sender) t->sender = std::string(ev.sender);
    t->client_name.assign(ev.client_name);
    t->client_ip.assign(ev.client_ip);
    t->helo.assign(ev.helo);
    auto attempt = [&](std::string_view rcpt) {
        Attempt a;
        a.time = time;
        a.recipient.assign(rcpt);
        a.status = Status::rejected;
        a.dsn.assign(ev.dsn);
        a.text.assign(ev.text);
        a.code.assign(ev.code);
        return a;
    };
    if (ev.recipients.empty()) t->attempts.push_back(attempt({}));
    for (auto r : ev.recipients) t->attempts.push_back(attempt(r));
    if (source) t->raw.push_back(RawLine{source->input, source->line, time, std::string(source->text)});
    sink_(std::move(t));
}

void Reducer::apply(std::string_view host, Micros time, const Event& ev, const LineSource* source) {
    if (ev.kind == EventKind::reject_record) {
        apply_reject_record(host, time, ev, source);
        return;
    }
    Transaction* t = find_or_start(host, ev, time);
    if (t->mta == Mta::none) t->mta = ev.mta; // started by a filter's verdict line
    if (time > t->last_time) t->last_time = time;
    if (source) t->raw.push_back(RawLine{source->input, source->line, time, std::string(source->text)});
    auto make_attempt = [&](std::string_view rcpt) {
        Attempt a;
        a.time = time;
        a.recipient.assign(rcpt);
        a.orig_recipient.assign(ev.orig_recipient);
        a.relay.assign(ev.relay);
        a.status = ev.status;
        a.dsn.assign(ev.dsn);
        a.delay = ev.delay;
        a.text.assign(ev.text);
        if (ev.kind == EventKind::delivery) a.queued_as.assign(ev.child_queue_id);
        a.code.assign(ev.code);
        return a;
    };
    switch (ev.kind) {
    case EventKind::client:
        t->headless = false;
        t->client_name.assign(ev.client_name);
        t->client_ip.assign(ev.client_ip);
        t->sasl_username.assign(ev.sasl_username);
        break;
    case EventKind::pickup:
        t->headless = false;
        if (ev.has_sender) t->sender = std::string(ev.sender);
        break;
    case EventKind::message_id:
        t->message_id.assign(ev.message_id);
        break;
    case EventKind::queued:
        if (ev.mta == Mta::sendmail || ev.mta == Mta::exim) t->headless = false;
        if (!ev.sasl_username.empty()) t->sasl_username.assign(ev.sasl_username);
        if (ev.shape == Shape::exim_bounce_arrival) link_bounce(host, ev.child_queue_id, ev.queue_id, time);
        if (ev.has_sender) t->sender = std::string(ev.sender);
        if (ev.size >= 0) t->size = ev.size;
        if (ev.nrcpt >= 0) t->nrcpt = ev.nrcpt;
        if (!ev.message_id.empty()) t->message_id.assign(ev.message_id);
        if (!ev.client_name.empty() || !ev.client_ip.empty()) {
            t->client_name.assign(ev.client_name);
            if (ev.local_user) t->client_name.append("@localhost");
            t->client_ip.assign(ev.client_ip);
        }
        break;
    case EventKind::delivery:
    case EventKind::reject:
        if (ev.has_sender && !t->sender) t->sender = std::string(ev.sender);
        if (t->helo.empty()) t->helo.assign(ev.helo);
        if (ev.kind == EventKind::reject && t->client_ip.empty() && !ev.client_ip.empty()) {
            t->client_name.assign(ev.client_name);
            t->client_ip.assign(ev.client_ip);
        }
        if (ev.recipients.empty()) {
            add_attempt(*t, make_attempt({}));
        } else {
            std::vector<Attempt> as;
            as.reserve(ev.recipients.size());
            for (auto r : ev.recipients) as.push_back(make_attempt(r));
            add_attempts(*t, std::move(as));
        }
        break;
    case EventKind::expired: {
        if (ev.has_sender && !t->sender) t->sender = std::string(ev.sender);
        // Sendmail "ID: DSN_ID: DSN: Cannot send message for 5 days": the expiry names its DSN
        add_notification(*t, ev.child_queue_id);
        // every recipient not delivered yet has expired
        std::unordered_map<std::string, Status> last;
        for (const auto& a : t->attempts) last[a.recipient] = a.status;
        bool any = false;
        for (const auto& [r, s] : last) {
            if (s == Status::deferred) {
                add_attempt(*t, make_attempt(r));
                any = true;
            }
        }
        // nothing deferred (or all already marked expired by an earlier read of this line):
        // one attempt without recipient records the expiry, once
        const bool recorded = std::any_of(t->attempts.begin(), t->attempts.end(),
                                          [](const Attempt& a) { return a.status == Status::expired; });
        if (!any && !recorded) add_attempt(*t, make_attempt({}));
        break;
    }
    case EventKind::removed:
        // postsuper -d: the admin deleted the message; qmgr/cleanup "removed" only ends it
        if (ev.status == Status::removed) add_attempt(*t, make_attempt({}));
        t->complete = true;
        break;
    case EventKind::notification:
        add_notification(*t, ev.child_queue_id);
        break;
    case EventKind::info:
    case EventKind::reject_record: // handled above
        break;
    case EventKind::verdict:
        add_verdict(*t, ev.score.empty() ? fmt::format("{}: {}", ev.filter, ev.verdict)
                                         : fmt::format("{}: {}, score {}", ev.filter, ev.verdict, ev.score));
        break;
    }
    if (t->mta == Mta::sendmail && t->nrcpt > 0 &&
        (ev.kind == EventKind::delivery || ev.kind == EventKind::reject || ev.kind == EventKind::expired)) {
        std::unordered_map<std::string_view, Status> last;
        for (const auto& a : t->attempts) last[a.recipient] = a.status;
        int final_count = 0;
        for (const auto& [r, s] : last) final_count += is_final(s);
        t->complete = final_count >= t->nrcpt;
    }
    if (ev.kind == EventKind::removed) finish(key_);
}

void Reducer::link_bounce(std::string_view host, std::string_view parent_id, std::string_view bounce_id, Micros time) {
    std::string key(host);
    key.push_back('\0');
    key.append(parent_id);
    auto it = open_.find(key);
    Transaction* parent = it == open_.end() ? nullptr : it->second.get();
    if (!parent && loader_) {
        // written out already (evicted, or an earlier run): take it back, never invent one
        if (auto t = loader_(host, parent_id, time, false)) {
            parent = t.get();
            open_[key] = std::move(t);
        }
    }
    if (parent) add_notification(*parent, bounce_id);
}

void Reducer::evict_idle(Micros now, Micros idle) {
    std::vector<std::string> keys;
    for (const auto& [k, t] : open_)
        if (t->last_time < now - idle || (t->complete && t->last_time < now - idle / 100)) keys.push_back(k);
    for (const auto& k : keys) finish(k);
}

void Reducer::flush() {
    std::vector<std::string> keys;
    keys.reserve(open_.size());
    for (const auto& [k, t] : open_) keys.push_back(k);
    std::sort(keys.begin(), keys.end());
    for (const auto& k : keys) finish(k);
}

} // namespace mxtrace
