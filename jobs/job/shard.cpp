#include "job/shard.hpp"

#include <charconv>

#include "core/digest.hpp"

namespace dcmflow::job {

bool shard::holds(std::string_view key) const {
  if (count <= 1) return true;
  const sha256_digest digest = sha256_of_parts({"dcmflow-shard", key});
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = value << 8 | digest[static_cast<std::size_t>(i)];
  return value % count == index;
}

std::string shard::suffix() const {
  if (count <= 1) return {};
  return ".shard-" + std::to_string(index) + "-of-" + std::to_string(count);
}

result<shard> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  shard parsed;
  const auto read = [](std::string_view part, std::size_t& into) {
    const auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), into);
    return error == std::errc() && end == part.data() + part.size() && !part.empty();
  };
  if (slash == std::string::npos || !read(std::string_view(text).substr(0, slash), parsed.index) ||
      !read(std::string_view(text).substr(slash + 1), parsed.count) || parsed.count == 0 ||
      parsed.index >= parsed.count) {
    return failure{"--shard " + text + ": expected I/N with 0 <= I < N (e.g. 0/3)"};
  }
  return parsed;
}

}  // namespace dcmflow::job
