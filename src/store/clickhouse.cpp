// SPDX-License-Identifier: GPL-3.0-or-later
// ClickHouse over its HTTP interface (libcurl): see include/mxtrace/store/clickhouse.hpp and
// ARCHITECTURE.md, "ClickHouse". The only code that talks to ClickHouse.
#include "mxtrace/store/clickhouse.hpp"

#include "mxtrace/base/error.hpp"
#include "mxtrace/reduce/links.hpp"
#include "mxtrace/store/fields.hpp"
#include "mxtrace/store/query.hpp"

#include "store/curl_api.hpp"
#include <fmt/format.h>
#include <xapian.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <charconv>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <tuple>

namespace mxtrace::clickhouse {

// ---------------------------------------------------------------------------------------------
// Quoting

std::string quote(std::string_view s) {
    std::string o;
    o.reserve(s.size() + 2);
    o += '\'';
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\\') o += "\\\\";
        else if (c == '\'') o += "\\'";
        else if (c == 0) o += "\\0";
        else if (c < 0x20 || c == 0x7f) o += fmt::format("\\x{:02X}", c);
        else o += ch;
    }
    o += '\'';
    return o;
}

std::string quote_identifier(std::string_view s) {
    std::string o = "`";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '`' || c == '\\') o += '\\', o += ch;
        else if (c == 0) o += "\\0";
        else if (c < 0x20 || c == 0x7f) o += fmt::format("\\x{:02X}", c);
        else o += ch;
    }
    return o + "`";
}

std::string json_string(std::string_view s) {
    std::string o;
    o.reserve(s.size() + 2);
    o += '"';
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"') o += "\\\"";
        else if (c == '\\') o += "\\\\";
        else if (c < 0x20 || c == 0x7f) o += fmt::format("\\u{:04x}", c);
        else o += ch;
    }
    o += '"';
    return o;
}

// ---------------------------------------------------------------------------------------------
// HTTP

namespace {


size_t on_body(char* data, size_t size, size_t n, void* user) {
    static_cast<std::string*>(user)->append(data, size * n);
    return size * n;
}

/// The first line of a ClickHouse error ("Code: 60, e.displayText() = DB::Exception: Table ...
/// doesn't exist, e.what() = DB::Exception"), shortened to its message.
std::string server_message(std::string_view body) {
    std::string_view b = body.substr(0, body.find('\n'));
    if (const auto p = b.find("e.displayText() = "); p != std::string_view::npos) {
        std::string_view code = b.substr(0, p);
        b.remove_prefix(p + 18);
        if (const auto w = b.rfind(", e.what() = "); w != std::string_view::npos) b = b.substr(0, w);
        if (b.starts_with("DB::Exception: ")) b.remove_prefix(15);
        while (!code.empty() && (code.back() == ' ' || code.back() == ',')) code.remove_suffix(1);
        if (b.size() > 400) b = b.substr(0, 400);
        return fmt::format("{} ({})", b, code);
    }
    if (b.size() > 400) b = b.substr(0, 400);
    return std::string(b);
}

/// ClickHouse's error code in a response body ("Code: 193, ..."), 0 if none.
int server_code(std::string_view body) {
    if (!body.starts_with("Code: ")) return 0;
    int v = 0;
    std::from_chars(body.data() + 6, body.data() + body.size(), v);
    return v;
}

std::string strip_angle(std::string_view s) {
    if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
    return std::string(s);
}

std::string_view domain_of(std::string_view addr) {
    const std::size_t at = addr.rfind('@');
    return at == std::string_view::npos ? std::string_view{} : addr.substr(at + 1);
}

} // namespace

Client::Client(Options o) : o_(std::move(o)) {
    curl_ = detail::curl_api().easy_init(); // loads libcurl on first use (curl_api.hpp)
    if (!curl_) throw Error(ExitCode::internal, "cannot set up libcurl", "please report this");
    while (!o_.url.empty() && o_.url.back() == '/') o_.url.pop_back();
}

Client::~Client() {
    if (curl_) detail::curl_api().easy_cleanup(static_cast<CURL*>(curl_));
}

std::string Client::post(std::string_view url_query, std::string_view body, std::string_view what) {
    CURL* c = static_cast<CURL*>(curl_);
    const detail::CurlApi& curl = detail::curl_api();
    curl.easy_reset(c);
    const std::string url = o_.url + "/?" + std::string(url_query);
    std::string response;
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_slist* headers = nullptr;
    if (!o_.user.empty()) headers = curl.slist_append(headers, ("X-ClickHouse-User: " + o_.user).c_str());
    if (!o_.password.empty()) headers = curl.slist_append(headers, ("X-ClickHouse-Key: " + o_.password).c_str());
    headers = curl.slist_append(headers, "Content-Type: text/plain; charset=utf-8");
    headers = curl.slist_append(headers, "Expect:");
    curl.easy_setopt(c, CURLOPT_URL, url.c_str());
    curl.easy_setopt(c, CURLOPT_POST, 1L);
    curl.easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl.easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl.easy_setopt(c, CURLOPT_WRITEDATA, &response);
    curl.easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o_.connect_timeout_s);
    curl.easy_setopt(c, CURLOPT_TIMEOUT, o_.timeout_s);
    curl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    const CURLcode rc = curl.easy_perform(c);
    curl.slist_free_all(headers);
    long status = 0;
    curl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK) {
        const std::string why = errbuf[0] ? errbuf : curl.easy_strerror(rc);
        if (rc == CURLE_OPERATION_TIMEDOUT)
            throw Error(ExitCode::remote, fmt::format("ClickHouse at {}: {} timed out ({})", o_.url, what, why),
                        fmt::format("the server did not answer within {} s; check that it is up and not overloaded, "
                                    "or give a longer --timeout; nothing was marked exported that the server did not store",
                                    o_.timeout_s));
        throw Error(ExitCode::remote, fmt::format("ClickHouse at {}: {} failed: {}", o_.url, what, why),
                    "check that the server runs and that --url names its HTTP interface (port 8123 by default)");
    }
    const int code = server_code(response);
    if (status == 401 || status == 403 || code == 192 || code == 193 || code == 516)
        throw Error(ExitCode::remote,
                    fmt::format("ClickHouse at {} refused the login of user '{}': {}", o_.url,
                                o_.user.empty() ? std::string("default") : o_.user, server_message(response)),
                    "set clickhouse-user and clickhouse-password in the [export] section of the config file "
                    "(mxtrace.conf(5)), or the password in $MXTRACE_CLICKHOUSE_PASSWORD");
    if (status != 200)
        throw Error(ExitCode::remote,
                    fmt::format("ClickHouse at {} rejected the {} (HTTP {}): {}", o_.url, what, status, server_message(response)),
                    "see the server's message; nothing was marked exported that the server did not store");
    return response;
}

namespace {
std::string url_escape(std::string_view s) {
    std::string o;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') o += ch;
        else o += fmt::format("%{:02X}", c);
    }
    return o;
}
} // namespace

