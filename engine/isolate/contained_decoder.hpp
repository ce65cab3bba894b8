#pragma once
// Bytes from outside decoded where they can only hurt themselves: every DICOM dataset and
// its pixels, every image and every PDF page is read by a dcmflow-decode-worker, a helper
// process with an address-space limit, a CPU limit and a deadline. A file that crashes a
// library (GDCM and OpenJPEG assert), spins or floods memory fails its own item, with the
// signal and the step it happened in ("the decoder was killed by SIGABRT while decoding
// the image (libvips)"); the helper is started afresh for the next file. What a library
// printed while it decoded comes back with the item, never on our terminal.
//
// The helpers are kept warm (one per thread that decodes at once): a start costs ~30 ms.
// A helper that failed a file, even cleanly, is not reused: the library that refused it
// may have left state behind (GDCM leaks a JPEG 2000 decoder per damaged codestream).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "core/result.hpp"
#include "core/slots.hpp"
#include "dicom/display.hpp"
#include "dicom/instance.hpp"
#include "dicom/validation.hpp"
#include "isolate/decode_protocol.hpp"
#include "isolate/helper_process.hpp"
#include "office/document_inspection.hpp"
#include "raster/image_loader.hpp"

namespace dcmflow::isolate {

struct decode_limits {
  // Address space of each helper. Decoding an image within the 4 GiB pixel budget needs
  // the file, the decoded pixels and a library's copy of them.
  std::uint64_t memory_bytes = 12ULL << 30;
  std::chrono::seconds time{600};     // per file: wall clock, and as much CPU
  office::document_limits documents;  // Office documents, before LibreOffice sees them
  std::size_t helpers = 0;            // 0: one per core
  std::filesystem::path program;      // empty: dcmflow-decode-worker beside this program
};

class contained_decoder {
 public:
  explicit contained_decoder(decode_limits limits = {});
  ~contained_decoder();
  contained_decoder(const contained_decoder&) = delete;
  contained_decoder& operator=(const contained_decoder&) = delete;

  // As raster::probe_image, load_image and dicom::read_decoded, in a helper. Thread-safe;
  // blocks while every helper is busy.
  [[nodiscard]] result<raster::image_probe> probe_image(const std::filesystem::path& file,
                                                        const raster::load_options& options);
  [[nodiscard]] result<std::vector<raster::raster>> load_image(const std::filesystem::path& file,
                                                               const raster::load_options& options);
  [[nodiscard]] result<dicom::instance> read_decoded(const std::filesystem::path& file);
  // As dicom::read_for_display and dicom::validate_file (a file that kills the helper is
  // reported unreadable, with how).
  [[nodiscard]] result<dicom::display_source> read_for_display(const std::filesystem::path& file);
  [[nodiscard]] dicom::validation_report validate_file(const std::filesystem::path& file);
  // As office::inspect_document, with the limits given at construction.
  [[nodiscard]] result<void> inspect_document(const std::filesystem::path& file);

  [[nodiscard]] const decode_limits& limits() const { return limits_; }

 private:
  class payload;
  // Sends `request` to a free helper and hands the result's header and payload to `parse`;
  // what the helper printed meanwhile is left in `messages`.
  result<void> exchange(const decode_request& request,
                        const std::function<result<void>(wire_reader& header, payload& pixels)>& parse,
                        std::vector<std::string>& messages);

  decode_limits limits_;
  std::vector<std::unique_ptr<helper_process>> helpers_;
  slots free_;  // which helper is free
};

}  // namespace dcmflow::isolate
