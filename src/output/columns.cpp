// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/output/columns.hpp"

#include "mxtrace/base/error.hpp"

#include <fmt/format.h>

#include <array>

namespace mxtrace {

namespace {
Cell str(std::string_view s) { return {Cell::string, std::string(s)}; }
Cell num(std::int64_t v) { return v < 0 ? Cell{} : Cell{Cell::number, std::to_string(v)}; }
Cell time(Micros t) { return str(format_rfc3339(t)); }

using L = ColumnLevel;
// Order = the JSON object's order (format_json prints every column in this order by default).
// A transaction without attempts gives null cells for the attempt columns (the `a ?` guard
// in att()).
template <Cell (*F)(const Attempt&)>
Cell att(const Transaction&, const Attempt* a) { return a ? F(*a) : Cell{}; }

const std::array kColumns{
    Column{"id", L::transaction, "", "id", "", "the transaction's ID in this index",
           [](const Transaction& t, const Attempt*) { return Cell{Cell::number, std::to_string(t.id)}; }},
    Column{"host", L::transaction, "", "host", "", "the host that logged the transaction",
           [](const Transaction& t, const Attempt*) { return str(t.host); }},
    Column{"mta", L::transaction, "", "mta", "", "postfix, sendmail or exim",
           [](const Transaction& t, const Attempt*) { return str(mta_name(t.mta)); }},
    Column{"queue_id", L::transaction, "", "queue_id", "", "the queue ID",
           [](const Transaction& t, const Attempt*) { return str(t.queue_id); }},
    Column{"first_time", L::transaction, "", "first_time", "", "time of the first line, RFC 3339 UTC",
           [](const Transaction& t, const Attempt*) { return time(t.first_time); }},
    Column{"last_time", L::transaction, "", "last_time", "", "time of the last line, RFC 3339 UTC",
           [](const Transaction& t, const Attempt*) { return time(t.last_time); }},
    Column{"sender", L::transaction, "", "sender", "<>", "the envelope sender; null if unknown",
           [](const Transaction& t, const Attempt*) { return t.sender ? str(*t.sender) : Cell{}; }},
    Column{"client_name", L::transaction, "client", "name", "", "the client's host name",
           [](const Transaction& t, const Attempt*) { return str(t.client_name); }},
    Column{"client_ip", L::transaction, "client", "ip", "", "the client's IP address",
           [](const Transaction& t, const Attempt*) { return str(t.client_ip); }},
    Column{"sasl_username", L::transaction, "client", "sasl_username", "", "the SASL user the client logged in as",
           [](const Transaction& t, const Attempt*) { return str(t.sasl_username); }},
    Column{"helo", L::transaction, "client", "helo", "", "the HELO/EHLO name the client gave, when logged (rejects)",
           [](const Transaction& t, const Attempt*) { return str(t.helo); }},
    Column{"message_id", L::transaction, "", "message_id", "", "the Message-ID without angle brackets",
           [](const Transaction& t, const Attempt*) { return str(t.message_id); }},
    Column{"size", L::transaction, "", "size", "", "message size in bytes; null if unknown",
           [](const Transaction& t, const Attempt*) { return num(t.size); }},
    Column{"nrcpt", L::transaction, "", "nrcpt", "", "recipients announced; null if unknown",
           [](const Transaction& t, const Attempt*) { return num(t.nrcpt); }},
    Column{"complete", L::transaction, "", "complete", "", "true when the MTA is done with the message",
           [](const Transaction& t, const Attempt*) { return Cell{Cell::boolean, t.complete ? "true" : "false"}; }},
    Column{"summary_status", L::transaction, "", "status", "", "the worst latest status class of the recipients",
           [](const Transaction& t, const Attempt*) { return str(status_name(t.summary_status())); }},
    Column{"notification_queue_id", L::transaction, "", "notification_queue_id", "",
           "queue IDs of the bounces or DSNs this message caused, separated by a space",
           [](const Transaction& t, const Attempt*) { return str(t.notification_queue_id); }},
    Column{"verdict", L::transaction, "", "verdict", "",
           "content filter verdicts, \"FILTER: VERDICT[, score S]\" joined by \"; \"",
           [](const Transaction& t, const Attempt*) { return str(t.verdict); }},
    Column{"time", L::attempt, "", "time", "", "when the attempt was logged, RFC 3339 UTC",
           att<[](const Attempt& a) { return time(a.time); }>},
    Column{"recipient", L::attempt, "", "recipient", "", "the envelope recipient",
           att<[](const Attempt& a) { return str(a.recipient); }>},
    Column{"orig_recipient", L::attempt, "", "orig_recipient", "", "the original recipient, before rewriting",
           att<[](const Attempt& a) { return str(a.orig_recipient); }>},
    Column{"relay", L::attempt, "", "relay", "", "the next hop as logged",
           att<[](const Attempt& a) { return str(a.relay); }>},
    Column{"status", L::attempt, "", "status", "", "the attempt's status class",
           att<[](const Attempt& a) { return str(status_name(a.status)); }>},
    Column{"dsn", L::attempt, "", "dsn", "", "the enhanced status code (RFC 3463)",
           att<[](const Attempt& a) { return str(a.dsn); }>},
    Column{"code", L::attempt, "", "code", "", "the SMTP reply code of a reject as logged (550)",
           att<[](const Attempt& a) { return str(a.code); }>},
    Column{"delay", L::attempt, "", "delay", "", "the delay the MTA logged, seconds; null if not logged",
           att<[](const Attempt& a) { return a.delay < 0 ? Cell{} : Cell{Cell::number, fmt::format("{}", a.delay)}; }>},
    Column{"text", L::attempt, "", "text", "", "the status text or SMTP reply",
           att<[](const Attempt& a) { return str(a.text); }>},
    Column{"queued_as", L::attempt, "", "queued_as", "", "the queue ID the next hop gave",
           att<[](const Attempt& a) { return str(a.queued_as); }>},
};

std::string all_names() {
    std::string s;
    for (const auto& c : kColumns) {
        if (!s.empty()) s += ',';
        s.append(c.name);
    }
    return s;
}
} // namespace

std::span<const Column> columns() { return kColumns; }

const Column* find_column(std::string_view name) {
    for (const auto& c : kColumns)
        if (c.name == name) return &c;
    return nullptr;
}

Fields all_fields() {
    Fields f;
    for (const auto& c : kColumns) f.push_back(&c);
    return f;
}

Fields parse_fields(std::string_view list) {
    Fields f;
    std::size_t pos = 0;
    while (true) {
        std::size_t comma = list.find(',', pos);
        std::string_view name = list.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
        while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
        const Column* c = find_column(name);
        std::string what;
        if (name.empty()) what = fmt::format("--fields '{}' has an empty field name", list);
        else if (!c) what = fmt::format("--fields: unknown field '{}'", name);
        else
            for (const Column* g : f)
                if (g == c) what = fmt::format("--fields: '{}' is given twice", name);
        if (!what.empty())
            throw Error(ExitCode::usage, what, "the fields are " + all_names() + " (see Fields in mxtrace-search(1))");
        f.push_back(c);
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    return f;
}

bool has_attempt_fields(const Fields& f) {
    for (const Column* c : f)
        if (c->level == ColumnLevel::attempt) return true;
    return false;
}

} // namespace mxtrace