std::string Client::query(std::string_view sql) {
    // wait_end_of_query: an error during the query is an HTTP error, not a cut body; max_query_size:
    // a batch's stale-row lookup names each (host, queue ID) of the batch (default limit 256 KiB);
    // max_read_buffer_size: a FINAL read opens every part of the table at once with a buffer per
    // column (1 MiB by default): just after a large export (hundreds of parts) that alone passed
    // the server's memory limit (found by the 100k-message comparison, tests/clickhouse/compare.sh)
    return post("wait_end_of_query=1&max_query_size=67108864&max_read_buffer_size=65536", sql, "query");
}

void Client::insert(std::string_view insert, std::string_view body) {
    post("query=" + url_escape(insert), body, "insert");
}

// ---------------------------------------------------------------------------------------------
// JSONEachRow reading

namespace {

/// One value of a flat JSON object: a string, a number (its text), null, or an array of those.
struct JValue {
    enum class Kind { null, string, number, array } kind = Kind::null;
    std::string text;
    std::vector<JValue> items;
};

class JsonReader {
public:
    explicit JsonReader(std::string_view s) : s_(s) {}

    std::map<std::string, JValue, std::less<>> object() {
        std::map<std::string, JValue, std::less<>> out;
        ws();
        expect('{');
        ws();
        if (peek() == '}') { ++i_; return out; }
        for (;;) {
            ws();
            std::string key = string();
            ws();
            expect(':');
            out[std::move(key)] = value();
            ws();
            if (peek() == ',') { ++i_; continue; }
            expect('}');
            return out;
        }
    }

private:
    [[noreturn]] void fail() const {
        throw Error(ExitCode::remote, fmt::format("ClickHouse sent a row that is not the JSON expected (at byte {})", i_),
                    "the server's mxtrace schema may have been changed by hand; please report this");
    }
    char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
    void ws() { while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r' || s_[i_] == '\n')) ++i_; }
    void expect(char c) { if (peek() != c) fail(); ++i_; }
    static void utf8(unsigned cp, std::string& o) {
        if (cp < 0x80) o += static_cast<char>(cp);
        else if (cp < 0x800) { o += static_cast<char>(0xC0 | (cp >> 6)); o += static_cast<char>(0x80 | (cp & 0x3F)); }
        else if (cp < 0x10000) {
            o += static_cast<char>(0xE0 | (cp >> 12)); o += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            o += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            o += static_cast<char>(0xF0 | (cp >> 18)); o += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            o += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)); o += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }
    unsigned hex4() {
        if (i_ + 4 > s_.size()) fail();
        unsigned v = 0;
        auto [p, ec] = std::from_chars(s_.data() + i_, s_.data() + i_ + 4, v, 16);
        if (ec != std::errc() || p != s_.data() + i_ + 4) fail();
        i_ += 4;
        return v;
    }
    std::string string() {
        expect('"');
        std::string o;
        for (;;) {
            if (i_ >= s_.size()) fail();
            const char c = s_[i_++];
            if (c == '"') return o;
            if (c != '\\') { o += c; continue; }
            if (i_ >= s_.size()) fail();
            const char e = s_[i_++];
            switch (e) {
            case '"': o += '"'; break;
            case '\\': o += '\\'; break;
            case '/': o += '/'; break;
            case 'b': o += '\b'; break;
            case 'f': o += '\f'; break;
            case 'n': o += '\n'; break;
            case 'r': o += '\r'; break;
            case 't': o += '\t'; break;
            case 'u': {
                unsigned cp = hex4();
                if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(i_, 2) == "\\u") {
                    i_ += 2;
                    const unsigned lo = hex4();
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                utf8(cp, o);
                break;
            }
            default: fail();
            }
        }
    }
    JValue value() {
        ws();
        JValue v;
        const char c = peek();
        if (c == '"') {
            v.kind = JValue::Kind::string;
            v.text = string();
        } else if (c == '[') {
            ++i_;
            v.kind = JValue::Kind::array;
            ws();
            if (peek() == ']') { ++i_; return v; }
            for (;;) {
                v.items.push_back(value());
                ws();
                if (peek() == ',') { ++i_; continue; }
                expect(']');
                break;
            }
        } else if (s_.substr(i_, 4) == "null") {
            i_ += 4;
        } else {
            const std::size_t b = i_;
            while (i_ < s_.size() && std::string_view("+-.0123456789eEinfa").find(s_[i_]) != std::string_view::npos) ++i_;
            if (i_ == b) fail();
            v.kind = JValue::Kind::number;
            v.text = std::string(s_.substr(b, i_ - b));
        }
        return v;
    }
    std::string_view s_;
    std::size_t i_ = 0;
};

using Row = std::map<std::string, JValue, std::less<>>;

const JValue& member(const Row& r, std::string_view k) {
    const auto it = r.find(k);
    if (it == r.end())
        throw Error(ExitCode::remote, fmt::format("ClickHouse sent a row without column {}", k),
                    "the server's mxtrace schema may have been changed by hand; please report this");
    return it->second;
}

std::int64_t as_i64(const JValue& v) {
    std::int64_t x = 0;
    const auto [p, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), x);
    if (ec != std::errc() || p != v.text.data() + v.text.size())
        throw Error(ExitCode::remote, fmt::format("ClickHouse sent '{}' for a number", v.text), "please report this");
    return x;
}

double as_double(const JValue& v) {
    double x = 0;
    const auto [p, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), x);
    if (ec != std::errc()) throw Error(ExitCode::remote, fmt::format("ClickHouse sent '{}' for a number", v.text), "please report this");
    return x;
}

std::vector<std::string> as_strings(const JValue& v) {
    std::vector<std::string> o;
    for (const auto& i : v.items) o.push_back(i.text);
    return o;
}

/// The body's lines (JSONEachRow: one object per line).
std::vector<std::string_view> lines_of(std::string_view body) {
    std::vector<std::string_view> out;
    while (!body.empty()) {
        const std::size_t nl = body.find('\n');
        std::string_view l = body.substr(0, nl);
        if (!l.empty()) out.push_back(l);
        if (nl == std::string_view::npos) break;
        body.remove_prefix(nl + 1);
    }
    return out;
}

Mta mta_of(std::string_view s) {
    if (s == "postfix") return Mta::postfix;
    if (s == "sendmail") return Mta::sendmail;
    if (s == "exim") return Mta::exim;
    return Mta::none;
}

std::string day_of(Micros t) {
    using namespace std::chrono;
    const auto d = floor<days>(sys_time<microseconds>(microseconds(t)));
    const year_month_day ymd(d);
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                       static_cast<unsigned>(ymd.day()));
}

/// The columns of the transactions table a Transaction is read from (not the search columns).
constexpr const char* kReadColumns =
    "host, queue_id, first_us, last_us, local_id, mta, sender, client_name, client_ip, sasl_username, helo, "
    "message_id, size, nrcpt, complete, headless, notification_queue_id, verdict, a_time_us, a_recipient, "
    "a_orig_recipient, a_relay, a_status, a_dsn, a_delay, a_text, a_queued_as, a_code, l_seq, l_rule, l_kind, "
    "l_next_qid, l_relay_name, l_relay_addr, l_time_us, l_attempt";

