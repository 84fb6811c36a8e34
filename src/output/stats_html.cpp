// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace stats --html: one self-contained HTML page with inline SVG charts.
// See include/mxtrace/output/stats_html.hpp.
#include "mxtrace/output/stats_html.hpp"

#include "mxtrace/output/output.hpp"
#include "mxtrace/output/stats_output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mxtrace {

namespace {

// The Okabe–Ito palette (Okabe & Ito, "Color Universal Design", 2008): told apart with every
// common colour vision deficiency. Each outcome keeps its colour in every chart.
constexpr std::string_view kReceived = "#0072B2";  // blue
constexpr std::string_view kDelivered = "#009E73"; // bluish green
constexpr std::string_view kForwarded = "#56B4E9"; // sky blue
constexpr std::string_view kDeferred = "#E69F00";  // orange
constexpr std::string_view kBounced = "#D55E00";   // vermillion
constexpr std::string_view kExpired = "#F0E442";   // yellow
constexpr std::string_view kRejected = "#CC79A7";  // reddish purple
constexpr std::string_view kHeld = "#999999";      // grey
constexpr std::string_view kDiscarded = "#000000"; // black

constexpr std::string_view kCss = R"(
:root{color-scheme:light}
body{font-family:"DejaVu Sans",system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#fff;max-width:1040px;margin:1.5em auto;padding:0 1em;line-height:1.35}
h1{font-size:1.45em;margin:0 0 .25em}
h2{font-size:1.12em;margin:1.5em 0 .45em;padding-bottom:.15em;border-bottom:1px solid #bbb}
h3{font-size:1em;margin:1em 0 .3em}
p.meta{margin:.1em 0;color:#444}
p.note{font-size:.85em;color:#555;margin:.2em 0 .8em}
.cards{display:flex;flex-wrap:wrap;gap:.6em;margin:1em 0}
.card{border:1px solid #ccc;border-left:.45em solid var(--c);border-radius:3px;padding:.35em .8em;min-width:7.5em}
.card .v{font-size:1.5em;font-weight:bold;font-variant-numeric:tabular-nums}
.card .k{font-size:.85em;color:#444}
table{border-collapse:collapse;margin:.2em 0 1em;font-size:.88em}
th,td{padding:.15em .6em;border-bottom:1px solid #e2e2e2;text-align:left;vertical-align:top}
th{border-bottom:1px solid #999;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.t{overflow-wrap:anywhere}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:0 1.6em}
svg{display:block;max-width:100%;height:auto;margin:.3em 0 .6em}
svg text{font-family:"DejaVu Sans",system-ui,sans-serif;font-size:12px;fill:#1a1a1a}
svg .axis{stroke:#333;stroke-width:1}
svg .gridline{stroke:#ddd;stroke-width:1}
@media print{
 body{max-width:none;margin:0;padding:0;font-size:10pt}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 h2,h3{break-after:avoid}
 svg,table,.cards,figure{break-inside:avoid}
 .grid{grid-template-columns:1fr 1fr}
 .card{min-width:5.5em;padding:.2em .5em}
 .card .v{font-size:1.2em}
}
)";

void esc(std::string_view s, std::string& o) { escape_html(s, o); }

std::string esc(std::string_view s) {
    std::string o;
    escape_html(s, o);
    return o;
}

/// A duration in seconds as people read it: "0.42 s", "12 s", "4.5 min", "3.2 h", "2.1 d".
std::string duration(double s) {
    if (s < 0) return "";
    if (s < 10) return fmt::format("{:.2f} s", s);
    if (s < 120) return fmt::format("{:.0f} s", s);
    if (s < 7200) return fmt::format("{:.1f} min", s / 60);
    if (s < 172800) return fmt::format("{:.1f} h", s / 3600);
    return fmt::format("{:.1f} d", s / 86400);
}

/// Bytes with a binary unit: "812 B", "1.4 MiB".
std::string human_bytes(std::uint64_t b) {
    static constexpr std::array<std::string_view, 5> u = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    if (b < 1024) return fmt::format("{} B", b);
    double v = static_cast<double>(b);
    std::size_t i = 0;
    for (v /= 1024; v >= 1024 && i + 1 < u.size(); v /= 1024) ++i;
    return fmt::format("{:.1f} {}", v, u[i]);
}

/// A "nice" step (1, 2 or 5 times a power of ten) that cuts [0, max] into about `n` parts.
std::uint64_t nice_step(std::uint64_t max, int n) {
    if (max == 0) return 1;
    double raw = static_cast<double>(max) / n;
    double p = std::pow(10.0, std::floor(std::log10(raw)));
    double f = raw / p;
    double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
    return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(step)));
}

struct Series {
    std::string_view name;
    std::string_view colour;
};

/// An SVG legend row at (x, y): a swatch and the name of each series.
void legend(std::string& o, const std::vector<Series>& ss, double x, double y, bool line_first = false) {
    for (std::size_t i = 0; i < ss.size(); ++i) {
        if (i == 0 && line_first)
            o += fmt::format(R"(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="{}" stroke-width="2.5"/>)"
                             R"(<circle cx="{:.1f}" cy="{:.1f}" r="3" fill="{}"/>)",
                             x, y - 4, x + 14, y - 4, ss[i].colour, x + 7, y - 4, ss[i].colour);
        else
            o += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="14" height="10" fill="{}" stroke="#333" stroke-width="0.5"/>)",
                             x, y - 9, ss[i].colour);
        o += fmt::format(R"(<text x="{:.1f}" y="{:.1f}">{}</text>)", x + 19, y, ss[i].name);
        x += 19 + 7.2 * static_cast<double>(ss[i].name.size()) + 22;
    }
}

/// Traffic over time: the outcomes stacked per bucket, received messages as a line.
void traffic_chart(std::string& o, const StatsReport& r) {
    std::vector<std::pair<std::string, Traffic>> buckets;
    bool hourly = r.per_day.size() <= 1;
    if (hourly) {
        for (std::size_t h = 0; h < 24; ++h) buckets.emplace_back(fmt::format("{:02}", h), r.per_hour[h]);
    } else {
        buckets = r.per_day;
    }
    o += hourly ? (r.per_day.empty() ? "<h2>Traffic per hour</h2>\n"
                                     : fmt::format("<h2>Traffic per hour of {}</h2>\n", esc(r.per_day.front().first)))
                : "<h2>Traffic per day</h2>\n";
    const double W = 1000, H = 340, L = 64, R = 16, T = 34, B = 46;
    const double pw = W - L - R, ph = H - T - B;
    std::uint64_t ymax = 0;
    for (const auto& [k, x] : buckets)
        ymax = std::max({ymax, x.delivered + x.deferred + x.bounced + x.rejected, x.received});
    const std::uint64_t step = nice_step(ymax, 5);
    const std::uint64_t top = std::max<std::uint64_t>(step, (ymax + step - 1) / step * step);
    auto Y = [&](double v) { return T + ph - v / static_cast<double>(top) * ph; };
    o += fmt::format(R"(<svg viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="traffic {} stacked by outcome">)",
                     W, H, W, H, hourly ? "per hour" : "per day");
    o += '\n';
    // legend above the plot
    legend(o, {{"received (messages)", kReceived}, {"delivered", kDelivered}, {"deferrals", kDeferred},
               {"bounced or expired", kBounced}, {"rejected", kRejected}},
           L, 16, true);
    o += '\n';
    // y grid and labels
    for (std::uint64_t v = 0; v <= top; v += step) {
        const double y = Y(static_cast<double>(v));
        o += fmt::format(R"(<line class="gridline" x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}"/><text x="{}" y="{:.1f}" text-anchor="end">{}</text>)",
                         L, y, L + pw, y, L - 6, y + 4, v);
        o += '\n';
    }
    const double n = static_cast<double>(buckets.size());
    const double slot = pw / n, bw = std::max(1.0, slot * 0.8);
    const std::size_t every = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(n * 46 / pw)));
    std::string line;
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        const auto& [key, x] = buckets[i];
        const double bx = L + slot * static_cast<double>(i) + (slot - bw) / 2;
        double base = 0;
        const std::array<std::pair<std::uint64_t, Series>, 4> parts = {{{x.delivered, {"delivered", kDelivered}},
                                                                       {x.deferred, {"deferrals", kDeferred}},
                                                                       {x.bounced, {"bounced or expired", kBounced}},
                                                                       {x.rejected, {"rejected", kRejected}}}};
        for (const auto& [v, s] : parts) {
            if (v == 0) continue;
            const double y0 = Y(base), y1 = Y(base + static_cast<double>(v));
            o += fmt::format(R"(<rect x="{:.2f}" y="{:.2f}" width="{:.2f}" height="{:.2f}" fill="{}"><title>{} {}: {}</title></rect>)",
                             bx, y1, bw, y0 - y1, s.colour, esc(key), s.name, v);
            base += static_cast<double>(v);
        }
        o += '\n';
        const double cx = L + slot * (static_cast<double>(i) + 0.5);
        line += fmt::format("{}{:.2f},{:.2f}", line.empty() ? "" : " ", cx, Y(static_cast<double>(x.received)));
        if (i % every == 0) {
            const std::string label = hourly || key.size() < 10 ? key : key.substr(5); // "MM-DD" of "YYYY-MM-DD"
            o += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>)", cx, T + ph + 16, esc(label));
            o += '\n';
        }
    }
    o += fmt::format(R"(<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5" stroke-linejoin="round"/>)", line, kReceived);
    if (buckets.size() <= 60)
        for (std::size_t i = 0; i < buckets.size(); ++i)
            o += fmt::format(R"(<circle cx="{:.2f}" cy="{:.2f}" r="3" fill="{}"><title>{} received: {}</title></circle>)",
                             L + slot * (static_cast<double>(i) + 0.5), Y(static_cast<double>(buckets[i].second.received)), kReceived,
                             esc(buckets[i].first), buckets[i].second.received);
    o += '\n';
    o += fmt::format(R"(<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/><line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/>)",
                     L, T, L, T + ph, L, T + ph, L + pw, T + ph);
    o += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle">{}</text>)", L + pw / 2, H - 6,
                     hourly ? "hour of the day" : "day");
    o += fmt::format(R"~(<text x="14" y="{}" text-anchor="middle" transform="rotate(-90 14 {})">count</text>)~", T + ph / 2, T + ph / 2);
    o += "\n</svg>\n";
    o += "<p class=\"note\">Bars: delivered recipients, deferrals, bounced or expired recipients and rejected recipients, "
         "each counted at the time of its attempt. Line: messages received, at the time of their first line.</p>\n";
}

/// The outcome mix of recipients as one horizontal stacked bar with a legend.
void outcome_mix(std::string& o, const StatsReport& r) {
    struct Part {
        std::string_view name, colour;
        std::uint64_t n;
    };
    const std::array<Part, 8> parts = {{{"delivered", kDelivered, r.delivered.recipients},
                                        {"forwarded", kForwarded, r.forwarded.recipients},
                                        {"deferred", kDeferred, r.deferred.recipients},
                                        {"bounced", kBounced, r.bounced.recipients},
                                        {"expired", kExpired, r.expired.recipients},
                                        {"rejected", kRejected, r.rejected.recipients},
                                        {"held", kHeld, r.held.recipients},
                                        {"discarded", kDiscarded, r.discarded.recipients}}};
    std::uint64_t sum = 0;
    for (const auto& p : parts) sum += p.n;
    o += "<h2>Outcome mix (recipients)</h2>\n";
    if (sum == 0) {
        o += "<p>No recipient outcomes in the selection.</p>\n";
        return;
    }
    const double W = 1000, L = 10, bw = W - 2 * L, H = 118;
    o += fmt::format(R"(<svg viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="outcome mix of recipients">)",
                     W, H, W, H);
    o += '\n';
    double x = L;
    for (const auto& p : parts) {
        if (p.n == 0) continue;
        const double w = bw * static_cast<double>(p.n) / static_cast<double>(sum);
        o += fmt::format(R"(<rect x="{:.2f}" y="8" width="{:.2f}" height="40" fill="{}" stroke="#fff" stroke-width="1"><title>{}: {}</title></rect>)",
                         x, w, p.colour, p.name, p.n);
        o += '\n';
        x += w;
    }
    // legend: two rows of four, each with its count and share
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const double lx = L + static_cast<double>(i % 4) * 250, ly = 74 + static_cast<double>(i / 4) * 24;
        const auto& p = parts[i];
        o += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="14" height="12" fill="{}" stroke="#333" stroke-width="0.5"/>)"
                         R"(<text x="{:.1f}" y="{:.1f}">{} {} ({:.1f} %)</text>)",
                         lx, ly - 10, p.colour, lx + 20, ly, p.name, p.n,
                         100.0 * static_cast<double>(p.n) / static_cast<double>(sum));
        o += '\n';
    }
    o += "</svg>\n<p class=\"note\">Recipients with an attempt of each outcome; shares of their sum. A recipient "
         "deferred and then delivered counts in both.</p>\n";
}

