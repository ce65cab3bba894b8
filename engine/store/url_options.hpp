#pragma once
// A peer URL's options: its query string ("a=1&b=2") as key/value pairs, in order. One
// parser for every kind of peer URL (dicom://, http(s):// STOW-RS and UPS-RS roots).

#include <string_view>
#include <vector>

namespace dcmflow::store {

struct url_option {
  std::string_view key;
  std::string_view value;  // empty when the pair has no '='
};

// The pairs of `query` (without its '?'); views into it.
[[nodiscard]] std::vector<url_option> url_options(std::string_view query);

}  // namespace dcmflow::store
