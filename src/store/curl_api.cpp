// SPDX-License-Identifier: GPL-3.0-or-later
// libcurl loaded with dlopen(3) on first use: see curl_api.hpp.
#include "store/curl_api.hpp"

#include "mxtrace/base/error.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <mutex>
#include <string>

namespace mxtrace::detail {

namespace {

/// The soname Debian's libcurl4 (OpenSSL) and libcurl3-gnutls packages both provide
/// (CURL_SONAME 4 since curl 7.16); libcurl-gnutls.so.4 is tried second.
constexpr const char* kSonames[] = {"libcurl.so.4", "libcurl-gnutls.so.4"};

struct Loaded {
    CurlApi api{};
    std::string error; // empty when loaded
};

Loaded load() {
    Loaded l;
    void* h = nullptr;
    std::string why;
    for (const char* so : kSonames) {
        h = ::dlopen(so, RTLD_NOW | RTLD_LOCAL);
        if (h) break;
        if (const char* e = ::dlerror(); e && why.empty()) why = e;
    }
    if (!h) {
        l.error = fmt::format("cannot load libcurl ({})", why);
        return l;
    }
    auto sym = [&](auto& fn, const char* name) {
        fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(::dlsym(h, name));
        if (!fn && l.error.empty()) l.error = fmt::format("libcurl has no function {}", name);
    };
    CurlApi& a = l.api;
    sym(a.global_init, "curl_global_init");
    sym(a.easy_init, "curl_easy_init");
    sym(a.easy_cleanup, "curl_easy_cleanup");
    sym(a.easy_reset, "curl_easy_reset");
    sym(a.easy_setopt, "curl_easy_setopt");
    sym(a.easy_perform, "curl_easy_perform");
    sym(a.easy_getinfo, "curl_easy_getinfo");
    sym(a.easy_strerror, "curl_easy_strerror");
    sym(a.slist_append, "curl_slist_append");
    sym(a.slist_free_all, "curl_slist_free_all");
    if (l.error.empty() && a.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) l.error = "curl_global_init failed";
    return l; // the handle stays open for the life of the process
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
