#include "dicom/attribute.hpp"

#include "dicom/value_rules.hpp"

#include <gdcmDict.h>
#include <gdcmDicts.h>
#include <gdcmGlobal.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <unordered_map>

namespace dcmflow::dicom {
namespace {

// GDCM looks keywords up by linear search; build the map once.
const std::unordered_map<std::string, gdcm::Tag>& keyword_index() {
  static const auto index = [] {
    std::unordered_map<std::string, gdcm::Tag> map;
    const gdcm::Dict& dict = gdcm::Global::GetInstance().GetDicts().GetPublicDict();
    for (auto it = dict.Begin(); it != dict.End(); ++it) {
      const char* keyword = it->second.GetKeyword();
      if (keyword != nullptr && *keyword != '\0') map.emplace(keyword, it->first);
    }
    return map;
  }();
  return index;
}

// Attributes that follow from the pixels or the IOD; setting them would make the object lie.
constexpr std::array<tag, 13> derived_attributes = {{
    {0x0008, 0x0016},  // SOPClassUID
    {0x0008, 0x0018},  // SOPInstanceUID: one given would be shared by every page and every input it names
    {0x0008, 0x0005},  // SpecificCharacterSet: chosen by dcmflow from the values
    {0x0028, 0x0002},  // SamplesPerPixel
    {0x0028, 0x0004},  // PhotometricInterpretation
    {0x0028, 0x0006},  // PlanarConfiguration
    {0x0028, 0x0008},  // NumberOfFrames
    {0x0028, 0x0009},  // FrameIncrementPointer
    {0x0028, 0x0010},  // Rows
    {0x0028, 0x0011},  // Columns
    {0x0028, 0x0100},  // BitsAllocated
    {0x0028, 0x0101},  // BitsStored
    {0x0028, 0x0103},  // PixelRepresentation
}};

bool is_derived(tag t) {
  return t.group == 0x0002 || t == tag{0x0028, 0x0102} /* HighBit */ || t == tag{0x7FE0, 0x0010} /* PixelData */ ||
         std::find(derived_attributes.begin(), derived_attributes.end(), t) != derived_attributes.end();
}

bool settable_from_text(std::string_view vr) {
  static constexpr std::array<std::string_view, 21> text_vrs = {"AE", "AS", "CS", "DA", "DS", "DT", "IS",
                                                                "LO", "LT", "PN", "SH", "ST", "TM", "UC",
                                                                "UI", "UR", "UT", "US", "SS", "UL", "SL"};
  static constexpr std::array<std::string_view, 2> float_vrs = {"FL", "FD"};
  return std::find(text_vrs.begin(), text_vrs.end(), vr) != text_vrs.end() ||
         std::find(float_vrs.begin(), float_vrs.end(), vr) != float_vrs.end();
}

template <class Number>
result<void> append_number(std::string_view text, std::string& bytes) {
  Number number{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size()) {
    // The value is not quoted: a misplaced name or birth date would reach the terminal.
    return failure{"a value that is not a valid number for this attribute"};
  }
  char raw[sizeof(Number)];
  std::memcpy(raw, &number, sizeof(Number));  // little endian host, as the transfer syntax
  bytes.append(raw, sizeof(Number));
  return {};
}

template <class Number>
result<std::string> encode_numbers(std::string_view value) {
  std::string bytes;
  while (true) {
    const auto separator = value.find('\\');
    if (auto appended = append_number<Number>(value.substr(0, separator), bytes); !appended) {
      return appended.error();
    }
    if (separator == std::string_view::npos) return bytes;
    value.remove_prefix(separator + 1);
  }
}

result<std::string> encode_binary_value_unchecked(std::string_view vr, std::string_view value) {
  if (vr == "US") return encode_numbers<std::uint16_t>(value);
  if (vr == "SS") return encode_numbers<std::int16_t>(value);
  if (vr == "UL") return encode_numbers<std::uint32_t>(value);
  if (vr == "SL") return encode_numbers<std::int32_t>(value);
  if (vr == "FL") return encode_numbers<float>(value);
  return encode_numbers<double>(value);
}

}  // namespace

bool is_binary_vr(std::string_view vr) {
  return vr == "US" || vr == "SS" || vr == "UL" || vr == "SL" || vr == "FL" || vr == "FD";
}

result<std::string> encode_binary_value(std::string_view vr, std::string_view value) {
  if (!is_binary_vr(vr)) return failure{"VR " + std::string(vr) + " is not binary"};
  return encode_binary_value_unchecked(vr, value);
}

result<dictionary_entry> look_up_keyword(std::string_view keyword) {
  const auto& index = keyword_index();
  const auto found = index.find(std::string(keyword));
  if (found == index.end()) {
    return failure{"unknown DICOM keyword '" + std::string(keyword) + "'"};
  }
  const gdcm::DictEntry& entry = gdcm::Global::GetInstance().GetDicts().GetPublicDict().GetDictEntry(found->second);
  return dictionary_entry{tag{found->second.GetGroup(), found->second.GetElement()},
                          gdcm::VR::GetVRString(entry.GetVR()), gdcm::VM::GetVMString(entry.GetVM())};
}

result<attribute_assignment> parse_assignment(std::string_view text) {
  const auto equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    return failure{"expected Keyword=Value, got '" + std::string(text) + "'"};
  }
  const std::string_view keyword = text.substr(0, equals);
  auto entry = look_up_keyword(keyword);
  if (!entry) return entry.error();
  if (is_derived(entry->tag)) {
    return failure{std::string(keyword) + " is derived by dcmflow and cannot be set"};
  }
  if (!settable_from_text(entry->vr)) {
    return failure{std::string(keyword) + " has VR " + entry->vr + ", which cannot be set from text"};
  }
  auto value = normalise_value({keyword, entry->vr, entry->vm}, text.substr(equals + 1));
  if (!value) return failure{std::string(keyword) + " (" + entry->vr + "): " + value.error().message};
  return attribute_assignment{entry->tag, std::string(keyword), entry->vr, std::move(value).value()};
}

}  // namespace dcmflow::dicom
