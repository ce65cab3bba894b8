#pragma once
// The adapters, one per library (after dicom-rs' adapters): a pair of functions, implemented
// in src/<codec>_codec.cpp, that turn a frame into one fragment and back. The table
// (transfer_syntaxes.cpp) wraps them as encoders and decoders; nothing else calls them. A
// library this build leaves out has an empty adapter in unbuilt_backends.cpp.

#include <span>
#include <system_error>
#include <vector>

#include <dcmflow/codecs/codec.hpp>

namespace dcmflow::codecs::adapters {

struct adapter {
  // `option`: the --codec option's value (NEAR, a ratio, a quality), 0 when none was given.
  // May throw: the encoder and decoder interfaces turn what escapes into an error.
  std::error_code (*encode)(const transfer_syntax& syntax, double option, const frame_info& frame,
                            std::span<const std::byte> pixels, std::vector<std::byte>& fragment,
                            encoding_effect& effect) = nullptr;
  std::error_code (*decode)(const transfer_syntax& syntax, std::span<const std::byte> fragment, const frame_info& frame,
                            std::span<std::byte> pixels) = nullptr;
};

extern const adapter native;  // Explicit VR Little Endian, and Deflated (a frame deflated alone: what bench measures)
extern const adapter rle;     // RLE Lossless (PS3.5 Annex G), written here
extern const adapter jpegls;  // JPEG-LS (ISO/IEC 14495-1) through CharLS
extern const adapter j2k;     // JPEG 2000 (ISO/IEC 15444-1) through OpenJPEG
extern const adapter htj2k;   // High-Throughput JPEG 2000 (ISO/IEC 15444-15) through OpenJPH
extern const adapter jpeg;    // JPEG Baseline (ISO/IEC 10918-1, process 1) through libjpeg-turbo

}  // namespace dcmflow::codecs::adapters
