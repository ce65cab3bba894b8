#include "dicom/gdcm_input.hpp"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>

#include <gdcmTrace.h>

#include "core/file_bytes.hpp"
#include "dicom/dicom_reader.hpp"
#include "dicom/pixel_checks.hpp"
#include "dicom/reader_checks.hpp"

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

// The meta header's Transfer Syntax UID element, found by walking group 0002.
struct syntax_element {
  std::size_t at = 0;                  // the element's tag
  std::size_t header = 0;              // tag, VR and length
  std::size_t length = 0;              // of the value
  std::size_t group_length_value = 0;  // where (0002,0000)'s value is; 0: none
  std::string uid;
};

// Empty when the bytes are no Part 10 file or the meta names no syntax; `truncated` when
// the walk reached the end of the bytes still inside the meta header.
std::optional<syntax_element> find_syntax(const std::string& bytes, bool& truncated) {
  truncated = bytes.size() < 132;
  if (truncated || bytes.compare(128, 4, "DICM") != 0) return std::nullopt;
  syntax_element found;
  std::size_t at = 132;
  while (true) {
    if (at + 8 > bytes.size()) {
      truncated = true;
      return std::nullopt;
    }
    if (read16(bytes, at) != 0x0002) return std::nullopt;
    const std::uint16_t element = read16(bytes, at + 2);
    const std::string vr = bytes.substr(at + 4, 2);
    const bool long_form = vr == "OB" || vr == "OW" || vr == "UN" || vr == "SQ" || vr == "UT" || vr == "UC";
    const std::size_t header = long_form ? 12 : 8;
    const std::size_t length = at + header > bytes.size() ? 0 : long_form ? read32(bytes, at + 8) : read16(bytes, at + 6);
    if (at + header + length > bytes.size()) {
      truncated = true;
      return std::nullopt;
    }
    if (element == 0x0000) found.group_length_value = at + header;
    if (element == 0x0010) {
      found.at = at;
      found.header = header;
      found.length = length;
      found.uid = bytes.substr(at + header, length);
      while (!found.uid.empty() && (found.uid.back() == '\0' || found.uid.back() == ' ')) found.uid.pop_back();
      return found;
    }
    at += header + length;
  }
}

// The Part 10 file with its Transfer Syntax UID renamed, or empty when nothing is to rename.
// Only the start of the file is read unless there is something to rename: every file GDCM
// reads comes through here.
std::string renamed_copy(const std::filesystem::path& file, std::string& real_syntax) {
  constexpr std::size_t meta_prefix = 16384;  // a meta header is a few hundred bytes
  auto bytes = read_file_prefix(file, meta_prefix);
  if (!bytes) return {};
  bool truncated = false;
  auto syntax = find_syntax(*bytes, truncated);
  const bool whole = bytes->size() < meta_prefix;
  if (!syntax && truncated && !whole) {
    bytes = read_file_bytes(file);
    if (!bytes) return {};
    syntax = find_syntax(*bytes, truncated);
  }
  if (!syntax) return {};
  const auto twin = twins().find(syntax->uid);
  if (twin == twins().end()) return {};
  if (!whole) {
    bytes = read_file_bytes(file);
    if (!bytes) return {};
  }
  std::string value = twin->second;
  if (value.size() % 2 != 0) value.push_back('\0');
  const auto new_length = static_cast<std::uint16_t>(value.size());
  std::string out = bytes->substr(0, syntax->at + 6);
  out.append(reinterpret_cast<const char*>(&new_length), 2);  // NOLINT: little-endian bytes
  out += value;
  out += bytes->substr(syntax->at + syntax->header + syntax->length);
  if (syntax->group_length_value != 0) {
    const std::uint32_t group = read32(*bytes, syntax->group_length_value) -
                                static_cast<std::uint32_t>(syntax->length) + static_cast<std::uint32_t>(value.size());
    std::memcpy(out.data() + syntax->group_length_value, &group, 4);
  }
  real_syntax = syntax->uid;
  return out;
}

}  // namespace

std::string declared_transfer_syntax(const std::filesystem::path& file) {
  auto bytes = read_file_prefix(file, 16384);
  if (!bytes) return {};
  bool truncated = false;
  const auto syntax = find_syntax(*bytes, truncated);
  return syntax ? syntax->uid : std::string();
}

gdcm_input::gdcm_input(const std::filesystem::path& file, gdcm::Reader& reader, bool shared_stream) {
  std::string copy = renamed_copy(file, real_syntax_);
  if (!copy.empty()) {
    stream_ = std::make_unique<std::istringstream>(std::move(copy), std::ios::binary);
  } else if (shared_stream) {
    stream_ = std::make_unique<std::ifstream>(file, std::ios::binary);
  } else {
    reader.SetFileName(file.c_str());
    return;
  }
  reader.SetStream(*stream_);
}

result<bool> native_image::read(const std::filesystem::path& file) {
  static const bool quiet = [] {
    gdcm::Trace::WarningOff();
    gdcm::Trace::ErrorOff();
    gdcm::Trace::DebugOff();
    return true;
  }();
  (void)quiet;
  if (auto checked = check_pixel_header(file); !checked) return checked.error();
  input_ = std::make_unique<gdcm_input>(file, reader_);
  return reader_.Read();
}

result<void> native_image::decode(const std::filesystem::path& file) {
  if (auto whole = check_not_truncated(reader_.GetFile(), file); !whole) return whole.error();
  decode_.SetTransferSyntax(gdcm::TransferSyntax::ExplicitVRLittleEndian);
  decode_.SetInput(reader_.GetImage());
  if (!decode_.Change()) {
    return failure{std::string("cannot decode pixel data (") +
                   gdcm::TransferSyntax::GetTSString(reader_.GetImage().GetTransferSyntax()) + ")"};
  }
  return {};
}

}  // namespace dcmflow::dicom
