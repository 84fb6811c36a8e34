// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// libcurl, loaded when first needed (internal to src/store). Every mxtrace command used to load
// libcurl and the ~30 libraries it pulls in (TLS, Kerberos, LDAP, ...) at start-up, which cost a
// search several milliseconds; only the ClickHouse engine needs it, so it is dlopen(3)ed then.
#include <curl/curl.h>

namespace mxtrace::detail {

/// The libcurl functions the ClickHouse client calls (their documented C signatures).
struct CurlApi {
    CURLcode (*global_init)(long flags);
    CURL* (*easy_init)();
    void (*easy_cleanup)(CURL*);
    void (*easy_reset)(CURL*);
    CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
    CURLcode (*easy_perform)(CURL*);
    CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
    const char* (*easy_strerror)(CURLcode);
    curl_slist* (*slist_append)(curl_slist*, const char*);
    void (*slist_free_all)(curl_slist*);
};

/// libcurl (libcurl.so.4), loaded and initialised (curl_global_init) on the first call; later
/// calls return the same table. Thread-safe.
/// @throws Error(remote) naming the library and the package to install when it cannot be
///         loaded or lacks a function.
const CurlApi& curl_api();

} // namespace mxtrace::detail