/// Delay percentiles as horizontal bars on a log scale (seconds).
void delay_chart(std::string& o, const StatsReport& r) {
    o += "<h2>Delivery delay (delivered recipients)</h2>\n";
    const DelayStats& d = r.delay;
    if (d.count == 0) {
        o += "<p>No delivered recipient with a logged delay.</p>\n";
        return;
    }
    const std::array<std::pair<std::string_view, double>, 4> bars = {{{"p50", d.p50}, {"p90", d.p90}, {"p99", d.p99}, {"max", d.max}}};
    double lo = 1e300, hi = 0;
    for (const auto& [k, v] : bars)
        if (v > 0) lo = std::min(lo, v), hi = std::max(hi, v);
    if (hi <= 0) lo = hi = 1;
    // half a decade of room below the smallest value, so its bar shows
    int e0 = static_cast<int>(std::floor(std::log10(std::max(lo, 0.01)) - 0.5));
    int e1 = static_cast<int>(std::ceil(std::log10(hi)));
    if (e1 <= e0) e1 = e0 + 1;
    const double W = 1000, L = 56, R = 110, T = 10, row = 30, H = T + row * 4 + 40;
    const double pw = W - L - R;
    // a bar starts at the left edge (10^e0); values at or below it show as a sliver
    auto X = [&](double v) {
        if (v <= 0) return L;
        const double f = (std::log10(v) - e0) / (e1 - e0);
        return L + std::clamp(f, 0.0, 1.0) * pw;
    };
    o += fmt::format(R"(<svg viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="delivery delay percentiles">)",
                     W, H, W, H);
    o += '\n';
    for (int e = e0; e <= e1; ++e) {
        const double v = std::pow(10.0, e), x = X(v);
        const std::string label = e < 0    ? fmt::format("{} s", v)
                                  : e < 4 ? fmt::format("{:.0f} s", v)
                                          : fmt::format(R"(10<tspan baseline-shift="super" font-size="9">{}</tspan> s)", e);
        o += fmt::format(R"(<line class="gridline" x1="{:.1f}" y1="{}" x2="{:.1f}" y2="{}"/><text x="{:.1f}" y="{}" text-anchor="middle">{}</text>)",
                         x, T, x, T + row * 4, x, T + row * 4 + 16, label);
        o += '\n';
    }
    const std::array<std::string_view, 4> shades = {kForwarded, kReceived, kDeferred, kBounced};
    for (std::size_t i = 0; i < bars.size(); ++i) {
        const auto& [k, v] = bars[i];
        const double y = T + row * static_cast<double>(i) + 5;
        const double x1 = std::max(X(v), L + 2);
        o += fmt::format(R"(<text x="{}" y="{:.1f}" text-anchor="end">{}</text>)"
                         R"(<rect x="{}" y="{:.1f}" width="{:.2f}" height="20" fill="{}"><title>{}: {} seconds</title></rect>)"
                         R"(<text x="{:.1f}" y="{:.1f}">{}</text>)",
                         L - 8, y + 14, k, L, y, x1 - L, shades[i], k, v, x1 + 6, y + 14, duration(v));
        o += '\n';
    }
    o += fmt::format(R"(<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/><line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/>)",
                     L, T, L, T + row * 4, L, T + row * 4, L + pw, T + row * 4);
    o += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle">seconds (log scale), as the MTA logged delay=</text>)", L + pw / 2, H - 4);
    o += "\n</svg>\n";
    o += fmt::format("<p class=\"note\">{} delivered recipients with a logged delay; nearest-rank percentiles.</p>\n", d.count);
}

