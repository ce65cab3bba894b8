#pragma once
// Private to dicom/: files handed to GDCM's readers. GDCM 3.0 predates HTJ2K and refuses a
// file whose meta names it, although the dataset is encoded exactly as for JPEG 2000
// (explicit VR little endian, encapsulated). Such a file is read from memory with its meta
// naming the JPEG 2000 twin; `real_syntax` keeps the truth, and OpenJPEG (2.5, which reads
// HTJ2K codestreams) decodes the frames behind GDCM.

#include <gdcmImageChangeTransferSyntax.h>
#include <gdcmImageReader.h>
#include <gdcmReader.h>

#include <filesystem>
#include <memory>
#include <sstream>
#include <string>

#include "core/result.hpp"

namespace dcmflow::dicom {

class gdcm_input {
 public:
  // Points `reader` at the file (or at its renamed copy in memory); call Read() after.
  // `shared_stream`: through a stream of ours even for a plain file, to read on from where
  // GDCM stopped (stream()).
  gdcm_input(const std::filesystem::path& file, gdcm::Reader& reader, bool shared_stream = false);
  [[nodiscard]] const std::string& real_syntax() const { return real_syntax_; }  // empty: as GDCM reads it
  [[nodiscard]] std::istream* stream() const { return stream_.get(); }  // null: GDCM opened the file

 private:
  std::unique_ptr<std::istream> stream_;
  std::string real_syntax_;
};

// A file's image read by GDCM and decoded to native pixels (Explicit VR Little Endian):
// where the transcoder's reader and the display reader both start. GDCM's own warnings are
// silenced; what matters comes back as a failure.
class native_image {
 public:
  // false: GDCM reads no image from the file (no DICOM image, or damaged). A failure: the
  // pixel description contradicts itself or the file (pixel_checks.hpp), found before
  // anything it declares is allocated.
  [[nodiscard]] result<bool> read(const std::filesystem::path& file);
  // After read(): the file checked whole (not truncated) and its pixels decoded.
  [[nodiscard]] result<void> decode(const std::filesystem::path& file);

  [[nodiscard]] const gdcm::ImageReader& reader() const { return reader_; }
  [[nodiscard]] const gdcm::Image& decoded() const { return decode_.GetOutput(); }

 private:
  gdcm::ImageReader reader_;
  std::unique_ptr<gdcm_input> input_;  // the stream reader_ reads from lives as long as it
  gdcm::ImageChangeTransferSyntax decode_;
};

}  // namespace dcmflow::dicom