LinkKind kind_of(std::string_view k) {
    return k == "loop" ? LinkKind::loop : k == "notification" ? LinkKind::notification : LinkKind::relay;
}

/// The hex text of a client address's 16 bytes (the s_ip column), "" if it is not an address.
std::string ip_hex(const std::optional<IpBytes>& ip) {
    std::string o;
    if (ip)
        for (const unsigned char b : *ip) o += fmt::format("{:02x}", b);
    return o;
}

} // namespace

namespace {
Transaction row_txn(const Row& r);

/// The hop links of a row (its l_* columns), in order.
std::vector<HopLink> row_links(const Row& r) {
    std::vector<HopLink> out;
    const JValue* cols[8];
    const char* names[] = {"l_seq", "l_rule", "l_kind", "l_next_qid", "l_relay_name", "l_relay_addr", "l_time_us", "l_attempt"};
    for (int i = 0; i < 8; ++i) cols[i] = &member(r, names[i]);
    const std::size_t n = cols[0]->items.size();
    for (const auto* c : cols)
        if (c->items.size() != n)
            throw Error(ExitCode::remote, "ClickHouse sent a row whose link arrays differ in length", "please report this");
    for (std::size_t i = 0; i < n; ++i) {
        HopLink l;
        l.seq = static_cast<int>(as_i64(cols[0]->items[i]));
        l.rule = cols[1]->items[i].text;
        l.kind = kind_of(cols[2]->items[i].text);
        l.next_queue_id = cols[3]->items[i].text;
        l.relay_name = cols[4]->items[i].text;
        l.relay_addr = cols[5]->items[i].text;
        l.time = as_i64(cols[6]->items[i]);
        l.attempt = static_cast<int>(as_i64(cols[7]->items[i]));
        out.push_back(std::move(l));
    }
    return out;
}
} // namespace

Transaction parse_row(std::string_view line) { return row_txn(JsonReader(line).object()); }

namespace {
Transaction row_txn(const Row& r) {
    Transaction t;
    t.host = member(r, "host").text;
    t.queue_id = member(r, "queue_id").text;
    t.first_time = as_i64(member(r, "first_us"));
    t.last_time = as_i64(member(r, "last_us"));
    t.id = as_i64(member(r, "local_id"));
    t.mta = mta_of(member(r, "mta").text);
    if (const JValue& s = member(r, "sender"); s.kind != JValue::Kind::null) t.sender = s.text;
    t.client_name = member(r, "client_name").text;
    t.client_ip = member(r, "client_ip").text;
    t.sasl_username = member(r, "sasl_username").text;
    t.helo = member(r, "helo").text;
    t.message_id = member(r, "message_id").text;
    t.size = as_i64(member(r, "size"));
    t.nrcpt = static_cast<int>(as_i64(member(r, "nrcpt")));
    t.complete = as_i64(member(r, "complete")) != 0;
    t.headless = as_i64(member(r, "headless")) != 0;
    t.notification_queue_id = member(r, "notification_queue_id").text;
    t.verdict = member(r, "verdict").text;
    const auto& times = member(r, "a_time_us").items;
    const auto rcpt = as_strings(member(r, "a_recipient")), orig = as_strings(member(r, "a_orig_recipient")),
               relay = as_strings(member(r, "a_relay")), status = as_strings(member(r, "a_status")),
               dsn = as_strings(member(r, "a_dsn")), text = as_strings(member(r, "a_text")),
               qas = as_strings(member(r, "a_queued_as")), code = as_strings(member(r, "a_code"));
    const auto& delay = member(r, "a_delay").items;
    const std::size_t n = times.size();
    for (const auto* v : {&rcpt, &orig, &relay, &status, &dsn, &text, &qas, &code})
        if (v->size() != n) throw Error(ExitCode::remote, "ClickHouse sent a row whose attempt arrays differ in length", "please report this");
    if (delay.size() != n) throw Error(ExitCode::remote, "ClickHouse sent a row whose attempt arrays differ in length", "please report this");
    t.attempts.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        Attempt a;
        a.time = as_i64(times[i]);
        a.recipient = rcpt[i];
        a.orig_recipient = orig[i];
        a.relay = relay[i];
        a.status = status_from_name(status[i]);
        a.dsn = dsn[i];
        a.delay = as_double(delay[i]);
        a.text = text[i];
        a.queued_as = qas[i];
        a.code = code[i];
        t.attempts.push_back(std::move(a));
    }
    return t;
}
} // namespace

// ---------------------------------------------------------------------------------------------
// Schema

std::vector<std::string> schema_sql(std::string_view db) {
    const std::string d = quote_identifier(db);
    return {
        fmt::format("CREATE DATABASE IF NOT EXISTS {}", d),
        fmt::format("CREATE TABLE IF NOT EXISTS {}.mxtrace_meta (key String, value String) ENGINE = TinyLog", d),
        fmt::format(
            "CREATE TABLE IF NOT EXISTS {}.transactions (\n"
            "  host String, queue_id String, first_us Int64, last_us Int64,\n"
            "  day Date,                    -- UTC day of last_us: the partition\n"
            "  local_id Int64,              -- the transaction's ID in the index that exported it\n"
            "  version UInt64,              -- when it was exported (UTC µs): the newest row wins\n"
            "  mta String, sender Nullable(String), client_name String, client_ip String, sasl_username String,\n"
            "  helo String, message_id String, size Int64, nrcpt Int32, complete UInt8, headless UInt8,\n"
            "  notification_queue_id String, verdict String,\n"
            "  a_time_us Array(Int64), a_recipient Array(String), a_orig_recipient Array(String), a_relay Array(String),\n"
            "  a_status Array(String), a_dsn Array(String), a_delay Array(Float64), a_text Array(String),\n"
            "  a_queued_as Array(String), a_code Array(String),\n"
            "  s_host String, s_from String, s_from_domain String, s_to Array(String), s_to_domain Array(String),\n"
            "  s_client Array(String), s_relay Array(String), s_status Array(String),  -- search keys, normalised as the Xapian terms\n"
            "  s_ip String,                 -- client address: 16 bytes (IPv4-mapped IPv6) in hex, '' if none; CIDR = a range\n"
            "  s_words Array(String),       -- the words of the texts --text searches, as Xapian's TermGenerator makes them\n"
            "  l_seq Array(Int32), l_rule Array(String), l_kind Array(String), l_next_qid Array(String),\n"
            "  l_relay_name Array(String), l_relay_addr Array(String), l_time_us Array(Int64), l_attempt Array(Int32)\n"
            "                               -- its hop links, as the local hop table keeps them\n"
            ") ENGINE = ReplacingMergeTree(version)\n"
            "PARTITION BY toYYYYMMDD(day)\n"
            "ORDER BY (host, queue_id, first_us)",
            d),
        fmt::format(
            "CREATE TABLE IF NOT EXISTS {}.links (  -- the hop links again, found by the next hop's queue ID\n"
            "  next_qid String, host String, queue_id String, first_us Int64, seq Int32,\n"
            "  day Date,                    -- the day (partition) of the transaction it leaves from\n"
            "  local_id Int64, version UInt64,\n"
            "  rule String, kind String, relay_name String, relay_addr String, time_us Int64, attempt Int32\n"
            ") ENGINE = ReplacingMergeTree(version)\n"
            "PARTITION BY toYYYYMMDD(day)\n"
            "ORDER BY (next_qid, host, queue_id, first_us, seq)",
            d),
    };
}

