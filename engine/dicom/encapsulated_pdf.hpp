#pragma once
// An Encapsulated PDF object (PS3.3 A.45.1): the document itself, beside its rendered pages,
// in the same study -- for readers who want the original text.

#include <chrono>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "dicom/attribute.hpp"
#include "dicom/character_set.hpp"
#include "dicom/instance.hpp"

namespace dcmflow::dicom {

struct encapsulated_pdf_request {
  std::string study_instance_uid;
  std::string series_instance_uid;
  std::string sop_instance_uid;
  std::string document_title;  // DocumentTitle: the file's name
  std::chrono::system_clock::time_point created;
  std::span<const attribute_assignment> attributes;  // patient and study: as for the pages
  dicom::character_set character_set = dicom::character_set::utf8;
};

[[nodiscard]] result<instance> build_encapsulated_pdf(std::vector<char> pdf, const encapsulated_pdf_request& request);

}  // namespace dcmflow::dicom
