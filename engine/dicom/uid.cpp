#include "dicom/uid.hpp"

#include <algorithm>
#include <random>

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

}  // namespace dcmflow::dicom
