// SPDX-License-Identifier: GPL-3.0-or-later
#include "mxtrace/read/exim_pieces.hpp"

namespace mxtrace {

namespace {
bool read_number(std::string_view s, std::size_t& i, unsigned& v) {
    std::size_t start = i;
    v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 6) v = v * 10 + static_cast<unsigned>(s[i++] - '0');
    return i > start;
}
} // namespace

bool EximPieces::split(std::string_view m, unsigned& i, char& sep, unsigned& n, std::string_view& text) {
    if (m.size() < 6 || m[0] != '[') return false;
    std::size_t p = 1;
    if (!read_number(m, p, i) || p >= m.size() || (m[p] != '/' && m[p] != '\\')) return false;
    sep = m[p++];
    if (!read_number(m, p, n) || p + 1 >= m.size() || m[p] != ']' || m[p + 1] != ' ') return false;
    if (i < 1 || n < 2 || i > n) return false;
    text = m.substr(p + 2);
    return true;
}

void EximPieces::drop(const Entry& e) noexcept {
    dropped_ += e.count - e.restored;
    dropped_restored_ += e.restored;
}

void EximPieces::clear() noexcept {
    for (auto& [k, e] : open_) drop(e);
    open_.clear();
    held_ = 0;
}

// One line per entry: "KEYLEN:KEY TEXTLEN:TEXT NEXT TOTAL COUNT NEWLINE\n" (lengths in bytes,
// so a key or text may hold any byte).
std::string EximPieces::save() const {
    std::string out;
    for (const auto& [k, e] : open_) {
        out += std::to_string(k.size());
        out += ':';
        out += k;
        out += ' ';
        out += std::to_string(e.text.size());
        out += ':';
        out += e.text;
        out += ' ' + std::to_string(e.next) + ' ' + std::to_string(e.total) + ' ' + std::to_string(e.count) + ' ' +
               (e.newline ? '1' : '0') + '\n';
    }
    return out;
}

void EximPieces::load(std::string_view s) {
    open_.clear();
    held_ = 0;
    std::unordered_map<std::string, Entry> got;
    std::size_t i = 0;
    auto number = [&](unsigned long long& v, char end) {
        std::size_t start = i;
        v = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 12) v = v * 10 + static_cast<unsigned>(s[i++] - '0');
        return i > start && i < s.size() && s[i++] == end;
    };
    auto bytes = [&](std::string& out) {
        unsigned long long n = 0;
        if (!number(n, ':') || n > s.size() - i) return false;
        out.assign(s.substr(i, static_cast<std::size_t>(n)));
        i += static_cast<std::size_t>(n);
        return i < s.size() && s[i++] == ' ';
    };
    while (i < s.size()) {
        std::string key;
        Entry e;
        unsigned long long next = 0, total = 0, count = 0, newline = 0;
        if (!bytes(key) || !bytes(e.text) || !number(next, ' ') || !number(total, ' ') || !number(count, ' ') ||
            !number(newline, '\n') || total < 2 || next < 2 || next > total || count == 0 || count >= total || newline > 1)
            return; // not save()'s: hold nothing
        e.next = static_cast<unsigned>(next);
        e.total = static_cast<unsigned>(total);
        e.count = e.restored = static_cast<unsigned>(count);
        e.newline = newline == 1;
        got[key] = std::move(e);
    }
    open_ = std::move(got);
    for (const auto& [k, e] : open_) held_ += e.count;
}

EximPieces::Result EximPieces::feed(std::string_view host, std::string_view pid, std::string_view message,
                                    std::string_view& out) {
    unsigned i = 0, n = 0;
    char sep = 0;
    std::string_view text;
    if (!split(message, i, sep, n, text)) {
        out = message;
        return Result::whole;
    }
    key_.assign(host);
    key_.push_back('\0');
    key_.append(pid);
    auto it = open_.find(key_);
    if (it != open_.end() && (i != it->second.next || n != it->second.total)) {
        // a lost or out-of-order piece: what was held cannot be joined
        drop(it->second);
        held_ -= it->second.count;
        open_.erase(it);
        it = open_.end();
    }
    if (it == open_.end()) {
        if (i != 1) {
            ++dropped_;
            return Result::held;
        }
        it = open_.emplace(key_, Entry{}).first;
        it->second.total = n;
    } else if (it->second.newline) {
        it->second.text.push_back('\n');
    }
    Entry& e = it->second;
    e.text.append(text);
    e.newline = sep == '\\';
    e.next = i + 1;
    if (i < n) {
        ++e.count;
        ++held_;
        return Result::held;
    }
    held_ -= e.count;
    joined_ = std::move(e.text);
    open_.erase(it);
    out = joined_;
    return Result::joined;
}

} // namespace mxtrace