/// A table cell: a number (right-aligned), nothing, or escaped text.
std::string num(std::optional<std::uint64_t> v) { return v ? fmt::format("<td class=\"n\">{}</td>", *v) : "<td class=\"n\"></td>"; }
std::string txt(std::string_view s) { return "<td class=\"t\">" + esc(s) + "</td>"; }
std::string secs(double v) {
    return v < 0 ? "<td class=\"n\"></td>" : fmt::format("<td class=\"n\" title=\"{:.2f} s\">{}</td>", v, duration(v));
}

void totals_table(std::string& o, const StatsReport& r) {
    o += "<h2>Totals</h2>\n<table class=\"totals\">\n<tr><th></th><th class=\"n\">messages</th><th class=\"n\">recipients</th></tr>\n";
    for (const auto& sr : stats_summary_rows(r)) {
        if (sr.item.starts_with("bytes ")) continue; // below, with their size in KiB/MiB
        o += fmt::format("<tr><td>{}</td>{}{}</tr>\n", sr.item, num(sr.messages), num(sr.recipients));
    }
    o += fmt::format("<tr><td>bytes received</td><td class=\"n\">{} ({})</td><td class=\"n\"></td></tr>\n", r.bytes_received,
                     human_bytes(r.bytes_received));
    o += fmt::format("<tr><td>bytes delivered</td><td class=\"n\"></td><td class=\"n\">{} ({})</td></tr>\n", r.bytes_delivered,
                     human_bytes(r.bytes_delivered));
    o += "</table>\n";
}

