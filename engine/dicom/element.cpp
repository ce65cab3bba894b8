#include "dicom/element.hpp"

#include <gdcmDataElement.h>
#include <gdcmVR.h>

#include <cstring>
#include <string>
#include <vector>

namespace dcmflow::dicom {
namespace {

gdcm::Tag to_gdcm(tag at) { return gdcm::Tag(at.group, at.element); }

void set_bytes(gdcm::DataSet& dataset, tag at, std::string_view vr, const char* data, std::size_t size) {
  gdcm::DataElement element(to_gdcm(at));
  element.SetVR(gdcm::VR::GetVRType(std::string(vr).c_str()));
  element.SetByteValue(data, static_cast<std::uint32_t>(size));
  dataset.Replace(element);
}

}  // namespace

void set_text(gdcm::DataSet& dataset, tag at, std::string_view vr, std::string_view value) {
  std::string padded(value);
  if (padded.size() % 2 != 0) padded.push_back(vr == "UI" ? '\0' : ' ');
  set_bytes(dataset, at, vr, padded.data(), padded.size());
}

std::string get_text(const gdcm::DataSet& dataset, tag at) {
  const gdcm::Tag key(at.group, at.element);
  if (!dataset.FindDataElement(key)) return {};
  const gdcm::ByteValue* value = dataset.GetDataElement(key).GetByteValue();
  if (value == nullptr) return {};
  std::string text(value->GetPointer(), value->GetLength());
  while (!text.empty() && (text.back() == ' ' || text.back() == '\0')) text.pop_back();
  return text;
}

void set_us(gdcm::DataSet& dataset, tag at, std::uint16_t value) {
  char raw[2];
  std::memcpy(raw, &value, 2);
  set_bytes(dataset, at, "US", raw, 2);
}

void set_at(gdcm::DataSet& dataset, tag at, tag value) {
  const std::uint16_t words[2] = {value.group, value.element};
  char raw[4];
  std::memcpy(raw, words, 4);
  set_bytes(dataset, at, "AT", raw, 4);
}

result<void> apply_assignment(gdcm::DataSet& dataset, const attribute_assignment& assignment) {
  if (!is_binary_vr(assignment.vr)) {
    set_text(dataset, assignment.tag, assignment.vr, assignment.value);
    return {};
  }
  auto bytes = encode_binary_value(assignment.vr, assignment.value);
  if (!bytes) return failure{assignment.keyword + " (" + assignment.vr + "): " + bytes.error().message};
  set_bytes(dataset, assignment.tag, assignment.vr, bytes->data(), bytes->size());
  return {};
}

}  // namespace dcmflow::dicom
