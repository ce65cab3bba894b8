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

// The VRs of PS3.5 6.2. GDCM reads an element whose VR is none of them as implicit VR (its
// 32-bit length where the VR was): so does the walk, lest that length pass unchecked.
bool known_vr(std::string_view vr) {
  static constexpr std::array<std::string_view, 34> vrs = {
      "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV",
      "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV"};
  for (const auto each : vrs) {
    if (vr == each) return true;
  }
  return false;
}

// Numbers as the dataset stores them: Explicit VR Big Endian (retired, still met in old
// archives) stores its tags and lengths most significant byte first; the meta group never.
std::uint16_t u16(const unsigned char* bytes, bool big_endian) {
  return static_cast<std::uint16_t>(big_endian ? bytes[0] << 8 | bytes[1] : bytes[0] | bytes[1] << 8);
}

std::uint32_t u32(const unsigned char* bytes, bool big_endian) {
  const auto byte = [&](int index) { return static_cast<std::uint32_t>(bytes[big_endian ? 3 - index : index]); };
  return byte(0) | byte(1) << 8 | byte(2) << 16 | byte(3) << 24;
}

std::string tag_text(std::uint16_t group, std::uint16_t element) {
  std::array<char, 16> text{};
  std::snprintf(text.data(), text.size(), "(%04X,%04X)", group, element);
  return text.data();
}

// Where the fragments of encapsulated Pixel Data starting at `at` end (after the Sequence
// Delimitation Item); 0 when the file ends first (GDCM takes a missing delimiter at the end).
result<std::uint64_t> end_of_fragments(std::ifstream& in, std::uint64_t at, std::uint64_t size, bool big_endian) {
  while (at + 8 <= size) {
    std::array<unsigned char, 8> head{};
    in.seekg(static_cast<std::streamoff>(at));
    in.read(reinterpret_cast<char*>(head.data()), 8);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): bytes
    if (!in) return 0;
    const std::uint16_t group = u16(head.data(), big_endian);
    const std::uint16_t element = u16(head.data() + 2, big_endian);
    const std::uint32_t length = u32(head.data() + 4, big_endian);
    if (group == 0xFFFE && element == 0xE0DD) return at + 8;
    if (group != 0xFFFE || element != 0xE000) {
      // GDCM reads on from here as if it were an element: a length it may allocate.
      return failure{"damaged file: Pixel Data's fragments are followed by " + tag_text(group, element) +
                     " instead of a Sequence Delimitation Item"};
    }
    if (length > size - at - 8) {
      return failure{"file truncated: a Pixel Data fragment declares " + std::to_string(length) +
                     " bytes, the file holds " + std::to_string(size - at - 8) + " after it"};
    }
    at += 8 + length;
  }
  return 0;
}

}  // namespace

result<void> check_value_lengths(const std::filesystem::path& file) {
  // An unreadable meta header names no syntax: each element is then read as GDCM does,
  // explicit where a known VR stands, else implicit.
  const std::string syntax = declared_transfer_syntax(file);
  bool implicit = syntax == "1.2.840.10008.1.2";
  const bool big_endian = syntax == "1.2.840.10008.1.2.2";
  if (syntax == "1.2.840.10008.1.2.1.99" || syntax == "1.2.840.10008.1.2.4.95") {
    return {};  // a deflated dataset: its inflated lengths are left to the decode helper's limits
  }
  std::ifstream in(file, std::ios::binary);
  std::error_code error;
  const std::uint64_t size = std::filesystem::file_size(file, error);
  if (error || !in) return {};
  std::array<char, 6> magic{};
  in.seekg(128);
  in.read(magic.data(), 4);
  std::uint64_t at = 132;
  if (!in || std::string_view(magic.data(), 4) != "DICM") {
    // No preamble: a bare dataset from its first byte, explicit or implicit VR as its first
    // element shows (as GDCM decides).
    in.clear();
    in.seekg(0);
    in.read(magic.data(), magic.size());
    if (!in) return {};
    at = 0;
    implicit = !known_vr(std::string_view(magic.data() + 4, 2));
  }
  // Without a preamble, a length past the end is as likely a file that is not DICOM at all.
  const std::string overrun = at == 0 ? "cannot read DICOM (no preamble): " : "file truncated: ";
  while (at + 8 <= size) {
    std::array<unsigned char, 12> head{};
    in.seekg(static_cast<std::streamoff>(at));
    in.read(reinterpret_cast<char*>(head.data()), 8);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): bytes
    if (!in) return {};
    // The meta group is little endian whatever the syntax; the dataset as its syntax says.
    const bool big = big_endian && u16(head.data(), false) != 0x0002;
    const std::uint16_t group = u16(head.data(), big);
    const std::uint16_t element = u16(head.data() + 2, big);
    std::uint64_t header = 8;
    std::uint32_t length = 0;
    bool unknown = false;  // UN: of undefined length, what it holds is implicit VR
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): bytes
    const std::string_view vr(reinterpret_cast<const char*>(head.data()) + 4, 2);
    const bool explicit_vr = (group == 0x0002 || (!implicit && group != 0xFFFE)) && known_vr(vr);
    if (explicit_vr) {
      if (long_form(vr)) {
        // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): bytes
        in.read(reinterpret_cast<char*>(head.data()) + 8, 4);
        if (!in) return {};
        header = 12;
        unknown = vr == "UN";
        length = u32(head.data() + 8, big);
      } else {
        length = u16(head.data() + 6, big);
      }
    } else {
      length = u32(head.data() + 4, big);
    }
    // A sequence or item of undefined length holds elements: walked into. Anything else is
    // a value, which the file must hold.
    if (group == 0x7FE0 && element == 0x0010 && length == undefined_length) {
      // Encapsulated Pixel Data: fragments, each of which the file must hold (pixel_checks.hpp
      // checks them against the header); what follows it is walked too.
      auto after = end_of_fragments(in, at + header, size, big);
      if (!after) return after.error();
      if (*after == 0) return {};
      at = *after;
      continue;
    }
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
      const bool pixels = group == 0x7FE0 && element == 0x0010;
      return failure{overrun + (pixels ? std::string("Pixel Data") : tag_text(group, element)) + " declares " +
                     std::to_string(length) + " bytes, the file holds " + std::to_string(size - at - header) +
                     " after it"};
    }
    at += header + length;
  }
  return {};
}

}  // namespace dcmflow::dicom
