#pragma once
// Times as journals and reports write them.

#include <chrono>
#include <string>

namespace dcmflow {

// "2026-11-25T16:55:33Z"
[[nodiscard]] std::string iso8601_utc(std::chrono::system_clock::time_point when);

}  // namespace dcmflow
