#pragma once
// Private to dicom/: files handed to GDCM's readers. GDCM 3.0 predates HTJ2K and refuses a
// file whose meta names it, although the dataset is encoded exactly as for JPEG 2000
// (explicit VR little endian, encapsulated). Such a file is read from memory with its meta
// naming the JPEG 2000 twin; `real_syntax` keeps the truth, and OpenJPEG (2.5, which reads
// HTJ2K codestreams) decodes the frames behind GDCM.

#include <gdcmReader.h>

#include <filesystem>
#include <memory>
#include <sstream>
#include <string>

namespace dcmflow::dicom {

class gdcm_input {
 public:
  // Points `reader` at the file (or at its renamed copy in memory); call Read() after.
  gdcm_input(const std::filesystem::path& file, gdcm::Reader& reader);
  [[nodiscard]] const std::string& real_syntax() const { return real_syntax_; }  // empty: as GDCM reads it

 private:
  std::unique_ptr<std::istringstream> renamed_;
  std::string real_syntax_;
};

}  // namespace dcmflow::dicom
