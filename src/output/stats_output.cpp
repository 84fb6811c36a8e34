// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace stats: text tables, JSON and CSV. See include/mxtrace/output/stats_output.hpp.
#include "mxtrace/output/stats_output.hpp"

#include "mxtrace/base/error.hpp"
#include "mxtrace/output/csv.hpp"
#include "mxtrace/output/output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <variant>
#include <vector>

namespace mxtrace {

namespace {

/// A time (UTC µs): text in the zone, RFC 3339 UTC in JSON and CSV.
struct TimeCell {
    Micros t;
};
/// A count, a number of seconds (two decimals in text), text from the logs, or nothing.
using Cell = std::variant<std::monostate, std::uint64_t, double, std::string, TimeCell>;

struct Table {
    std::string_view name;
    std::string_view title;
    std::vector<std::string_view> columns;
    std::vector<std::vector<Cell>> rows;
};

constexpr std::array<std::string_view, 18> kNames = {
    "summary",           "per_hour",         "per_day",          "senders",
    "sender_domains",    "recipients",       "recipient_domains", "clients",
    "relays",            "rejected_clients", "rejected_senders", "rejected_recipients",
    "filter_verdicts",   "deferral_reasons", "bounce_reasons",   "reject_reasons",
    "delays",            "deferred_longest"};

Cell seconds(double v) { return v < 0 ? Cell{} : Cell{v}; }

std::vector<Table> tables_of(const StatsReport& r) {
    std::vector<Table> ts;
    {
        Table t{"summary", "Summary", {"item", "messages", "recipients"}, {}};
        auto row = [&](std::string_view item, Cell msgs, Cell rcpts) {
            t.rows.push_back({std::string(item), std::move(msgs), std::move(rcpts)});
        };
        for (const auto& sr : stats_summary_rows(r))
            row(sr.item, sr.messages ? Cell{*sr.messages} : Cell{}, sr.recipients ? Cell{*sr.recipients} : Cell{});
        ts.push_back(std::move(t));
    }
    auto traffic_cols = std::vector<std::string_view>{"received", "delivered", "deferred", "bounced", "rejected"};
    auto traffic = [](std::vector<Cell>& row, const Traffic& x) {
        row.insert(row.end(), {x.received, x.delivered, x.deferred, x.bounced, x.rejected});
    };
    {
        Table t{"per_hour", "Per hour of the day", {"hour"}, {}};
        t.columns.insert(t.columns.end(), traffic_cols.begin(), traffic_cols.end());
        bool any = false;
        for (const auto& h : r.per_hour) any = any || h.received || h.delivered || h.deferred || h.bounced || h.rejected;
        if (any)
            for (std::size_t h = 0; h < 24; ++h) {
                std::vector<Cell> row{fmt::format("{:02}", h)};
                traffic(row, r.per_hour[h]);
                t.rows.push_back(std::move(row));
            }
        ts.push_back(std::move(t));
    }
    {
        Table t{"per_day", "Per day", {"day"}, {}};
        t.columns.insert(t.columns.end(), traffic_cols.begin(), traffic_cols.end());
        for (const auto& [d, x] : r.per_day) {
            std::vector<Cell> row{d};
            traffic(row, x);
            t.rows.push_back(std::move(row));
        }
        ts.push_back(std::move(t));
    }
    auto top = [&](std::string_view name, std::string_view title, std::string_view key, std::string_view count,
                   const StatsReport::Top& v) {
        Table t{name, title, {count, key}, {}};
        for (const auto& [k, n] : v) t.rows.push_back({n, k});
        ts.push_back(std::move(t));
    };
    top("senders", "Top senders (messages received)", "sender", "messages", r.senders);
    top("sender_domains", "Top sender domains (messages received)", "domain", "messages", r.sender_domains);
    top("recipients", "Top recipients (delivered)", "recipient", "delivered", r.recipients);
    top("recipient_domains", "Top recipient domains (delivered)", "domain", "delivered", r.recipient_domains);
    top("clients", "Top clients (messages received)", "client", "messages", r.clients);
    top("relays", "Top relays (recipients sent)", "relay", "sent", r.relays);
    top("rejected_clients", "Top rejected clients (rejected recipients)", "client", "rejected", r.rejected_clients);
    top("rejected_senders", "Top rejected senders (rejected recipients)", "sender", "rejected", r.rejected_senders);
    top("rejected_recipients", "Top rejected recipients", "recipient", "rejected", r.rejected_recipients);
    top("filter_verdicts", "Content filter verdicts (messages)", "verdict", "messages", r.filter_verdicts);
    auto reasons = [&](std::string_view name, std::string_view title, const std::vector<Reason>& v) {
        Table t{name, title, {"count", "reason", "example"}, {}};
        for (const auto& x : v) t.rows.push_back({x.count, x.group, x.example});
        ts.push_back(std::move(t));
    };
    reasons("deferral_reasons", "Deferral reasons (attempts)", r.deferral_reasons);
    reasons("bounce_reasons", "Bounce and expiry reasons (recipients)", r.bounce_reasons);
    reasons("reject_reasons", "Reject reasons (recipients)", r.reject_reasons);
    {
        Table t{"delays", "Delivery delay in seconds", {"relay", "count", "p50", "p90", "p99", "max"}, {}};
        auto row = [&](std::string name, const DelayStats& d) {
            t.rows.push_back({std::move(name), d.count, seconds(d.p50), seconds(d.p90), seconds(d.p99), seconds(d.max)});
        };
        if (r.delay.count) row("(all delivered)", r.delay);
        for (const auto& [relay, d] : r.delay_by_relay) row(relay, d);
        ts.push_back(std::move(t));
    }
    {
        Table t{"deferred_longest",
                "Messages deferred longest",
                {"seconds", "deferrals", "status", "first", "host", "queue_id", "sender", "last_reason"},
                {}};
        for (const auto& d : r.deferred_longest)
            t.rows.push_back({d.seconds, d.deferrals, std::string(status_name(d.final_status)), TimeCell{d.first_time},
                              d.host, d.queue_id, d.sender ? (d.sender->empty() ? std::string("<>") : *d.sender) : Cell{},
                              d.reason});
        ts.push_back(std::move(t));
    }
    return ts;
}

/// Display width of escaped text: code points (escaped text is valid UTF-8).
std::size_t width(std::string_view s) {
    std::size_t n = 0;
    for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
}

std::string cell_text(const Cell& c, Zone* zone) {
    struct V {
        Zone* zone;
        std::string operator()(std::monostate) const { return ""; }
        std::string operator()(std::uint64_t v) const { return fmt::format("{}", v); }
        std::string operator()(double v) const { return fmt::format("{:.2f}", v); }
        std::string operator()(const std::string& s) const {
            std::string o;
            escape_text(s, o);
            return o;
        }
        std::string operator()(TimeCell t) const { return format_time(t.t, zone); }
    };
    return std::visit(V{zone}, c);
}

bool is_number(const Cell& c) { return std::holds_alternative<std::uint64_t>(c) || std::holds_alternative<double>(c); }

void json_cell(const Cell& c, std::string& o) {
    struct V {
        std::string& o;
        void operator()(std::monostate) const { o += "null"; }
        void operator()(std::uint64_t v) const { o += fmt::format("{}", v); }
        void operator()(double v) const { o += fmt::format("{}", v); }
        void operator()(const std::string& s) const {
            o += '"';
            escape_json(s, o);
            o += '"';
        }
        void operator()(TimeCell t) const { o += '"' + format_rfc3339(t.t) + '"'; }
    };
    std::visit(V{o}, c);
}

std::string csv_cell(const Cell& c) {
    if (const auto* t = std::get_if<TimeCell>(&c)) return format_rfc3339(t->t);
    if (const auto* d = std::get_if<double>(&c)) return fmt::format("{}", *d);
    std::string v = cell_text(c, nullptr), o;
    csv_quote(v, o);
    return o;
}

} // namespace

std::vector<StatsSummaryRow> stats_summary_rows(const StatsReport& r) {
    std::vector<StatsSummaryRow> rows;
    using N = std::optional<std::uint64_t>;
    auto row = [&](std::string_view item, N msgs, N rcpts) { rows.push_back({item, msgs, rcpts}); };
    row("transactions", r.transactions, {});
    row("received", r.received, {});
    row("re-injected by a content filter", r.reinjected, {});
    row("handed to a content filter", {}, r.filtered);
    row("delivered", r.delivered.messages, r.delivered.recipients);
    row("forwarded", r.forwarded.messages, r.forwarded.recipients);
    row("deferred", r.deferred.messages, r.deferred.recipients);
    row("deferrals (attempts)", {}, r.deferrals);
    row("bounced", r.bounced.messages, r.bounced.recipients);
    row("expired", r.expired.messages, r.expired.recipients);
    row("rejected", r.rejected.messages, r.rejected.recipients);
    row("pre-queue reject records (of rejected)", r.reject_records, {});
    row("postscreen verdicts (not rejects)", r.postscreen_verdicts, {});
    row("discarded", r.discarded.messages, r.discarded.recipients);
    row("held", r.held.messages, r.held.recipients);
    row("removed by the admin", r.removed.messages, {});
    row("verification probes: deliverable", r.probes_deliverable.messages, r.probes_deliverable.recipients);
    row("verification probes: undeliverable", r.probes_undeliverable.messages, r.probes_undeliverable.recipients);
    row("beginning not in the index", r.headless, {});
    row("distinct senders", r.distinct_senders, {});
    row("distinct recipients", {}, r.distinct_recipients);
    row("bytes received", r.bytes_received, {});
    row("bytes delivered", {}, r.bytes_delivered);
    return rows;
}

std::span<const std::string_view> stats_table_names() noexcept { return kNames; }

std::string format_stats_text(const StatsReport& r, Zone* zone) {
    std::string out;
    if (r.first_time)
        out += fmt::format("Period: {} to {}{}\n", format_time(*r.first_time, zone), format_time(*r.last_time, zone),
                           zone ? "" : " UTC");
    else
        out += "Period: no transactions\n";
    for (const Table& t : tables_of(r)) {
        if (t.rows.empty()) continue;
        std::vector<std::vector<std::string>> text;
        std::vector<std::size_t> w(t.columns.size());
        std::vector<bool> right(t.columns.size(), false);
        for (std::size_t i = 0; i < t.columns.size(); ++i) w[i] = width(t.columns[i]);
        for (const auto& row : t.rows) {
            auto& tr = text.emplace_back();
            for (std::size_t i = 0; i < row.size(); ++i) {
                tr.push_back(cell_text(row[i], zone));
                w[i] = std::max(w[i], width(tr.back()));
                if (is_number(row[i])) right[i] = true;
            }
        }
        out += '\n';
        out += t.title;
        out += '\n';
        out.append(width(t.title), '-');
        out += '\n';
        auto line = [&](const std::vector<std::string>& cells) {
            std::string l;
            for (std::size_t i = 0; i < cells.size(); ++i) {
                if (i) l += "  ";
                std::size_t pad = w[i] - width(cells[i]);
                if (right[i]) l.append(pad, ' ');
                l += cells[i];
                if (!right[i] && i + 1 < cells.size()) l.append(pad, ' ');
            }
            while (!l.empty() && l.back() == ' ') l.pop_back();
            out += l;
            out += '\n';
        };
        // the reasons' example column is for JSON and CSV: text shows the group
        std::vector<std::string> head(t.columns.begin(), t.columns.end());
        const bool drop_example = t.columns.back() == "example";
        if (drop_example) head.pop_back();
        line(head);
        for (auto& tr : text) {
            if (drop_example) tr.pop_back();
            line(tr);
        }
    }
    return out;
}

std::string format_stats_json(const StatsReport& r) {
    std::string o = "{\"first\":";
    if (r.first_time) o += '"' + format_rfc3339(*r.first_time) + "\",\"last\":\"" + format_rfc3339(*r.last_time) + '"';
    else o += "null,\"last\":null";
    o += fmt::format(",\"transactions\":{},\"tables\":{{", r.transactions);
    bool first_table = true;
    for (const Table& t : tables_of(r)) {
        if (!first_table) o += ',';
        first_table = false;
        o += fmt::format("\"{}\":[", t.name);
        for (std::size_t k = 0; k < t.rows.size(); ++k) {
            if (k) o += ',';
            o += '{';
            for (std::size_t i = 0; i < t.columns.size(); ++i) {
                if (i) o += ',';
                o += fmt::format("\"{}\":", t.columns[i]);
                json_cell(t.rows[k][i], o);
            }
            o += '}';
        }
        o += ']';
    }
    o += "}}\n";
    return o;
}

std::string format_stats_csv(const StatsReport& r, std::string_view table) {
    for (const Table& t : tables_of(r)) {
        if (t.name != table) continue;
        std::string o;
        for (std::size_t i = 0; i < t.columns.size(); ++i) {
            if (i) o += ',';
            o += t.columns[i];
        }
        o += "\r\n";
        for (const auto& row : t.rows) {
            for (std::size_t i = 0; i < row.size(); ++i) {
                if (i) o += ',';
                o += csv_cell(row[i]);
            }
            o += "\r\n";
        }
        return o;
    }
    std::string names;
    for (auto n : kNames) names += (names.empty() ? "" : ", ") + std::string(n);
    std::string shown;
    escape_text(table, shown);
    throw Error(ExitCode::usage, fmt::format("no stats table '{}'", shown), fmt::format("the tables are {}", names));
}

} // namespace mxtrace
