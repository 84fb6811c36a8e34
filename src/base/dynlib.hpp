// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// A shared library loaded with dlopen(3) when first needed (internal to src/). Libraries that only
// some commands use (libcurl for ClickHouse, libarchive for pipes and rare compressions) are
// loaded this way so that the others do not pay for loading them at start-up (issue 12).
#include <dlfcn.h>
#include <fmt/format.h>

#include <initializer_list>
#include <string>
#include <type_traits>

namespace mxtrace::detail {

/// Opens the first of `sonames` that loads (RTLD_NOW | RTLD_LOCAL) and binds functions from it.
/// The handle is never closed: the functions stay valid for the life of the process. Errors are
/// collected, not thrown: error() is empty when the library loaded and every bind() found its name.
class DynLib {
public:
    explicit DynLib(std::initializer_list<const char*> sonames) {
        std::string why;
        for (const char* so : sonames) {
            if ((h_ = ::dlopen(so, RTLD_NOW | RTLD_LOCAL))) {
                name_ = so;
                return;
            }
            if (const char* e = ::dlerror(); e && why.empty()) why = e;
        }
        error_ = fmt::format("cannot load {} ({})", sonames.size() ? *sonames.begin() : "", why);
    }
    /// Sets `fn` to the function `name` of the library (nullptr, and the first error recorded, when
    /// the library did not load or lacks it). `Fn` is the function pointer type of its C signature.
    template <class Fn> void bind(Fn& fn, const char* name) {
        fn = h_ ? reinterpret_cast<Fn>(::dlsym(h_, name)) : nullptr;
        if (!fn && error_.empty()) error_ = fmt::format("{} has no function {}", name_, name);
    }
    /// Empty when loaded and every bind() succeeded; otherwise what failed first.
    const std::string& error() const noexcept { return error_; }

private:
    void* h_ = nullptr;
    std::string name_;
    std::string error_;
};

} // namespace mxtrace::detail