Cluster::Cluster(Options o) : c_(std::move(o)) {}

std::string Cluster::table(std::string_view name) const {
    return quote_identifier(c_.options().database) + "." + std::string(name);
}

std::string Cluster::target() const { return "clickhouse " + c_.options().url + " " + c_.options().database; }

namespace {
/// The schema version stored in DB.mxtrace_meta, nullopt if the table or the key is missing.
std::optional<std::string> stored_version(Client& c, std::string_view db) {
    const std::string exists = c.query(fmt::format(
        "SELECT count() FROM system.tables WHERE database = {} AND name = 'mxtrace_meta' FORMAT TabSeparated", quote(db)));
    if (exists.empty() || exists[0] == '0') return std::nullopt;
    std::string v = c.query(fmt::format("SELECT value FROM {}.mxtrace_meta WHERE key = 'schema_version' FORMAT TabSeparated",
                                        quote_identifier(db)));
    if (v.empty()) return std::nullopt;
    v = v.substr(0, v.find('\n'));
    return v;
}

[[noreturn]] void other_version(const Options& o, const std::string& v) {
    std::string shown;
    for (const char c : v.substr(0, 40)) shown += (static_cast<unsigned char>(c) < 0x20 ? '?' : c);
    throw Error(ExitCode::remote,
                fmt::format("ClickHouse database {} at {} holds mxtrace schema version {}, this mxtrace reads and writes {}",
                            o.database, o.url, shown, kSchemaVersion),
                fmt::format("export into a new database (--database NAME) with this mxtrace, or use the mxtrace that "
                            "wrote it; the version is in {}.mxtrace_meta", o.database));
}
} // namespace

bool Cluster::ensure_schema() {
    const Options& o = c_.options();
    const auto v = stored_version(c_, o.database);
    if (v && *v != std::to_string(kSchemaVersion)) other_version(o, *v);
    const std::string had = c_.query(fmt::format(
        "SELECT count() FROM system.tables WHERE database = {} AND name = 'transactions' FORMAT TabSeparated", quote(o.database)));
    const bool created = had.empty() || had[0] == '0';
    if (!v && !created)
        throw Error(ExitCode::remote,
                    fmt::format("ClickHouse database {} at {} has a transactions table but no mxtrace schema version",
                                o.database, o.url),
                    "it was not made by mxtrace export; give another --database");
    for (const auto& s : schema_sql(o.database)) c_.query(s);
    if (!v)
        c_.query(fmt::format("INSERT INTO {} (key, value) VALUES ('schema_version', {})", table("mxtrace_meta"),
                             quote(std::to_string(kSchemaVersion))));
    return created;
}

void Cluster::check_schema() {
    const Options& o = c_.options();
    const auto v = stored_version(c_, o.database);
    if (!v)
        throw Error(ExitCode::remote,
                    fmt::format("ClickHouse at {} has no mxtrace database {} (no mxtrace_meta table with a schema version)",
                                o.url, o.database),
                    "export the index there first: mxtrace export clickhouse --url URL --database NAME");
    if (*v != std::to_string(kSchemaVersion)) other_version(o, *v);
}

// ---------------------------------------------------------------------------------------------
// Writing

namespace {
void append_strings(std::string& o, const std::vector<Attempt>& as, std::string Attempt::*m) {
    o += '[';
    for (std::size_t i = 0; i < as.size(); ++i) {
        if (i) o += ',';
        o += json_string(as[i].*m);
    }
    o += ']';
}

void append_list(std::string& o, const std::vector<std::string>& v) {
    o += '[';
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) o += ',';
        o += json_string(v[i]);
    }
    o += ']';
}

void add_unique(std::vector<std::string>& v, std::string s) {
    if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(std::move(s));
}

/// The free-text terms of `t` exactly as make_document() (src/store/store.cpp) indexes them:
/// Xapian's TermGenerator (no stemmer) over each distinct text of an attempt not sent.
std::vector<std::string> text_words(const Transaction& t) {
    Xapian::Document doc;
    Xapian::TermGenerator tg;
    tg.set_document(doc);
    std::set<std::string_view> texts;
    for (const auto& a : t.attempts)
        if (!a.text.empty() && a.status != Status::sent && texts.insert(a.text).second) tg.index_text_without_positions(a.text);
    std::vector<std::string> out;
    for (auto it = doc.termlist_begin(); it != doc.termlist_end(); ++it) out.push_back(*it);
    return out;
}

