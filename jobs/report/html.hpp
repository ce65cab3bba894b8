#pragma once
// What the HTML reports share: escaping, numbers, inline images.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace dcmflow::report {

[[nodiscard]] std::string escape_html(std::string_view text);
[[nodiscard]] std::string fixed(double value, int decimals);
[[nodiscard]] std::string base64(std::span<const std::byte> bytes);

}  // namespace dcmflow::report
