#include "dicom/encapsulated_pdf.hpp"

#include <gdcmDataElement.h>
#include <gdcmSequenceOfItems.h>

#include <cstring>
#include <ctime>

#include "dicom/element.hpp"
#include "dicom/instance_impl.hpp"

namespace dcmflow::dicom {
namespace {

constexpr std::string_view encapsulated_pdf_storage = "1.2.840.10008.5.1.4.1.1.104.1";

std::string formatted(std::chrono::system_clock::time_point when, const char* format) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[32];
  std::strftime(text, sizeof text, format, &local);
  return text;
}

}  // namespace

result<instance> build_encapsulated_pdf(std::vector<char> pdf, const encapsulated_pdf_request& request) {
  auto state = std::make_unique<instance::impl>();
  state->has_pixels = false;
  state->sop_class_uid = std::string(encapsulated_pdf_storage);
  state->sop_instance_uid = request.sop_instance_uid;
  gdcm::DataSet& ds = state->file->GetDataSet();
  const std::string date = formatted(request.created, "%Y%m%d");
  const std::string time = formatted(request.created, "%H%M%S");

  set_text(ds, {0x0008, 0x0005}, "CS", specific_character_set(request.character_set));
  set_text(ds, {0x0008, 0x0012}, "DA", date);  // InstanceCreationDate
  set_text(ds, {0x0008, 0x0013}, "TM", time);  // InstanceCreationTime
  set_text(ds, {0x0008, 0x0016}, "UI", state->sop_class_uid);
  set_text(ds, {0x0008, 0x0018}, "UI", state->sop_instance_uid);
  // Patient and General Study: type 2 present even when empty; the manifest fills them.
  for (const auto& [at, vr] : std::initializer_list<std::pair<tag, std::string_view>>{
           {{0x0010, 0x0010}, "PN"}, {{0x0010, 0x0020}, "LO"}, {{0x0010, 0x0030}, "DA"}, {{0x0010, 0x0040}, "CS"},
           {{0x0008, 0x0020}, "DA"}, {{0x0008, 0x0030}, "TM"}, {{0x0008, 0x0090}, "PN"}, {{0x0020, 0x0010}, "SH"},
           {{0x0008, 0x0050}, "SH"}, {{0x0008, 0x0070}, "LO"}}) {
    set_text(ds, at, vr, "");
  }
  set_text(ds, {0x0020, 0x000D}, "UI", request.study_instance_uid);
  // Encapsulated Document Series
  set_text(ds, {0x0008, 0x0060}, "CS", "DOC");  // Modality
  set_text(ds, {0x0020, 0x000E}, "UI", request.series_instance_uid);
  set_text(ds, {0x0020, 0x0011}, "IS", "1");  // SeriesNumber
  // SC Equipment
  set_text(ds, {0x0008, 0x0064}, "CS", "WSD");  // ConversionType
  // Encapsulated Document
  set_text(ds, {0x0020, 0x0013}, "IS", "1");        // InstanceNumber
  set_text(ds, {0x0008, 0x0023}, "DA", date);       // ContentDate
  set_text(ds, {0x0008, 0x0033}, "TM", time);       // ContentTime
  set_text(ds, {0x0008, 0x002A}, "DT", "");         // AcquisitionDateTime: unknown
  set_text(ds, {0x0028, 0x0301}, "CS", "YES");      // BurnedInAnnotation: a report names its patient
  set_text(ds, {0x0042, 0x0010}, "ST", request.document_title);  // DocumentTitle
  gdcm::DataElement concept_name(gdcm::Tag(0x0040, 0xA043));  // ConceptNameCodeSequence: type 2, empty
  concept_name.SetVR(gdcm::VR::SQ);
  gdcm::SmartPointer<gdcm::SequenceOfItems> no_items = new gdcm::SequenceOfItems;
  concept_name.SetValue(*no_items);
  concept_name.SetVLToUndefined();
  ds.Replace(concept_name);
  set_text(ds, {0x0042, 0x0012}, "LO", "application/pdf");  // MIMETypeOfEncapsulatedDocument

  const auto length = static_cast<std::uint32_t>(pdf.size());
  gdcm::DataElement document_length(gdcm::Tag(0x0042, 0x0015));  // EncapsulatedDocumentLength: before padding
  document_length.SetVR(gdcm::VR::UL);
  document_length.SetByteValue(reinterpret_cast<const char*>(&length), 4);  // NOLINT: GDCM takes char*
  ds.Replace(document_length);
  if (pdf.size() % 2 != 0) pdf.push_back('\0');  // PS3.3 C.24.2.1: padded with a NUL
  gdcm::DataElement document(gdcm::Tag(0x0042, 0x0011));  // EncapsulatedDocument
  document.SetVR(gdcm::VR::OB);
  document.SetByteValue(pdf.data(), static_cast<std::uint32_t>(pdf.size()));
  ds.Replace(document);

  for (const attribute_assignment& given : request.attributes) {
    attribute_assignment assignment = given;
    if (is_character_set_vr(assignment.vr)) {
      auto encoded = encode_text(assignment.value, request.character_set, assignment.vr);
      if (!encoded) return failure{assignment.keyword + " (" + assignment.vr + "): " + encoded.error().message};
      assignment.value = std::move(encoded).value();
    }
    if (auto applied = apply_assignment(ds, assignment); !applied) return applied.error();
  }
  return instance(std::move(state));
}

}  // namespace dcmflow::dicom