/// One JSONEachRow line of the transactions table.
std::string row_json(const Transaction& t, std::uint64_t version, const std::vector<HopLink>& links) {
    std::string o;
    o.reserve(512);
    o += "{\"host\":" + json_string(t.host) + ",\"queue_id\":" + json_string(t.queue_id);
    o += fmt::format(",\"first_us\":{},\"last_us\":{},\"day\":\"{}\",\"local_id\":{},\"version\":{}", t.first_time,
                     t.last_time, day_of(t.last_time), t.id, version);
    o += ",\"mta\":" + json_string(mta_name(t.mta));
    o += ",\"sender\":" + (t.sender ? json_string(*t.sender) : std::string("null"));
    o += ",\"client_name\":" + json_string(t.client_name) + ",\"client_ip\":" + json_string(t.client_ip);
    o += ",\"sasl_username\":" + json_string(t.sasl_username) + ",\"helo\":" + json_string(t.helo);
    o += ",\"message_id\":" + json_string(t.message_id);
    o += fmt::format(",\"size\":{},\"nrcpt\":{},\"complete\":{},\"headless\":{}", t.size, t.nrcpt, t.complete ? 1 : 0,
                     t.headless ? 1 : 0);
    o += ",\"notification_queue_id\":" + json_string(t.notification_queue_id) + ",\"verdict\":" + json_string(t.verdict);
    o += ",\"a_time_us\":[";
    for (std::size_t i = 0; i < t.attempts.size(); ++i) o += fmt::format("{}{}", i ? "," : "", t.attempts[i].time);
    o += "],\"a_recipient\":";
    append_strings(o, t.attempts, &Attempt::recipient);
    o += ",\"a_orig_recipient\":";
    append_strings(o, t.attempts, &Attempt::orig_recipient);
    o += ",\"a_relay\":";
    append_strings(o, t.attempts, &Attempt::relay);
    o += ",\"a_status\":[";
    for (std::size_t i = 0; i < t.attempts.size(); ++i) o += (i ? "," : "") + json_string(status_name(t.attempts[i].status));
    o += "],\"a_dsn\":";
    append_strings(o, t.attempts, &Attempt::dsn);
    o += ",\"a_delay\":[";
    for (std::size_t i = 0; i < t.attempts.size(); ++i) o += fmt::format("{}{}", i ? "," : "", t.attempts[i].delay);
    o += "],\"a_text\":";
    append_strings(o, t.attempts, &Attempt::text);
    o += ",\"a_queued_as\":";
    append_strings(o, t.attempts, &Attempt::queued_as);
    o += ",\"a_code\":";
    append_strings(o, t.attempts, &Attempt::code);
    // the search keys, normalised as make_document() (src/store/store.cpp) makes the Xapian terms
    std::string from, from_domain;
    if (t.sender) {
        from = t.sender->empty() ? std::string("<>") : ascii_lower(*t.sender);
        if (!t.sender->empty()) from_domain = std::string(domain_of(from));
    }
    std::vector<std::string> to, to_domain, client, relay, status;
    std::string name, addr;
    for (const auto& a : t.attempts) {
        for (const std::string* r : {&a.recipient, &a.orig_recipient}) {
            if (r->empty()) continue;
            std::string s = ascii_lower(*r);
            add_unique(to_domain, std::string(domain_of(s)));
            add_unique(to, std::move(s));
        }
        relay_parts(a.relay, name, addr);
        add_unique(relay, name);
        add_unique(relay, addr);
        add_unique(status, std::string(status_name(a.status)));
    }
    add_unique(client, ascii_lower(t.client_name));
    add_unique(client, ascii_lower(t.client_ip));
    if (auto ip = parse_ip(t.client_ip)) add_unique(client, ip_text(*ip));
    o += ",\"s_host\":" + json_string(ascii_lower(t.host)) + ",\"s_from\":" + json_string(from) +
         ",\"s_from_domain\":" + json_string(from_domain) + ",\"s_to\":";
    append_list(o, to);
    o += ",\"s_to_domain\":";
    append_list(o, to_domain);
    o += ",\"s_client\":";
    append_list(o, client);
    o += ",\"s_relay\":";
    append_list(o, relay);
    o += ",\"s_status\":";
    append_list(o, status);
    o += ",\"s_ip\":" + json_string(ip_hex(parse_ip(t.client_ip)));
    o += ",\"s_words\":";
    append_list(o, text_words(t));
    auto ints = [&](const char* name, auto get) {
        o += fmt::format(",\"{}\":[", name);
        for (std::size_t i = 0; i < links.size(); ++i) o += fmt::format("{}{}", i ? "," : "", get(links[i]));
        o += ']';
    };
    auto strs = [&](const char* name, auto get) {
        o += fmt::format(",\"{}\":[", name);
        for (std::size_t i = 0; i < links.size(); ++i) o += (i ? "," : "") + json_string(get(links[i]));
        o += ']';
    };
    ints("l_seq", [](const HopLink& l) { return l.seq; });
    strs("l_rule", [](const HopLink& l) { return std::string_view(l.rule); });
    strs("l_kind", [](const HopLink& l) { return link_kind_name(l.kind); });
    strs("l_next_qid", [](const HopLink& l) { return std::string_view(l.next_queue_id); });
    strs("l_relay_name", [](const HopLink& l) { return std::string_view(l.relay_name); });
    strs("l_relay_addr", [](const HopLink& l) { return std::string_view(l.relay_addr); });
    ints("l_time_us", [](const HopLink& l) { return l.time; });
    ints("l_attempt", [](const HopLink& l) { return l.attempt; });
    o += "}\n";
    return o;
}

/// One JSONEachRow line of the links table.
std::string link_json(const Transaction& t, const HopLink& l, std::uint64_t version) {
    return fmt::format("{{\"next_qid\":{},\"host\":{},\"queue_id\":{},\"first_us\":{},\"seq\":{},\"day\":\"{}\","
                       "\"local_id\":{},\"version\":{},\"rule\":{},\"kind\":{},\"relay_name\":{},\"relay_addr\":{},"
                       "\"time_us\":{},\"attempt\":{}}}\n",
                       json_string(l.next_queue_id), json_string(t.host), json_string(t.queue_id), t.first_time, l.seq,
                       day_of(t.last_time), t.id, version, json_string(l.rule), json_string(link_kind_name(l.kind)),
                       json_string(l.relay_name), json_string(l.relay_addr), l.time, l.attempt);
}

/// Waits until no mutation of `db`.transactions is left undone (ALTER ... DELETE is asynchronous).
void wait_mutations(Client& c, std::string_view db) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(c.options().timeout_s);
    for (;;) {
        const std::string n = c.query(fmt::format(
            "SELECT count() FROM system.mutations WHERE database = {} AND table IN ('transactions', 'links') AND is_done = 0 "
            "FORMAT TabSeparated",
            quote(db)));
        if (!n.empty() && n[0] == '0') return;
        if (std::chrono::steady_clock::now() > deadline)
            throw Error(ExitCode::remote,
                        fmt::format("ClickHouse at {}: the deletion of stale rows did not finish within {} s",
                                    c.options().url, c.options().timeout_s),
                        "see system.mutations on the server; run the export again when it is done");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}
} // namespace

