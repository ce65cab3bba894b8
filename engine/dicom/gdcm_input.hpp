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
#include <optional>
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
  [[nodiscard]] std::istream* stream() const { return stream_.get(); }           // null: GDCM opened the file

 private:
  std::unique_ptr<std::istream> stream_;
  std::string real_syntax_;
};

// A file's image read by GDCM and decoded to native pixels (Explicit VR Little Endian):
// where the transcoder's reader and the display reader both start. GDCM's own warnings are
// silenced; what matters comes back as a failure.
//
// Encapsulated pixels are decoded through one table: dcmflow's own decoders (codecs/, the
// ones its fuzzers drive) for every syntax they cover -- RLE, JPEG-LS, JPEG 2000, HTJ2K,
// JPEG baseline -- with one fragment per frame (or a single frame in fragments); GDCM's
// codecs only for the rest (JPEG extended and lossless, other fragment layouts).
class native_image {
 public:
  // false: GDCM reads no image from the file (no DICOM image, or damaged). A failure: the
  // pixel description contradicts itself or the file (pixel_checks.hpp), found before
  // anything it declares is allocated.
  [[nodiscard]] result<bool> read(const std::filesystem::path& file);
  // After read(): the file checked whole (not truncated) and its pixels decoded.
  [[nodiscard]] result<void> decode(const std::filesystem::path& file);

  [[nodiscard]] const gdcm::ImageReader& reader() const { return reader_; }
  [[nodiscard]] const gdcm::Image& decoded() const { return by_codecs_ != nullptr ? *by_codecs_ : decode_.GetOutput(); }

 private:
  // Empty when codecs/ does not cover the file (GDCM decodes it); else what they made of it.
  std::optional<result<void>> decode_with_codecs();

  gdcm::ImageReader reader_;
  std::unique_ptr<gdcm_input> input_;  // the stream reader_ reads from lives as long as it
  gdcm::ImageChangeTransferSyntax decode_;
  // The image as decoded by codecs/. Reference counted: GDCM's filters take references to
  // their input and drop them when done (an image owned any other way is deleted under us).
  gdcm::SmartPointer<gdcm::Image> by_codecs_;
};

}  // namespace dcmflow::dicom
