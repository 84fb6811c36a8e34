// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// A temporary directory removed at scope exit, for tests.
#include <cstdlib>
#include <filesystem>
#include <string>

struct TmpDir {
    std::filesystem::path path;
    TmpDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "mxtrace-test-XXXXXX").string();
        path = ::mkdtemp(tmpl.data());
    }
    ~TmpDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};
