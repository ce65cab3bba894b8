#include "dicom/length_checks.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>

#include "dicom/dicom_reader.hpp"

namespace dcmflow::dicom {
namespace {

constexpr std::uint32_t undefined_length = 0xFFFFFFFF;

bool long_form(std::string_view vr) {
  static constexpr std::array<std::string_view, 13> vrs = {"OB", "OW", "OF", "OD", "OL", "OV", "SQ",
                                                           "UC", "UR", "UT", "UN", "SV", "UV"};
  for (const auto each : vrs) {
    if (vr == each) return true;
  }
  return false;
}

std::string tag_text(std::uint16_t group, std::uint16_t element) {
  std::array<char, 16> text{};
  std::snprintf(text.data(), text.size(), "(%04X,%04X)", group, element);
  return text.data();
}

}  // namespace

result<void> check_value_lengths(const std::filesystem::path& file) {
  const std::string syntax = declared_transfer_syntax(file);
  const bool implicit = syntax == "1.2.840.10008.1.2";
  if (syntax.empty() || syntax == "1.2.840.10008.1.2.2" || syntax == "1.2.840.10008.1.2.1.99" ||
      syntax == "1.2.840.10008.1.2.4.95") {
    return {};  // big endian, or a deflated dataset
  }
  std::ifstream in(file, std::ios::binary);
  std::error_code error;
  const std::uint64_t size = std::filesystem::file_size(file, error);
  if (error || !in) return {};
  std::uint64_t at = 132;
  while (at + 8 <= size) {
    std::array<unsigned char, 12> head{};
    in.seekg(static_cast<std::streamoff>(at));
    in.read(reinterpret_cast<char*>(head.data()), 8);  // NOLINT: bytes
    if (!in) return {};
    const auto group = static_cast<std::uint16_t>(head[0] | head[1] << 8);
    const auto element = static_cast<std::uint16_t>(head[2] | head[3] << 8);
    if (group == 0x7FE0 && element == 0x0010) return {};  // Pixel Data: pixel_checks.hpp
    std::uint64_t header = 8;
    std::uint32_t length = 0;
    bool unknown = false;  // UN: of undefined length, what it holds is implicit VR
    const bool explicit_vr = group == 0x0002 || (!implicit && group != 0xFFFE);
    if (explicit_vr) {
      const std::string_view vr(reinterpret_cast<const char*>(head.data()) + 4, 2);  // NOLINT: bytes
      if (vr[0] < 'A' || vr[0] > 'Z' || vr[1] < 'A' || vr[1] > 'Z') return {};  // GDCM says what this is
      if (long_form(vr)) {
        in.read(reinterpret_cast<char*>(head.data()) + 8, 4);  // NOLINT: bytes
        if (!in) return {};
        header = 12;
        unknown = vr == "UN";
        length = static_cast<std::uint32_t>(head[8] | head[9] << 8 | head[10] << 16) |
                 static_cast<std::uint32_t>(head[11]) << 24;
      } else {
        length = static_cast<std::uint32_t>(head[6] | head[7] << 8);
      }
    } else {
      length = static_cast<std::uint32_t>(head[4] | head[5] << 8 | head[6] << 16) | static_cast<std::uint32_t>(head[7]) << 24;
    }
    // A sequence or item of undefined length holds elements: walked into. Anything else is
    // a value, which the file must hold.
    if (length == undefined_length) {
      if (unknown) return {};  // its content is encoded otherwise: GDCM and the limits take over
      at += header;
      continue;
    }
    if (group == 0xFFFE && element == 0xE000) {
      at += header;  // an item's elements are walked like the rest
      continue;
    }
    if (length > size - at - header) {
      return failure{"file truncated: " + tag_text(group, element) + " declares " + std::to_string(length) +
                     " bytes, the file holds " + std::to_string(size - at - header) + " after it"};
    }
    at += header + length;
  }
  return {};
}

}  // namespace dcmflow::dicom
