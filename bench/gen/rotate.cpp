// SPDX-License-Identifier: GPL-3.0-or-later
// mxtrace-gen: rotation: periods, files, compression of older periods, writing lines in time order.
#include "sim.hpp"

namespace mxgen {

int Sim::period_of(std::int64_t t) const {
    const std::int64_t p = (t - o_.start) / (static_cast<std::int64_t>(o_.rotate_days) * kDay);
    return static_cast<int>(std::clamp<std::int64_t>(p, 0, periods_ - 1));
}

void Sim::open_period(Host& h, int p) {
    if (h.period >= 0) {
        writer_.push(Chunk{h.file, h.gz, true, std::move(h.buf)});
        h.buf.clear();
    }
    h.period = p;
    const int k = periods_ - 1 - p;
    h.gz = k >= 2;
    h.file = o_.out / h.name / (k == 0 ? std::string("mail.log") : k == 1 ? std::string("mail.log.1") : fmt::format("mail.log.{}.gz", k));
}

void Sim::write_line(Host& h, const Line& l) {
    if (l.t < h.last_written) die(fmt::format("internal error: {} line out of order: {}", h.name, l.text));
    h.last_written = l.t;
    const int p = period_of(l.t);
    if (p != h.period) open_period(h, p);
    const Civil c = civil_of(l.t);
    auto out = std::back_inserter(h.buf);
    const std::size_t before = h.buf.size();
    if (h.style == Style::classic)
        fmt::format_to(out, "{} {:>2} {:02}:{:02}:{:02} ", kMonths[c.m - 1], c.d, c.hh, c.mm, c.ss);
    else
        fmt::format_to(out, "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+00:00 ", c.y, c.m, c.d, c.hh, c.mm, c.ss, c.us);
    h.buf += h.name;
    h.buf += ' ';
    h.buf += l.text;
    h.buf += '\n';
    ++h.lines;
    h.bytes += h.buf.size() - before;
    if (h.buf.size() >= (1 << 22)) {
        writer_.push(Chunk{h.file, h.gz, false, std::move(h.buf)});
        h.buf.clear();
    }
}

void Sim::flush_before(std::int64_t t) {
    for (Host& h : hosts_) {
        while (!h.heap.empty() && h.heap.front().t < t) {
            std::pop_heap(h.heap.begin(), h.heap.end(), LineLater{});
            write_line(h, h.heap.back());
            h.heap.pop_back();
        }
    }
}

void Sim::finish_output() {
    for (Host& h : hosts_)
        if (h.period >= 0) {
            writer_.push(Chunk{h.file, h.gz, true, std::move(h.buf)});
            h.buf.clear();
        }
    writer_.finish();
    if (std::fclose(truth_) != 0) die("cannot write truth.jsonl");
}


} // namespace mxgen
