// instance::recode_text: every text value from the file's character set (or an assumed one)
// to UTF-8, then to the target set; sequence items with their own Specific Character Set
// are decoded with it.

#include <gdcmDataSet.h>
#include <gdcmSequenceOfItems.h>

#include <cstdio>
#include <string>
#include <vector>

#include "dicom/character_set.hpp"
#include "dicom/element.hpp"
#include "dicom/instance.hpp"
#include "dicom/instance_impl.hpp"
#include "dicom/text_decoding.hpp"

namespace dcmflow::dicom {
namespace {

std::vector<std::string> split_terms(const std::string& value) {
  std::vector<std::string> terms;
  std::size_t start = 0;
  while (true) {
    const auto at = value.find('\\', start);
    std::string term = value.substr(start, at == std::string::npos ? std::string::npos : at - start);
    while (!term.empty() && term.back() == ' ') term.pop_back();
    while (!term.empty() && term.front() == ' ') term.erase(term.begin());
    terms.push_back(term);
    if (at == std::string::npos) return terms;
    start = at + 1;
  }
}

result<void> recode(gdcm::DataSet& dataset, std::vector<std::string> terms, bool assumed, character_set target) {
  const gdcm::Tag specific(0x0008, 0x0005);
  if (!assumed && dataset.FindDataElement(specific)) terms = split_terms(get_text(dataset, {0x0008, 0x0005}));
  std::vector<gdcm::DataElement> changed;
  for (const gdcm::DataElement& element : dataset.GetDES()) {
    const std::string vr = gdcm::VR::GetVRString(element.GetVR());
    if (vr == "SQ") {
      gdcm::SmartPointer<gdcm::SequenceOfItems> items = element.GetValueAsSQ();
      if (!items) continue;
      for (gdcm::SequenceOfItems::SizeType i = 1; i <= items->GetNumberOfItems(); ++i) {
        gdcm::Item& item = items->GetItem(i);
        if (auto inner = recode(item.GetNestedDataSet(), terms, assumed, target); !inner) return inner;
        item.SetVLToUndefined();  // re-encoded text changes lengths: let the writer delimit
      }
      items->SetLengthToUndefined();
      gdcm::DataElement copy = element;
      copy.SetValue(*items);
      copy.SetVLToUndefined();
      changed.push_back(copy);
      continue;
    }
    if (!is_character_set_vr(vr) || element.GetByteValue() == nullptr) continue;
    const gdcm::Tag& at = element.GetTag();
    std::string raw = get_text(dataset, {at.GetGroup(), at.GetElement()});
    auto text = decode_text(raw, terms, vr);
    char tag_text[16];
    std::snprintf(tag_text, sizeof tag_text, "(%04X,%04X)", at.GetGroup(), at.GetElement());
    if (!text) return failure{std::string(tag_text) + " " + vr + ": " + text.error().message};
    auto encoded = encode_text(text.value(), target, vr);
    if (!encoded) {
      return failure{std::string(tag_text) + " " + vr + ": " + encoded.error().message + " (" +
                     std::string(specific_character_set(target)) + ")"};
    }
    gdcm::DataElement copy = element;
    std::string padded = std::move(encoded).value();
    if (padded.size() % 2 != 0) padded.push_back(' ');
    copy.SetByteValue(padded.data(), static_cast<std::uint32_t>(padded.size()));
    changed.push_back(copy);
  }
  for (const gdcm::DataElement& element : changed) dataset.Replace(element);
  // An item that declared its own set now declares the target; the top level is set by
  // the caller, and items that inherited stay without one.
  if (dataset.FindDataElement(specific)) set_text(dataset, {0x0008, 0x0005}, "CS", specific_character_set(target));
  return {};
}

}  // namespace

result<void> instance::recode_text(character_set target, const std::string& assumed_specific_character_set) {
  gdcm::DataSet& dataset = impl_->file->GetDataSet();
  const bool assumed = !assumed_specific_character_set.empty();
  auto done = recode(dataset, assumed ? split_terms(assumed_specific_character_set) : std::vector<std::string>{},
                     assumed, target);
  if (!done) return failure{"cannot re-encode text: " + done.error().message};
  set_text(dataset, {0x0008, 0x0005}, "CS", specific_character_set(target));
  return {};
}

}  // namespace dcmflow::dicom
