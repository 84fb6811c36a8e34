// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz target: the config file (mxtrace.conf(5)), read by CLI11 into the real command line
// (mxtrace::cli::build_app, the one main() uses). The first byte picks the subcommand given on the
// command line; the rest is the file's content, written to a temporary file and read with
// --config FILE as mxtrace does. Nothing is run: only the parse.
#include "cli/commands.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string path = [] {
        const char* dir = std::getenv("TMPDIR");
        return std::string(dir && *dir ? dir : "/tmp") + "/mxtrace-fuzz-config." + std::to_string(::getpid());
    }();
    static const char* const kSub[] = {"index", "search", "show", "trace", "stats", "prune", "info", "check", "repair"};
    if (size == 0) return 0;
    const char* sub = kSub[data[0] % (sizeof kSub / sizeof kSub[0])];
    if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
        if (size > 1) std::fwrite(data + 1, 1, size - 1, f);
        std::fclose(f);
    } else {
        std::perror(path.c_str());
        std::abort();
    }
    CLI::App app;
    mxtrace::cli::Runner run;
    mxtrace::cli::build_app(app, run);
    std::vector<std::string> args = {sub, path, "--config"}; // CLI11 takes them in reverse order
    try {
        app.parse(args);
    } catch (const CLI::Error&) {
        // a bad value or a misspelt key: mxtrace reports it (exit 2)
    }
    return 0;
}
