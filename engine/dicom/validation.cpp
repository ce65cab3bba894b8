#include "dicom/validation.hpp"

#include <gdcmDataSet.h>
#include <gdcmDict.h>
#include <gdcmDicts.h>
#include <gdcmGlobal.h>
#include <gdcmReader.h>
#include <gdcmSequenceOfItems.h>
#include <gdcmTrace.h>

#include <array>
#include <fstream>
#include <map>
#include <string_view>

#include "dicom/character_set.hpp"
#include "dicom/element.hpp"
#include "dicom/pixel_checks.hpp"
#include "dicom/value_rules.hpp"

namespace dcmflow::dicom {
namespace {

enum class requirement { type1, type2 };

struct required_attribute {
  tag at;
  requirement type;
};

// The attributes dcmflow checks per IOD: the mandatory modules' type 1 and 2 attributes
// (PS3.3 A.8 and A.45.1), conditional ones where the condition is the IOD itself.
constexpr std::array<required_attribute, 16> common_attributes = {{
    {{0x0010, 0x0010}, requirement::type2},
    {{0x0010, 0x0020}, requirement::type2},  // PatientName, PatientID
    {{0x0010, 0x0030}, requirement::type2},
    {{0x0010, 0x0040}, requirement::type2},  // PatientBirthDate, PatientSex
    {{0x0020, 0x000D}, requirement::type1},
    {{0x0008, 0x0020}, requirement::type2},  // StudyInstanceUID, StudyDate
    {{0x0008, 0x0030}, requirement::type2},
    {{0x0008, 0x0090}, requirement::type2},  // StudyTime, ReferringPhysicianName
    {{0x0020, 0x0010}, requirement::type2},
    {{0x0008, 0x0050}, requirement::type2},  // StudyID, AccessionNumber
    {{0x0008, 0x0060}, requirement::type1},
    {{0x0020, 0x000E}, requirement::type1},  // Modality, SeriesInstanceUID
    {{0x0020, 0x0011}, requirement::type2},
    {{0x0008, 0x0016}, requirement::type1},  // SeriesNumber, SOPClassUID
    {{0x0008, 0x0018}, requirement::type1},
    {{0x0008, 0x0064}, requirement::type1},  // SOPInstanceUID, ConversionType
}};

constexpr std::array<required_attribute, 10> image_attributes = {{
    {{0x0020, 0x0013}, requirement::type2},
    {{0x0028, 0x0002}, requirement::type1},  // InstanceNumber, SamplesPerPixel
    {{0x0028, 0x0004}, requirement::type1},
    {{0x0028, 0x0010}, requirement::type1},  // PhotometricInterpretation, Rows
    {{0x0028, 0x0011}, requirement::type1},
    {{0x0028, 0x0100}, requirement::type1},  // Columns, BitsAllocated
    {{0x0028, 0x0101}, requirement::type1},
    {{0x0028, 0x0102}, requirement::type1},  // BitsStored, HighBit
    {{0x0028, 0x0103}, requirement::type1},
    {{0x7FE0, 0x0010}, requirement::type1},  // PixelRepresentation, PixelData
}};

constexpr std::array<required_attribute, 2> multiframe_attributes = {{
    {{0x0028, 0x0008}, requirement::type1},
    {{0x0028, 0x0301}, requirement::type1},  // NumberOfFrames, BurnedInAnnotation
}};

constexpr std::array<required_attribute, 8> encapsulated_pdf_attributes = {{
    {{0x0020, 0x0013}, requirement::type1},
    {{0x0008, 0x0023}, requirement::type2},  // InstanceNumber, ContentDate
    {{0x0008, 0x0033}, requirement::type2},
    {{0x0008, 0x002A}, requirement::type2},  // ContentTime, AcquisitionDateTime
    {{0x0028, 0x0301}, requirement::type1},
    {{0x0042, 0x0010}, requirement::type2},  // BurnedInAnnotation, DocumentTitle
    {{0x0042, 0x0012}, requirement::type1},
    {{0x0042, 0x0011}, requirement::type1},  // MIMETypeOf..., EncapsulatedDocument
}};

struct iod_rules {
  std::string_view sop_class_uid;
  std::string_view name;
  bool image;
  bool multiframe;
  bool pdf;
};

constexpr std::array<iod_rules, 5> known_iods = {{
    {"1.2.840.10008.5.1.4.1.1.7", "Secondary Capture Image", true, false, false},
    {"1.2.840.10008.5.1.4.1.1.7.2", "Multi-frame Grayscale Byte Secondary Capture Image", true, true, false},
    {"1.2.840.10008.5.1.4.1.1.7.3", "Multi-frame Grayscale Word Secondary Capture Image", true, true, false},
    {"1.2.840.10008.5.1.4.1.1.7.4", "Multi-frame True Color Secondary Capture Image", true, true, false},
    {"1.2.840.10008.5.1.4.1.1.104.1", "Encapsulated PDF", false, false, true},
}};

std::string keyword_of(const gdcm::Tag& at) {
  const char* keyword = gdcm::Global::GetInstance().GetDicts().GetPublicDict().GetKeywordFromTag(at);
  return keyword != nullptr ? keyword : "";
}

template <std::size_t N>
void check_required(const gdcm::DataSet& dataset, const std::array<required_attribute, N>& list,
                    validation_report& report) {
  for (const required_attribute& attribute : list) {
    const gdcm::Tag at(attribute.at.group, attribute.at.element);
    if (!dataset.FindDataElement(at)) {
      report.problems.push_back(
          {attribute.at, keyword_of(at),
           attribute.type == requirement::type1 ? "type 1 attribute missing" : "type 2 attribute missing"});
    } else if (attribute.type == requirement::type1 && dataset.GetDataElement(at).IsEmpty()) {
      report.problems.push_back({attribute.at, keyword_of(at), "type 1 attribute empty"});
    }
  }
}

// The VRs whose values dcmflow's rules put in a single canonical form.
bool has_canonical_form(std::string_view vr) {
  return vr == "DA" || vr == "TM" || vr == "DT" || vr == "AS" || vr == "CS" || vr == "IS" || vr == "UI";
}

std::string text_as_utf8(const std::string& raw, std::string_view specific_character_set, bool& decodable) {
  decodable = true;
  if (specific_character_set.empty() || specific_character_set == "ISO_IR 192" ||
      specific_character_set == "ISO_IR 6") {
    return raw;
  }
  if (specific_character_set == "GB18030" || specific_character_set == "GBK") {
    auto utf8 = gb18030_to_utf8(raw);
    if (utf8) return utf8.value();
  }
  decodable = false;  // other sets: content checks that need characters are skipped
  return raw;
}

void check_values(const gdcm::DataSet& dataset, std::string_view specific_character_set, validation_report& report) {
  const gdcm::Dict& dictionary = gdcm::Global::GetInstance().GetDicts().GetPublicDict();
  for (const gdcm::DataElement& element : dataset.GetDES()) {
    const gdcm::Tag& at = element.GetTag();
    if (at.IsPrivate() || at.GetElement() == 0x0000 || at.GetGroup() == 0x7FE0) continue;
    const gdcm::DictEntry& entry = dictionary.GetDictEntry(at);
    const std::string keyword = entry.GetKeyword() != nullptr ? entry.GetKeyword() : "";
    const std::string vr =
        gdcm::VR::GetVRString(element.GetVR() != gdcm::VR::INVALID ? element.GetVR() : entry.GetVR());
    if (vr == "SQ") {
      if (const auto items = element.GetValueAsSQ()) {
        for (gdcm::SequenceOfItems::SizeType i = 1; i <= items->GetNumberOfItems(); ++i) {
          check_values(items->GetItem(i).GetNestedDataSet(), specific_character_set, report);
        }
      }
      continue;
    }
    const gdcm::ByteValue* value = element.GetByteValue();
    if (value == nullptr || keyword.empty() || (!is_binary_vr(vr) && vr.size() != 2)) continue;
    if (vr == "OB" || vr == "OW" || vr == "OF" || vr == "OD" || vr == "OL" || vr == "UN" || vr == "AT" || vr == "OV" ||
        vr == "SV" || vr == "UV") {
      continue;
    }
    if (is_binary_vr(vr)) {
      const std::size_t size = vr == "US" || vr == "SS" ? 2 : vr == "FD" ? 8 : 4;
      if (value->GetLength() % size != 0) {
        report.problems.push_back({{at.GetGroup(), at.GetElement()},
                                   keyword,
                                   "length is not a multiple of " + std::to_string(size) + " bytes"});
      }
      continue;
    }
    std::string raw(value->GetPointer(), value->GetLength());
    while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\0')) raw.pop_back();
    bool decodable = true;
    const std::string text = is_character_set_vr(vr) ? text_as_utf8(raw, specific_character_set, decodable) : raw;
    if (!decodable) continue;
    auto normal = normalise_value({keyword, vr, gdcm::VM::GetVMString(entry.GetVM())}, text);
    if (!normal) {
      report.problems.push_back({{at.GetGroup(), at.GetElement()}, keyword, vr + ": " + normal.error().message});
    } else if (has_canonical_form(vr) && normal.value() != text) {
      report.problems.push_back({{at.GetGroup(), at.GetElement()}, keyword, vr + ": not in DICOM's form"});
    }
  }
}

}  // namespace

bool has_dicom_preamble(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::array<char, 132> head{};
  return in.read(head.data(), head.size()) && std::string_view(head.data() + 128, 4) == "DICM";
}

validation_report validate_file(const std::filesystem::path& file) {
  static const bool quiet = [] {
    gdcm::Trace::WarningOff();
    gdcm::Trace::ErrorOff();
    return true;
  }();
  (void)quiet;
  validation_report report;
  // A pixel description at odds with itself or with the file is a problem, and found before
  // GDCM allocates what a damaged length declares.
  if (auto pixels = check_pixel_header(file); !pixels) {
    report.readable = false;
    report.problems.push_back({{0x7FE0, 0x0010}, "PixelData", pixels.error().message});
    return report;
  }
  gdcm::Reader reader;
  reader.SetFileName(file.c_str());
  if (!reader.Read()) {
    report.readable = false;
    report.problems.push_back({{0, 0}, "", "cannot read DICOM: not a DICOM file, or damaged"});
    return report;
  }
  const gdcm::DataSet& dataset = reader.GetFile().GetDataSet();
  const std::string specific_character_set = get_text(dataset, {0x0008, 0x0005});
  check_values(dataset, specific_character_set, report);

  const std::string sop_class = get_text(dataset, {0x0008, 0x0016});
  for (const iod_rules& iod : known_iods) {
    if (iod.sop_class_uid != sop_class) continue;
    report.iod = std::string(iod.name);
    check_required(dataset, common_attributes, report);
    if (iod.image) check_required(dataset, image_attributes, report);
    if (iod.multiframe) check_required(dataset, multiframe_attributes, report);
    if (iod.pdf) check_required(dataset, encapsulated_pdf_attributes, report);
  }
  return report;
}

}  // namespace dcmflow::dicom
