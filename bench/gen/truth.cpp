// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace-gen: the ground truth: DIR/truth.jsonl.
#include "sim.hpp"

namespace mxgen {

void Sim::write_records() {
    for (auto& r : pending_records_) write_record(*r);
    pending_records_.clear();
}

void Sim::json_str(std::string& o, std::string_view s) {
    o += '"';
    for (char c : s) {
        if (c == '"' || c == '\\') o += '\\';
        o += c;
    }
    o += '"';
}

void Sim::write_record(const Record& r) {
    std::string o;
    o.reserve(1024);
    o += fmt::format("{{\"id\":{},\"kind\":\"{}\"", r.id, r.kind);
    if (r.parent >= 0) o += fmt::format(",\"parent\":{}", r.parent);
    o += ",\"sender\":";
    if (r.sender_known) json_str(o, r.sender);
    else o += "null";
    o += ",\"message_id\":";
    json_str(o, r.message_id);
    o += ",\"recipients\":[";
    for (std::size_t i = 0; i < r.recipients.size(); ++i) {
        if (i) o += ',';
        json_str(o, r.recipients[i]);
    }
    o += "],\"final\":{";
    for (std::size_t i = 0; i < r.final.size(); ++i) {
        if (i) o += ',';
        json_str(o, r.final[i].first);
        o += ':';
        json_str(o, r.final[i].second);
    }
    o += "},\"hops\":[";
    for (std::size_t k = 0; k < r.hops.size(); ++k) {
        const Hop& h = *r.hops[k];
        const Host& host = hosts_[h.host];
        // classic timestamps carry whole seconds only
        const std::int64_t first = host.style == Style::classic ? h.first / kSec * kSec : h.first;
        const std::int64_t last = host.style == Style::classic ? h.last / kSec * kSec : h.last;
        if (k) o += ',';
        o += fmt::format("{{\"host\":\"{}\",\"mta\":\"{}\",\"queue_id\":\"{}\",\"first_us\":{},\"first_time\":\"{}\",\"last_us\":{},\"sender\":",
                         host.name, h.mta, h.qid, first, rfc3339_utc(first), last);
        if (h.sender_known) json_str(o, h.sender);
        else o += "null";
        o += ",\"message_id\":";
        json_str(o, h.message_id);
        o += ",\"recipients\":{";
        for (std::size_t i = 0; i < h.rcpt.size(); ++i) {
            if (i) o += ',';
            json_str(o, h.rcpt[i].first);
            o += ':';
            json_str(o, h.rcpt[i].second);
        }
        o += "},\"notification\":";
        json_str(o, h.notification);
        o += '}';
    }
    o += "]}\n";
    std::fwrite(o.data(), 1, o.size(), truth_);
    ++rec_count_;
}


} // namespace mxgen
