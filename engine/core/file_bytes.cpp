#include "core/file_bytes.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>

namespace dcmflow {
namespace {

struct file_closer {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

result<std::string> read_up_to(const std::filesystem::path& file, std::size_t limit, bool whole) {
  std::unique_ptr<std::FILE, file_closer> in(std::fopen(file.c_str(), "rb"));
  if (!in) return failure{"cannot open: " + std::string(std::strerror(errno))};
  if (whole) {
    std::error_code error;
    const auto size = std::filesystem::file_size(file, error);
    if (error) return failure{"cannot read: " + error.message()};
    limit = static_cast<std::size_t>(size);
  }
  std::string bytes(limit, '\0');
  const std::size_t got = std::fread(bytes.data(), 1, bytes.size(), in.get());
  if (std::ferror(in.get()) != 0) return failure{"cannot read: " + std::string(std::strerror(errno))};
  bytes.resize(got);
  // A file that grew since its size was taken is read to its end all the same.
  if (whole && got == limit) {
    char more[65536];
    std::size_t extra = 0;
    while ((extra = std::fread(more, 1, sizeof more, in.get())) > 0) bytes.append(more, extra);
  }
  return bytes;
}

}  // namespace

result<std::string> read_file_bytes(const std::filesystem::path& file) { return read_up_to(file, 0, true); }

result<std::string> read_file_prefix(const std::filesystem::path& file, std::size_t limit) {
  return read_up_to(file, limit, false);
}

bool is_part10_file(const std::filesystem::path& file) {
  auto head = read_file_prefix(file, 132);
  return head && head->size() == 132 && std::string_view(*head).substr(128) == "DICM";
}

}  // namespace dcmflow
