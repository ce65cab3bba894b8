#pragma once
// `dcmflow validate`: every value of a file checked against its VR (the rules dcmflow writes
// by, strictly: a value must already be in DICOM's form), and the attributes its IOD
// requires (types 1 and 2) for the IODs dcmflow writes.

#include <filesystem>
#include <string>
#include <vector>

#include "dicom/attribute.hpp"

namespace dcmflow::dicom {

struct validation_problem {
  dicom::tag tag;
  std::string keyword;  // empty for private or unknown tags
  std::string message;
};

struct validation_report {
  std::vector<validation_problem> problems;
  std::string iod;       // e.g. "Secondary Capture Image"; empty when dcmflow does not know it
  bool readable = true;  // false: problems[0] says why
};

[[nodiscard]] validation_report validate_file(const std::filesystem::path& file);

// A Part 10 file: 128 bytes of preamble, then "DICM".
[[nodiscard]] bool has_dicom_preamble(const std::filesystem::path& file);

}  // namespace dcmflow::dicom
