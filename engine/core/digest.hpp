#pragma once
// SHA-256 (OpenSSL): the content hash that identifies an input, and the seed of the UIDs
// derived from it.

#include <array>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace dcmflow {

using sha256_digest = std::array<std::uint8_t, 32>;

// Of the parts joined with NUL separators, so ("ab","c") and ("a","bc") differ.
[[nodiscard]] sha256_digest sha256_of_parts(std::initializer_list<std::string_view> parts);

// Of a file's bytes, read in blocks; as lower-case hex.
[[nodiscard]] result<std::string> sha256_of_file(const std::filesystem::path& file);

[[nodiscard]] std::string to_hex(const sha256_digest& digest);

}  // namespace dcmflow
