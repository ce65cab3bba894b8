#include "dicom/gdcm_input.hpp"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>

namespace dcmflow::dicom {
namespace {

// Syntaxes GDCM 3.0 does not know, and the twin whose dataset encoding is the same.
const std::map<std::string, std::string>& twins() {
  static const std::map<std::string, std::string> known = {
      {"1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.90"},  // HTJ2K lossless
      {"1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.90"},  // HTJ2K RPCL lossless
      {"1.2.840.10008.1.2.4.203", "1.2.840.10008.1.2.4.91"},  // HTJ2K
  };
  return known;
}

std::uint16_t read16(const std::string& bytes, std::size_t at) {
  std::uint16_t value = 0;
  std::memcpy(&value, bytes.data() + at, 2);
  return value;
}

std::uint32_t read32(const std::string& bytes, std::size_t at) {
  std::uint32_t value = 0;
  std::memcpy(&value, bytes.data() + at, 4);
  return value;
}

// The Part 10 file with its Transfer Syntax UID renamed, or empty when nothing is to rename.
std::string renamed_copy(const std::filesystem::path& file, std::string& real_syntax) {
  std::ifstream in(file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 132 || bytes.compare(128, 4, "DICM") != 0) return {};
  std::size_t at = 132;
  std::size_t group_length_value = 0;
  while (at + 8 <= bytes.size() && read16(bytes, at) == 0x0002) {
    const std::uint16_t element = read16(bytes, at + 2);
    const std::string vr = bytes.substr(at + 4, 2);
    const bool long_form = vr == "OB" || vr == "OW" || vr == "UN" || vr == "SQ" || vr == "UT" || vr == "UC";
    const std::size_t header = long_form ? 12 : 8;
    if (at + header > bytes.size()) return {};
    const std::size_t length = long_form ? read32(bytes, at + 8) : read16(bytes, at + 6);
    if (at + header + length > bytes.size()) return {};
    if (element == 0x0000) group_length_value = at + header;
    if (element == 0x0010) {
      std::string uid = bytes.substr(at + header, length);
      while (!uid.empty() && (uid.back() == '\0' || uid.back() == ' ')) uid.pop_back();
      const auto twin = twins().find(uid);
      if (twin == twins().end()) return {};
      std::string value = twin->second;
      if (value.size() % 2 != 0) value.push_back('\0');
      const auto new_length = static_cast<std::uint16_t>(value.size());
      std::string out = bytes.substr(0, at + 6);
      out.append(reinterpret_cast<const char*>(&new_length), 2);  // NOLINT: little-endian bytes
      out += value;
      out += bytes.substr(at + header + length);
      if (group_length_value != 0) {
        const std::uint32_t group = read32(bytes, group_length_value) - static_cast<std::uint32_t>(length) +
                                    static_cast<std::uint32_t>(value.size());
        std::memcpy(out.data() + group_length_value, &group, 4);
      }
      real_syntax = uid;
      return out;
    }
    at += header + length;
  }
  return {};
}

}  // namespace

gdcm_input::gdcm_input(const std::filesystem::path& file, gdcm::Reader& reader) {
  std::string copy = renamed_copy(file, real_syntax_);
  if (copy.empty()) {
    reader.SetFileName(file.c_str());
    return;
  }
  renamed_ = std::make_unique<std::istringstream>(std::move(copy), std::ios::binary);
  reader.SetStream(*renamed_);
}

}  // namespace dcmflow::dicom