void Cluster::write(std::span<const ExportRow> rows, const std::function<bool(std::int64_t)>& gone) {
    if (rows.empty()) return;
    // stale rows: the same host and queue ID in the cluster under a local ID of this batch but
    // another identity or day, or under a local ID that no longer exists locally (merged); and
    // the links a re-sent transaction no longer has
    std::map<std::int64_t, const ExportRow*> by_id;
    std::set<std::pair<std::string, std::string>> keys;
    for (const auto& r : rows) {
        by_id[r.txn->id] = &r;
        keys.emplace(r.txn->host, r.txn->queue_id);
    }
    std::string in;
    for (const auto& [h, q] : keys) in += (in.empty() ? "(" : ", (") + quote(h) + ", " + quote(q) + ")";
    const std::string found = c_.query(fmt::format(
        "SELECT host, queue_id, first_us, toString(day) AS d, local_id, l_next_qid, l_seq FROM {} "
        "WHERE (host, queue_id) IN ({}) FORMAT JSONEachRow",
        table("transactions"), in));
    std::string stale, stale_links, gone_links;
    std::set<std::string> listed;
    for (const auto line : lines_of(found)) {
        const Row r = JsonReader(line).object();
        const std::int64_t id = as_i64(member(r, "local_id"));
        const std::int64_t first = as_i64(member(r, "first_us"));
        const std::string& day = member(r, "d").text;
        const std::string& host = member(r, "host").text;
        const std::string& qid = member(r, "queue_id").text;
        bool is_stale = false;
        const ExportRow* now = nullptr;
        if (const auto it = by_id.find(id); it != by_id.end()) {
            now = it->second;
            const Transaction& t = *now->txn;
            is_stale = t.first_time != first || day_of(t.last_time) != day || t.host != host || t.queue_id != qid;
        } else {
            is_stale = gone(id);
        }
        if (is_stale) {
            stale += fmt::format("{}({}, {}, {}, toDate({}), {})", stale.empty() ? "" : ", ", quote(host), quote(qid), first,
                                 quote(day), id);
            stale_links += fmt::format("{}({}, {}, {}, toDate({}))", stale_links.empty() ? "" : ", ", quote(host), quote(qid),
                                       first, quote(day));
        } else if (now) {
            // the same transaction sent again: a link it had (next queue ID + order) that it no
            // longer has is deleted (a new or unchanged one replaces its row by key)
            const auto& old_qid = member(r, "l_next_qid").items;
            const auto& old_seq = member(r, "l_seq").items;
            for (std::size_t i = 0; i < old_qid.size() && i < old_seq.size(); ++i) {
                const int seq = static_cast<int>(as_i64(old_seq[i]));
                const bool kept = std::any_of(now->links.begin(), now->links.end(), [&](const HopLink& l) {
                    return l.seq == seq && l.next_queue_id == old_qid[i].text;
                });
                std::string k = fmt::format("({}, {}, {}, {}, {})", quote(old_qid[i].text), quote(host), quote(qid), first, seq);
                if (!kept && listed.insert(k).second) gone_links += (gone_links.empty() ? "" : ", ") + k;
            }
        }
    }
    if (!stale.empty())
        c_.query(fmt::format("ALTER TABLE {} DELETE WHERE (host, queue_id, first_us, day, local_id) IN ({})",
                             table("transactions"), stale));
    if (!stale_links.empty() || !gone_links.empty()) {
        std::string cond;
        if (!stale_links.empty()) cond = fmt::format("(host, queue_id, first_us, day) IN ({})", stale_links);
        if (!gone_links.empty())
            cond += fmt::format("{}(next_qid, host, queue_id, first_us, seq) IN ({})", cond.empty() ? "" : " OR ", gone_links);
        c_.query(fmt::format("ALTER TABLE {} DELETE WHERE {}", table("links"), cond));
    }
    if (!stale.empty() || !stale_links.empty() || !gone_links.empty()) wait_mutations(c_, c_.options().database);
    std::string body, links;
    for (const auto& r : rows) {
        body += row_json(*r.txn, r.version, r.links);
        for (const auto& l : r.links) links += link_json(*r.txn, l, r.version);
    }
    c_.insert(fmt::format("INSERT INTO {} FORMAT JSONEachRow", table("transactions")), body);
    // a crash between the two inserts leaves the mark where it was: the next export sends both again
    if (!links.empty()) c_.insert(fmt::format("INSERT INTO {} FORMAT JSONEachRow", table("links")), links);
}

std::uint64_t Cluster::count() {
    const std::string n = c_.query(fmt::format("SELECT count() FROM {} FINAL FORMAT TabSeparated", table("transactions")));
    return std::strtoull(n.c_str(), nullptr, 10);
}

// ---------------------------------------------------------------------------------------------
// Search

std::vector<std::string> text_terms(std::string_view text) {
    Xapian::QueryParser qp;
    qp.set_default_op(Xapian::Query::OP_AND);
    Xapian::Query q;
    try {
        q = qp.parse_query(std::string(text), 0);
    } catch (const Xapian::QueryParserError& e) {
        throw Error(ExitCode::usage, fmt::format("bad --text query '{}': {}", text, e.get_msg()),
                    "give plain words; all of them must occur");
    }
    std::vector<std::string> out;
    for (auto it = q.get_unique_terms_begin(); it != q.get_unique_terms_end(); ++it) out.push_back(*it);
    return out;
}

std::string where_clause(const SearchFilter& f) {
    if (!f.query.empty())
        throw Error(ExitCode::usage, "a query (QUERY words) cannot be searched with --engine clickhouse",
                    "use the flags -f -t -i -h -q -c --relay --status -d -D, which work with the cluster, or search the "
                    "local index (mxtrace-search(1), ENGINES)");
    std::vector<std::string> w;
    auto address = [&](std::string_view v, const char* col, const char* dom_col, bool arrays) {
        std::string value;
        if (v == "<>") value = "<>";
        else if (v.starts_with('@')) {
            const std::string d = quote(ascii_lower(v.substr(1)));
            w.push_back(arrays ? fmt::format("has({}, {})", dom_col, d) : fmt::format("{} = {}", dom_col, d));
            return;
        } else value = ascii_lower(strip_angle(v));
        w.push_back(arrays ? fmt::format("has({}, {})", col, quote(value)) : fmt::format("{} = {}", col, quote(value)));
    };
    if (!f.from.empty()) address(f.from, "s_from", "s_from_domain", false);
    if (!f.to.empty()) {
        if (f.to == "<>") w.push_back("0"); // no recipient is the null sender
        else address(f.to, "s_to", "s_to_domain", true);
    }
    if (!f.message_id.empty()) w.push_back("message_id = " + quote(strip_angle(f.message_id)));
    if (!f.host.empty()) w.push_back("s_host = " + quote(ascii_lower(f.host)));
    if (!f.queue_id.empty()) w.push_back("queue_id = " + quote(f.queue_id));
    if (!f.client.empty()) w.push_back("has(s_client, " + quote(ascii_lower(f.client)) + ")");
    if (!f.relay.empty()) {
        std::string_view r = f.relay;
        while (!r.empty() && r.back() == '.') r.remove_suffix(1);
        w.push_back("has(s_relay, " + quote(ascii_lower(r)) + ")");
    }
    if (f.status != Status::none) w.push_back("has(s_status, " + quote(status_name(f.status)) + ")");
    if (!f.text.empty()) {
        // the words as the local index's QueryParser reads them (Store::search, build_query), all
        // of which must be among the row's s_words
        std::string list;
        for (const auto& term : text_terms(f.text)) list += (list.empty() ? "" : ", ") + quote(term);
        w.push_back(list.empty() ? std::string("0") : "hasAll(s_words, [" + list + "])");
    }
    if (f.since) w.push_back(fmt::format("last_us >= {}", *f.since));
    if (f.until) w.push_back(fmt::format("first_us <= {}", *f.until));
    std::string out;
    for (const auto& p : w) out += (out.empty() ? "" : " AND ") + p;
    return out.empty() ? "1" : out;
}

