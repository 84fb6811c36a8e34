// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz target: the query language (mxtrace-query(7)). The input is a query string; it is checked
// (check_query), parsed by Xapian's QueryParser as Store::search does (parse_query_string), and
// every field's value reader, the IP and CIDR readers are run on it too.
#include "fuzz_util.hpp"

#include "mxtrace/base/error.hpp"
#include "mxtrace/store/fields.hpp"
#include "mxtrace/store/query.hpp"
#include "store/query_parser.hpp"

#include <string>
#include <vector>

using namespace mxtrace;

namespace {
constexpr Micros kNow = Micros{1764936000} * kMicrosPerSecond; // 2025-12-05T12:00:00Z
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Zone utc("UTC");
    std::string_view q = fuzz::as_view(data, size);
    bool checked = false;
    try {
        auto tokens = check_query(q, utc, kNow);
        checked = true;
        for (const auto& t : tokens)
            if (t.pos > q.size() || t.len > q.size() - t.pos) fuzz::fail("a query token beyond the query");
    } catch (const Error&) {
    }
    try {
        std::vector<std::string> understood;
        Xapian::Query xq = parse_query_string(q, utc, kNow, &understood);
        (void)xq.get_description();
    } catch (const Error&) {
        if (checked) {
            // check_query accepted what the parser refused: allowed only if the parser says why
        }
    } catch (const Xapian::QueryParserError&) {
        if (checked) fuzz::fail("a query check_query accepted that Xapian's QueryParser refuses");
    }
    // the value readers of every field
    std::string error;
    std::size_t at = 0;
    for (const Field& f : fields()) {
        error.clear();
        auto v = parse_value(f, q.substr(0, 256), &error, &at);
        if (!v && error.empty()) fuzz::fail("parse_value failed without saying why");
    }
    if (auto ip = parse_ip(q)) {
        auto again = parse_ip(ip_text(*ip));
        if (!again || *again != *ip) fuzz::fail("ip_text of an address does not read back as that address");
    }
    if (auto net = parse_cidr(q))
        if (net->hi < net->lo) fuzz::fail("a CIDR network whose last address is before its first");
    return 0;
}
