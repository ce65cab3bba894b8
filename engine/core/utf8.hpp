#pragma once
// UTF-8 checked as bytes: names, manifests and values arrive from outside in any encoding.

#include <cstddef>
#include <optional>
#include <string_view>

namespace dcmflow {

// Characters in `bytes` when they are well-formed UTF-8; empty otherwise.
[[nodiscard]] std::optional<std::size_t> utf8_length(std::string_view bytes);

}  // namespace dcmflow