std::vector<Transaction> Cluster::select(std::string_view where, std::string_view order, std::size_t limit,
                                        std::vector<std::vector<HopLink>>* links) {
    // Two steps: the keys of the matches (reading the key and search columns only), then their
    // rows (the primary key and the day partitions narrow the read to them). A FINAL read of
    // every column of every match would cost the whole table for a broad search (ClickHouse 18.16
    // moves no condition to PREWHERE under FINAL).
    const std::string keys = c_.query(fmt::format(
        "SELECT host, queue_id, first_us, toString(day) AS d FROM {} FINAL WHERE {} ORDER BY {} LIMIT {} FORMAT JSONEachRow",
        table("transactions"), where, order, limit));
    std::string in, days;
    std::set<std::string> day_set;
    std::map<std::tuple<std::string, std::string, Micros>, std::size_t> at;
    for (const auto line : lines_of(keys)) {
        const Row r = JsonReader(line).object();
        const std::string& h = member(r, "host").text;
        const std::string& q = member(r, "queue_id").text;
        const Micros first = as_i64(member(r, "first_us"));
        at.try_emplace({h, q, first}, at.size());
        in += fmt::format("{}({}, {}, {})", in.empty() ? "" : ", ", quote(h), quote(q), first);
        if (day_set.insert(member(r, "d").text).second) days += (days.empty() ? "" : ", ") + quote(member(r, "d").text);
    }
    std::vector<Transaction> out(at.size());
    std::vector<bool> got(at.size());
    if (links) links->assign(at.size(), {});
    if (!in.empty()) {
        const std::string body = c_.query(fmt::format(
            "SELECT {} FROM {} FINAL WHERE day IN ({}) AND (host, queue_id, first_us) IN ({}) FORMAT JSONEachRow",
            kReadColumns, table("transactions"), days, in));
        for (const auto line : lines_of(body)) {
            const Row r = JsonReader(line).object();
            Transaction t = row_txn(r);
            const auto it = at.find({t.host, t.queue_id, t.first_time});
            if (it == at.end()) continue;
            if (links) (*links)[it->second] = row_links(r);
            out[it->second] = std::move(t);
            got[it->second] = true;
        }
    }
    // a row replaced between the two steps (an export running) is left out
    std::size_t k = 0;
    for (std::size_t i = 0; i < out.size(); ++i)
        if (got[i]) {
            if (k != i) {
                if (links) (*links)[k] = std::move((*links)[i]);
                out[k] = std::move(out[i]);
            }
            ++k;
        }
    out.resize(k);
    if (links) links->resize(k);
    return out;
}

