#include "store/url_options.hpp"

namespace dcmflow::store {

std::vector<url_option> url_options(std::string_view query) {
  std::vector<url_option> options;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;  // "a=1&&b=2"
    const auto equals = pair.find('=');
    options.push_back(
        {pair.substr(0, equals), equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1)});
  }
  return options;
}

}  // namespace dcmflow::store
