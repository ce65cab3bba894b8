#include "dicom/uid.hpp"

#include <algorithm>
#include <random>

#include "core/digest.hpp"

namespace dcmflow::dicom {
namespace {

// A UUID is 128 bits; GCC and Clang both have the type (`__extension__` keeps -pedantic quiet).
__extension__ using uint128 = unsigned __int128;

std::string to_decimal(uint128 value) {
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  } while (value != 0);
  std::reverse(digits.begin(), digits.end());
  return digits;
}

}  // namespace

std::string random_uid() {
  // One generator per thread, seeded from the OS: UIDs must never collide across runs.
  thread_local std::mt19937_64 generator{[] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }()};
  uint128 uuid = (static_cast<uint128>(generator()) << 64) | generator();
  // RFC 4122 version 4 and variant bits, as PS3.5 B.2 expects of a UUID-derived UID.
  uuid &= ~(static_cast<uint128>(0xF) << 76);
  uuid |= static_cast<uint128>(0x4) << 76;
  uuid &= ~(static_cast<uint128>(0x3) << 62);
  uuid |= static_cast<uint128>(0x2) << 62;
  return "2.25." + to_decimal(uuid);
}

std::string derived_uid(std::string_view root, std::string_view name_space,
                        std::initializer_list<std::string_view> parts) {
  // Hash the namespace and the parts together, each NUL-separated.
  std::string joined(name_space);
  for (const std::string_view part : parts) {
    joined.push_back('\0');
    joined.append(part);
  }
  const sha256_digest digest = sha256_of_parts({joined});
  uint128 value = 0;
  for (std::size_t i = 0; i < 16; ++i) value = (value << 8) | digest[i];
  if (root == "2.25") {
    // RFC 9562 version 8 (custom) and variant bits: a well-formed UUID made from a hash.
    value &= ~(static_cast<uint128>(0xF) << 76);
    value |= static_cast<uint128>(0x8) << 76;
    value &= ~(static_cast<uint128>(0x3) << 62);
    value |= static_cast<uint128>(0x2) << 62;
    return "2.25." + to_decimal(value);
  }
  std::string digits = to_decimal(value);
  const std::size_t room = 64 - std::min<std::size_t>(root.size() + 1, 64);
  if (digits.size() > room) digits.resize(room);
  while (digits.size() > 1 && digits.front() == '0') digits.erase(digits.begin());  // no leading zero
  return std::string(root) + "." + digits;
}

}  // namespace dcmflow::dicom
