// Value lengths checked against the file before GDCM allocates them, in every byte order.

#include "dicom/length_checks.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace dcmflow::dicom {
namespace {

std::string le16(std::uint16_t value) { return {static_cast<char>(value & 0xFF), static_cast<char>(value >> 8)}; }
std::string be16(std::uint16_t value) { return {static_cast<char>(value >> 8), static_cast<char>(value & 0xFF)}; }
std::string le32(std::uint32_t value) { return le16(value & 0xFFFF) + le16(value >> 16); }
std::string be32(std::uint32_t value) { return be16(value >> 16) + be16(value & 0xFFFF); }

// A Part 10 file of the given syntax whose one dataset element is a UT declaring `length`
// bytes and carrying four; `big` writes the dataset most significant byte first.
std::filesystem::path file_with_ut(const std::string& name, const std::string& syntax, bool big, std::uint32_t length) {
  std::string uid = syntax;
  if (uid.size() % 2 != 0) uid.push_back('\0');
  const std::string syntax_element =
      le16(0x0002) + le16(0x0010) + "UI" + le16(static_cast<std::uint16_t>(uid.size())) + uid;
  std::string bytes(128, '\0');
  bytes += "DICM";
  bytes += le16(0x0002) + le16(0x0000) + "UL" + le16(4) + le32(static_cast<std::uint32_t>(syntax_element.size()));
  bytes += syntax_element;
  bytes += big ? be16(0x0040) + be16(0xA160) + "UT" + std::string("\0\0", 2) + be32(length)
               : le16(0x0040) + le16(0xA160) + "UT" + std::string("\0\0", 2) + le32(length);
  bytes += "abcd";
  auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(length_checks, a_length_beyond_the_file_is_refused_in_either_byte_order) {
  const auto little = file_with_ut("dcmflow-lengths-le.dcm", "1.2.840.10008.1.2.1", false, 1U << 30);
  const auto big = file_with_ut("dcmflow-lengths-be.dcm", "1.2.840.10008.1.2.2", true, 1U << 30);
  auto refused = check_value_lengths(little);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("(0040,A160) declares 1073741824 bytes"), std::string::npos)
      << refused.error().message;
  // Big endian used to go unchecked: GDCM then allocated what the length said.
  refused = check_value_lengths(big);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("(0040,A160) declares 1073741824 bytes"), std::string::npos)
      << refused.error().message;
  std::filesystem::remove(little);
  std::filesystem::remove(big);
}

TEST(length_checks, honest_lengths_pass_in_either_byte_order) {
  const auto little = file_with_ut("dcmflow-lengths-le-ok.dcm", "1.2.840.10008.1.2.1", false, 4);
  const auto big = file_with_ut("dcmflow-lengths-be-ok.dcm", "1.2.840.10008.1.2.2", true, 4);
  EXPECT_TRUE(check_value_lengths(little));
  EXPECT_TRUE(check_value_lengths(big));
  std::filesystem::remove(little);
  std::filesystem::remove(big);
}

}  // namespace
}  // namespace dcmflow::dicom