void top_table(std::string& o, std::string_view title, std::string_view key, std::string_view count, const StatsReport::Top& v) {
    if (v.empty()) return;
    o += fmt::format("<div><h3>{}</h3>\n<table>\n<tr><th class=\"n\">{}</th><th>{}</th></tr>\n", title, count, key);
    // keys as the text and JSON outputs have them; an empty one (an address without a domain) marked
    for (const auto& [k, n] : v) o += fmt::format("<tr>{}{}</tr>\n", num(n), k.empty() ? "<td class=\"t\"><em>(empty)</em></td>" : txt(k));
    o += "</table></div>\n";
}

void reason_table(std::string& o, std::string_view title, const std::vector<Reason>& v) {
    if (v.empty()) return;
    o += fmt::format("<h3>{}</h3>\n<table>\n<tr><th class=\"n\">count</th><th>reason (grouped)</th><th>example as logged</th></tr>\n", title);
    for (const auto& x : v) o += fmt::format("<tr>{}{}{}</tr>\n", num(x.count), txt(x.group), txt(x.example));
    o += "</table>\n";
}

} // namespace

void escape_html(std::string_view s, std::string& out) {
    std::string t;
    escape_text(s, t);
    for (char c : t) switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
}

std::string format_stats_html(const StatsReport& r, const HtmlReportScope& scope, Zone* zone) {
    std::string o;
    o.reserve(64 * 1024);
    std::string period, zone_name = zone ? zone->name() : std::string("UTC");
    if (r.first_time)
        period = fmt::format("{} to {} ({})", format_time(*r.first_time, zone), format_time(*r.last_time, zone), zone_name);
    else
        period = "no transactions";
    std::string hosts;
    for (const auto& h : scope.hosts) {
        if (!hosts.empty()) hosts += ", ";
        esc(h, hosts);
    }
    o += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<meta name=\"generator\" content=\"mxtrace stats --html\">\n";
    o += fmt::format("<title>Mail report: {}</title>\n<style>{}</style>\n</head>\n<body>\n", esc(period), kCss);
    o += fmt::format("<h1>Mail report: {}</h1>\n", esc(period));
    o += fmt::format("<p class=\"meta\">Hosts: {}</p>\n", hosts.empty() ? std::string("none") : hosts);
    o += fmt::format("<p class=\"meta\">{} transactions, {} messages received ({}), {} distinct senders, {} distinct recipients.</p>\n",
                     r.transactions, r.received, human_bytes(r.bytes_received), r.distinct_senders, r.distinct_recipients);
    // the numbers an admin looks for first
    o += "<div class=\"cards\">\n";
    auto card = [&](std::string_view k, std::uint64_t v, std::string_view c, std::string_view unit) {
        o += fmt::format("<div class=\"card\" style=\"--c:{}\"><div class=\"v\">{}</div><div class=\"k\">{} {}</div></div>\n", c, v, k, unit);
    };
    card("received", r.received, kReceived, "messages");
    card("delivered", r.delivered.recipients, kDelivered, "recipients");
    card("deferred", r.deferred.recipients, kDeferred, "recipients");
    card("bounced", r.bounced.recipients, kBounced, "recipients");
    card("expired", r.expired.recipients, kExpired, "recipients");
    card("rejected", r.rejected.recipients, kRejected, "recipients");
    o += "</div>\n";
    traffic_chart(o, r);
    outcome_mix(o, r);
    delay_chart(o, r);
    totals_table(o, r);
    o += "<h2>Top lists</h2>\n<div class=\"grid\">\n";
    const std::size_t before = o.size();
    top_table(o, "Senders (messages received)", "sender", "messages", r.senders);
    top_table(o, "Recipients (delivered)", "recipient", "delivered", r.recipients);
    top_table(o, "Sender domains (messages received)", "domain", "messages", r.sender_domains);
    top_table(o, "Recipient domains (delivered)", "domain", "delivered", r.recipient_domains);
    top_table(o, "Clients (messages received)", "client", "messages", r.clients);
    top_table(o, "Relays (recipients sent)", "relay", "sent", r.relays);
    top_table(o, "Rejected clients (rejected recipients)", "client", "rejected", r.rejected_clients);
    top_table(o, "Rejected senders (rejected recipients)", "sender", "rejected", r.rejected_senders);
    top_table(o, "Rejected recipients", "recipient", "rejected", r.rejected_recipients);
    top_table(o, "Content filter verdicts (messages)", "verdict", "messages", r.filter_verdicts);
    if (o.size() == before) o += "<p>No entries.</p>\n";
    o += "</div>\n<h2>Reasons</h2>\n";
    const std::size_t before_reasons = o.size();
    reason_table(o, "Reject reasons (recipients)", r.reject_reasons);
    reason_table(o, "Deferral reasons (attempts)", r.deferral_reasons);
    reason_table(o, "Bounce and expiry reasons (recipients)", r.bounce_reasons);
    if (o.size() == before_reasons) o += "<p>No rejects, deferrals or bounces.</p>\n";
    if (r.delay.count || !r.delay_by_relay.empty()) {
        o += "<h2>Delivery delay by relay</h2>\n<table>\n<tr><th>relay</th><th class=\"n\">count</th><th class=\"n\">p50</th>"
             "<th class=\"n\">p90</th><th class=\"n\">p99</th><th class=\"n\">max</th></tr>\n";
        auto row = [&](std::string cell, const DelayStats& d) {
            o += fmt::format("<tr>{}{}{}{}{}{}</tr>\n", cell, num(d.count), secs(d.p50), secs(d.p90), secs(d.p99), secs(d.max));
        };
        if (r.delay.count) row("<td><em>all delivered</em></td>", r.delay);
        for (const auto& [relay, d] : r.delay_by_relay) row(txt(relay), d);
        o += "</table>\n";
    }
    if (!r.deferred_longest.empty()) {
        o += "<h2>Messages deferred longest</h2>\n<table>\n<tr><th class=\"n\">time</th><th class=\"n\">deferrals</th><th>status</th>"
             "<th>first line</th><th>host</th><th>queue ID</th><th>sender</th><th>last reason</th></tr>\n";
        for (const auto& d : r.deferred_longest)
            o += fmt::format("<tr>{}{}<td>{}</td><td>{}</td>{}{}{}{}</tr>\n", secs(d.seconds), num(d.deferrals),
                             status_name(d.final_status), format_time(d.first_time, zone), txt(d.host), txt(d.queue_id),
                             d.sender ? txt(d.sender->empty() ? std::string_view("<>") : std::string_view(*d.sender)) : "<td></td>",
                             txt(d.reason));
        o += "</table>\n";
    }
    o += "<p class=\"note\">Made by mxtrace stats --html from the index; what each number counts: mxtrace-stats(1).</p>\n"
         "</body>\n</html>\n";
    return o;
}

} // namespace mxtrace
