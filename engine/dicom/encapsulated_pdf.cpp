#include "dicom/encapsulated_pdf.hpp"

#include <gdcmDataElement.h>
#include <gdcmSequenceOfItems.h>

#include <cstring>

#include "dicom/common_modules.hpp"
#include "dicom/element.hpp"
#include "dicom/instance_impl.hpp"

namespace dcmflow::dicom {
namespace {

constexpr std::string_view encapsulated_pdf_storage = "1.2.840.10008.5.1.4.1.1.104.1";

}  // namespace

result<instance> build_encapsulated_pdf(std::vector<char> pdf, const encapsulated_pdf_request& request) {
  auto state = std::make_unique<instance::impl>();
  state->has_pixels = false;
  state->sop_class_uid = std::string(encapsulated_pdf_storage);
  state->sop_instance_uid = request.sop_instance_uid;
  gdcm::DataSet& ds = state->file->GetDataSet();
  const auto [date, time] = local_date_time(request.created);

  set_text(ds, {0x0008, 0x0005}, "CS", specific_character_set(request.character_set));
  set_text(ds, {0x0008, 0x0012}, "DA", date);  // InstanceCreationDate
  set_text(ds, {0x0008, 0x0013}, "TM", time);  // InstanceCreationTime
  set_text(ds, {0x0008, 0x0016}, "UI", state->sop_class_uid);
  set_text(ds, {0x0008, 0x0018}, "UI", state->sop_instance_uid);
  add_patient_and_study(ds, request.study_instance_uid);
  set_text(ds, {0x0008, 0x0070}, "LO", "");  // Manufacturer (General Equipment, type 2): unknown
  // Encapsulated Document Series
  set_text(ds, {0x0008, 0x0060}, "CS", "DOC");  // Modality
  set_text(ds, {0x0020, 0x000E}, "UI", request.series_instance_uid);
  set_text(ds, {0x0020, 0x0011}, "IS", "1");  // SeriesNumber
  // SC Equipment
  set_text(ds, {0x0008, 0x0064}, "CS", "WSD");            // ConversionType
  set_text(ds, {0x0018, 0x1016}, "LO", "dcmflow");        // SecondaryCaptureDeviceManufacturer
  set_text(ds, {0x0018, 0x1019}, "LO", DCMFLOW_VERSION);  // SecondaryCaptureDeviceSoftwareVersions
  // Encapsulated Document
  set_text(ds, {0x0020, 0x0013}, "IS", "1");                     // InstanceNumber
  set_text(ds, {0x0008, 0x0023}, "DA", date);                    // ContentDate
  set_text(ds, {0x0008, 0x0033}, "TM", time);                    // ContentTime
  set_text(ds, {0x0008, 0x002A}, "DT", "");                      // AcquisitionDateTime: unknown
  set_text(ds, {0x0028, 0x0301}, "CS", "YES");                   // BurnedInAnnotation: a report names its patient
  set_text(ds, {0x0042, 0x0010}, "ST", request.document_title);  // DocumentTitle
  gdcm::DataElement concept_name(gdcm::Tag(0x0040, 0xA043));     // ConceptNameCodeSequence: type 2, empty
  concept_name.SetVR(gdcm::VR::SQ);
  gdcm::SmartPointer<gdcm::SequenceOfItems> no_items = new gdcm::SequenceOfItems;
  concept_name.SetValue(*no_items);
  concept_name.SetVLToUndefined();
  ds.Replace(concept_name);
  set_text(ds, {0x0042, 0x0012}, "LO", "application/pdf");  // MIMETypeOfEncapsulatedDocument

  const auto length = static_cast<std::uint32_t>(pdf.size());
  gdcm::DataElement document_length(gdcm::Tag(0x0042, 0x0015));  // EncapsulatedDocumentLength: before padding
  document_length.SetVR(gdcm::VR::UL);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): GDCM takes char*
  document_length.SetByteValue(reinterpret_cast<const char*>(&length), 4);
  ds.Replace(document_length);
  if (pdf.size() % 2 != 0) pdf.push_back('\0');           // PS3.3 C.24.2.1: padded with a NUL
  gdcm::DataElement document(gdcm::Tag(0x0042, 0x0011));  // EncapsulatedDocument
  document.SetVR(gdcm::VR::OB);
  document.SetByteValue(pdf.data(), static_cast<std::uint32_t>(pdf.size()));
  ds.Replace(document);

  if (auto applied = apply_attributes(ds, request.attributes, request.character_set); !applied) {
    return applied.error();
  }
  state->sop_instance_uid = get_text(ds, {0x0008, 0x0018});
  return instance(std::move(state));
}

}  // namespace dcmflow::dicom