std::vector<Transaction> Cluster::search(const SearchFilter& f, std::uint64_t* matching) {
    const std::string where = where_clause(f);
    check_schema();
    std::vector<Transaction> out = select(where, "first_us DESC, host DESC, queue_id DESC", f.max_results);
    if (matching) {
        *matching = out.size();
        if (out.size() >= f.max_results) {
            const std::string n =
                c_.query(fmt::format("SELECT count() FROM {} FINAL WHERE {} FORMAT TabSeparated", table("transactions"), where));
            *matching = std::strtoull(n.c_str(), nullptr, 10);
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Prune

ClusterPrune Cluster::prune(int retention_days, Micros now, bool dry_run) {
    check_schema();
    ClusterPrune r;
    const std::string newest =
        c_.query(fmt::format("SELECT count(), max(last_us) FROM {} FORMAT TabSeparated", table("transactions")));
    if (newest.empty() || newest[0] == '0') return r;
    const Micros max_last = std::strtoll(newest.c_str() + newest.find('\t') + 1, nullptr, 10);
    r.anchor = std::min(now, max_last);
    r.cutoff = r.anchor - Micros{retention_days} * 86400 * kMicrosPerSecond;
    // a day partition goes when its whole day is before the cutoff
    const Micros day_us = Micros{86400} * kMicrosPerSecond;
    const Micros first_kept_day = (r.cutoff >= 0 ? r.cutoff / day_us : (r.cutoff - day_us + 1) / day_us) * day_us;
    const std::string limit = quote(day_of(first_kept_day));
    const std::string days = c_.query(fmt::format(
        "SELECT toString(day), toYYYYMMDD(day), count() FROM {} FINAL WHERE day < toDate({}) GROUP BY day ORDER BY day "
        "FORMAT TabSeparated",
        table("transactions"), limit));
    std::vector<std::uint32_t> parts;
    for (const auto line : lines_of(days)) {
        const auto t1 = line.find('\t'), t2 = line.find('\t', t1 + 1);
        if (t1 == std::string_view::npos || t2 == std::string_view::npos) continue;
        const std::uint64_t n = std::strtoull(std::string(line.substr(t2 + 1)).c_str(), nullptr, 10);
        r.per_day.emplace_back(std::string(line.substr(0, t1)), n);
        r.transactions += n;
    }
    // every partition before the limit, also one whose rows are all replaced or deleted
    // (the links of a transaction are in the partition of its day too)
    const std::string lim = day_of(first_kept_day);
    const std::uint32_t lim_num = static_cast<std::uint32_t>(std::stoul(lim.substr(0, 4) + lim.substr(5, 2) + lim.substr(8, 2)));
    for (const char* tbl : {"transactions", "links"}) {
        const std::string ps = c_.query(fmt::format(
            "SELECT DISTINCT partition FROM system.parts WHERE database = {} AND table = {} AND active FORMAT TabSeparated",
            quote(c_.options().database), quote(tbl)));
        parts.clear();
        for (const auto line : lines_of(ps)) {
            std::uint32_t p = 0;
            const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), p);
            if (ec == std::errc() && end == line.data() + line.size() && p < lim_num) parts.push_back(p);
        }
        if (!dry_run)
            for (const auto p : parts) c_.query(fmt::format("ALTER TABLE {} DROP PARTITION {}", table(tbl), p));
    }
    return r;
}

// ---------------------------------------------------------------------------------------------
// Trace

ClusterTraceSource::ClusterTraceSource(Cluster& c) : c_(c) { c_.check_schema(); }

std::vector<Transaction> ClusterTraceSource::rows(const std::string& where, std::string_view order, std::size_t limit) {
    std::vector<std::vector<HopLink>> links;
    auto out = c_.select(where, order, limit, &links);
    for (std::size_t i = 0; i < out.size(); ++i)
        links_[{out[i].host, out[i].queue_id, out[i].first_time}] = std::move(links[i]);
    return out;
}

std::vector<std::string> ClusterTraceSource::hosts() {
    const std::string body =
        c_.client().query(fmt::format("SELECT DISTINCT host FROM {} ORDER BY host FORMAT JSONEachRow", c_.table("transactions")));
    std::vector<std::string> out;
    for (const auto line : lines_of(body)) out.push_back(member(JsonReader(line).object(), "host").text);
    return out;
}

std::vector<Transaction> ClusterTraceSource::find_queue_id(std::string_view queue_id, std::string_view host, Micros from,
                                                           Micros to) {
    // as Store::find_queue_id: first line within [from, to], oldest first, ties by local ID
    std::string where = "queue_id = " + quote(queue_id);
    if (!host.empty()) where += " AND s_host = " + quote(ascii_lower(host));
    if (from != std::numeric_limits<Micros>::min()) where += fmt::format(" AND first_us >= {}", from);
    if (to != std::numeric_limits<Micros>::max()) where += fmt::format(" AND first_us <= {}", to);
    auto out = rows(where, "first_us DESC, host DESC, queue_id DESC", 10000);
    std::sort(out.begin(), out.end(), [](const Transaction& a, const Transaction& b) {
        return a.first_time != b.first_time ? a.first_time < b.first_time : a.id < b.id;
    });
    return out;
}

std::vector<Transaction> ClusterTraceSource::find_message_id(std::string_view message_id, std::size_t limit) {
    const std::string id = strip_angle(message_id);
    if (id.empty()) return {};
    // the Message-ID is no key of the table (a scan of its column): asked once per trace run
    const auto cached = by_message_id_.find({id, limit});
    if (cached != by_message_id_.end()) return cached->second;
    auto& out = by_message_id_[{id, limit}];
    out = rows("message_id = " + quote(id), "first_us DESC, host DESC, queue_id DESC", limit);
    std::sort(out.begin(), out.end(), [](const Transaction& a, const Transaction& b) {
        return a.first_time != b.first_time ? a.first_time < b.first_time : a.id < b.id;
    });
    return out;
}

std::vector<HopLink> ClusterTraceSource::links_of(const Transaction& t) {
    auto it = links_.find({t.host, t.queue_id, t.first_time});
    if (it == links_.end()) {
        rows(fmt::format("day = toDate({}) AND host = {} AND queue_id = {} AND first_us = {}", quote(day_of(t.last_time)),
                         quote(t.host), quote(t.queue_id), t.first_time),
             "first_us", 1);
        it = links_.find({t.host, t.queue_id, t.first_time});
        if (it == links_.end()) return {};
    }
    return it->second;
}

namespace {
/// The links rows of `body` (JSONEachRow of the links table).
std::vector<std::pair<HopLink, std::tuple<std::string, std::string, Micros, std::string>>> link_rows(std::string_view body) {
    std::vector<std::pair<HopLink, std::tuple<std::string, std::string, Micros, std::string>>> out;
    for (const auto line : lines_of(body)) {
        const Row r = JsonReader(line).object();
        HopLink l;
        l.seq = static_cast<int>(as_i64(member(r, "seq")));
        l.rule = member(r, "rule").text;
        l.kind = kind_of(member(r, "kind").text);
        l.next_queue_id = member(r, "next_qid").text;
        l.relay_name = member(r, "relay_name").text;
        l.relay_addr = member(r, "relay_addr").text;
        l.time = as_i64(member(r, "time_us"));
        l.attempt = static_cast<int>(as_i64(member(r, "attempt")));
        out.emplace_back(std::move(l), std::tuple{member(r, "host").text, member(r, "queue_id").text,
                                                  as_i64(member(r, "first_us")), member(r, "d").text});
    }
    return out;
}
} // namespace

std::vector<std::pair<HopLink, Transaction>> ClusterTraceSource::links_to(std::string_view queue_id, Micros from, Micros to) {
    // as Store::links_to, in (link time, local ID, link order), then the transactions they leave from
    const auto found = link_rows(c_.client().query(fmt::format(
        "SELECT next_qid, host, queue_id, first_us, toString(day) AS d, seq, rule, kind, relay_name, relay_addr, time_us, attempt "
        "FROM {} FINAL WHERE next_qid = {} AND time_us >= {} AND time_us <= {} ORDER BY time_us, local_id, seq "
        "FORMAT JSONEachRow",
        c_.table("links"), quote(queue_id), from, to)));
    std::vector<std::pair<HopLink, Transaction>> out;
    if (found.empty()) return out;
    std::string in, days;
    std::set<std::string> day_set;
    for (const auto& [l, k] : found) {
        in += fmt::format("{}({}, {}, {})", in.empty() ? "" : ", ", quote(std::get<0>(k)), quote(std::get<1>(k)), std::get<2>(k));
        if (day_set.insert(std::get<3>(k)).second) days += (days.empty() ? "" : ", ") + quote(std::get<3>(k));
    }
    const auto parents = rows(fmt::format("day IN ({}) AND (host, queue_id, first_us) IN ({})", days, in), "first_us",
                              found.size());
    for (const auto& [l, k] : found)
        for (const auto& p : parents)
            if (p.host == std::get<0>(k) && p.queue_id == std::get<1>(k) && p.first_time == std::get<2>(k)) {
                out.emplace_back(l, p);
                break;
            }
    return out;
}

std::vector<std::pair<std::string, std::uint64_t>> ClusterTraceSource::hosts_behind_relay(std::string_view name,
                                                                                          std::string_view addr) {
    // as Store::hosts_behind_relay: up to 20 hand-offs to the relay by name, then by address, in
    // (local ID, link order); the hosts that logged each named queue ID within a day of it
    constexpr std::size_t sample = 20;
    std::vector<std::pair<std::string, Micros>> hops;
    auto take = [&](const char* col, std::string_view v) {
        const std::string body = c_.client().query(fmt::format(
            "SELECT next_qid, time_us FROM {} FINAL WHERE kind = 'relay' AND {} = {} ORDER BY local_id, seq LIMIT {} "
            "FORMAT JSONEachRow",
            c_.table("links"), col, quote(v), sample - hops.size()));
        for (const auto line : lines_of(body)) {
            const Row r = JsonReader(line).object();
            hops.emplace_back(member(r, "next_qid").text, as_i64(member(r, "time_us")));
        }
    };
    take("relay_name", name);
    if (!addr.empty() && hops.size() < sample) take("relay_addr", addr);
    const Micros day = Micros{86400} * kMicrosPerSecond;
    std::map<std::string, std::uint64_t> count;
    if (hops.empty()) return {};
    // one query for every hand-off's queue ID (the keys only), then each within a day of its hand-off
    std::string qids;
    std::set<std::string> listed;
    Micros lo = hops.front().second, hi = lo;
    for (const auto& [qid, t] : hops) {
        if (listed.insert(qid).second) qids += (qids.empty() ? "" : ", ") + quote(qid);
        lo = std::min(lo, t);
        hi = std::max(hi, t);
    }
    const std::string body = c_.client().query(fmt::format(
        "SELECT host, queue_id, first_us FROM {} FINAL WHERE queue_id IN ({}) AND first_us >= {} AND first_us <= {} "
        "FORMAT JSONEachRow",
        c_.table("transactions"), qids, lo - day, hi + day));
    std::vector<std::tuple<std::string, std::string, Micros>> found;
    for (const auto line : lines_of(body)) {
        const Row r = JsonReader(line).object();
        found.emplace_back(member(r, "host").text, member(r, "queue_id").text, as_i64(member(r, "first_us")));
    }
    for (const auto& [qid, t] : hops)
        for (const auto& [h, q, first] : found)
            if (q == qid && first >= t - day && first <= t + day) ++count[h];
    std::vector<std::pair<std::string, std::uint64_t>> out(count.begin(), count.end());
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    return out;
}

std::vector<Transaction> ClusterTraceSource::in_network(const SearchFilter& f, std::string_view net) {
    const auto range = parse_cidr(net);
    if (!range) return {};
    const std::string where = fmt::format("{} AND s_ip >= {} AND s_ip <= {}", where_clause(f), quote(ip_hex(range->lo)),
                                          quote(ip_hex(range->hi)));
    return rows(where, "first_us DESC, host DESC, queue_id DESC", f.max_results);
}

} // namespace mxtrace::clickhouse
