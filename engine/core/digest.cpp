#include "core/digest.hpp"

#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <vector>

namespace dcmflow {
namespace {

struct context_deleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using context_ptr = std::unique_ptr<EVP_MD_CTX, context_deleter>;

context_ptr start() {
  context_ptr context(EVP_MD_CTX_new());
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) throw std::bad_alloc();
  return context;
}

sha256_digest finish(EVP_MD_CTX* context) {
  sha256_digest digest{};
  unsigned int size = 0;
  EVP_DigestFinal_ex(context, digest.data(), &size);
  return digest;
}

}  // namespace

sha256_digest sha256_of_parts(std::initializer_list<std::string_view> parts) {
  const context_ptr context = start();
  bool first = true;
  for (const std::string_view part : parts) {
    if (!first) EVP_DigestUpdate(context.get(), "", 1);  // the NUL separator
    EVP_DigestUpdate(context.get(), part.data(), part.size());
    first = false;
  }
  return finish(context.get());
}

result<std::string> sha256_of_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return failure{"no such file, or it cannot be opened"};  // the caller names the file
  const context_ptr context = start();
  std::vector<char> block(1 << 20);
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    EVP_DigestUpdate(context.get(), block.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return failure{"cannot be read to its end"};
  return to_hex(finish(context.get()));
}

std::string to_hex(const sha256_digest& digest) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(digest.size() * 2);
  for (const std::uint8_t byte : digest) {
    hex.push_back(digits[byte >> 4]);
    hex.push_back(digits[byte & 0xF]);
  }
  return hex;
}

}  // namespace dcmflow
