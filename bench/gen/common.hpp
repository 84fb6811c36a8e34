// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// mxtrace-gen: the includes and time units every part uses (see main.cpp for the whole).

#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace mxgen {

namespace fs = std::filesystem;

constexpr std::int64_t kSec = 1'000'000;
constexpr std::int64_t kMin = 60 * kSec;
constexpr std::int64_t kHour = 60 * kMin;
constexpr std::int64_t kDay = 24 * kHour;
/// Lines of a message may be logged a little before its arrival time (the next hop logs its
/// side of a handover first); lines are written once they are this much older than the newest arrival.
constexpr std::int64_t kFlushMargin = 10 * kMin;


} // namespace mxgen
