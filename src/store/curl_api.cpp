// SPDX-License-Identifier: GPL-3.0-or-later
// libcurl loaded with dlopen(3) on first use: see curl_api.hpp.
#include "store/curl_api.hpp"

#include "base/dynlib.hpp"
#include "mxtrace/base/error.hpp"

#include <fmt/format.h>

#include <string>

namespace mxtrace::detail {

namespace {

struct Loaded {
    CurlApi api{};
    std::string error; // empty when loaded
};

Loaded load() {
    // the soname Debian's libcurl4 (OpenSSL) and libcurl3-gnutls packages both provide
    // (CURL_SONAME 4 since curl 7.16); libcurl-gnutls.so.4 is tried second
    DynLib lib{"libcurl.so.4", "libcurl-gnutls.so.4"};
    Loaded l;
    CurlApi& a = l.api;
    lib.bind(a.global_init, "curl_global_init");
    lib.bind(a.easy_init, "curl_easy_init");
    lib.bind(a.easy_cleanup, "curl_easy_cleanup");
    lib.bind(a.easy_reset, "curl_easy_reset");
    lib.bind(a.easy_setopt, "curl_easy_setopt");
    lib.bind(a.easy_perform, "curl_easy_perform");
    lib.bind(a.easy_getinfo, "curl_easy_getinfo");
    lib.bind(a.easy_strerror, "curl_easy_strerror");
    lib.bind(a.slist_append, "curl_slist_append");
    lib.bind(a.slist_free_all, "curl_slist_free_all");
    l.error = lib.error();
    if (l.error.empty() && a.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) l.error = "curl_global_init failed";
    return l;
}

} // namespace

const CurlApi& curl_api() {
    static const Loaded l = load(); // thread-safe, once
    if (!l.error.empty())
        throw Error(ExitCode::remote, fmt::format("the ClickHouse engine needs libcurl: {}", l.error),
                    "install it (Debian: apt-get install libcurl4) and run the command again");
    return l.api;
}

} // namespace mxtrace::detail
