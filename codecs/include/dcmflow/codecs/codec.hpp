#pragma once
// The codec contract (after dicom-rs' adapters): an encoder turns one frame into one
// fragment and says which attributes the object must adopt; it never sees a dataset.

#include <cstddef>
#include <span>
#include <string_view>
#include <system_error>
#include <vector>

#include <dcmflow/codecs/frame_info.hpp>

namespace dcmflow::codecs {

// How the Pixel Data of a transfer syntax is carried.
enum class pixel_encoding {
  native,        // uncompressed frames one after the other
  deflated,      // native pixels, the whole dataset deflated (1.2.840.10008.1.2.1.99)
  encapsulated,  // one compressed fragment per frame
};

struct codec_description {
  std::string_view name;                 // as given to --codec, without options: "jpegls-near"
  std::string_view transfer_syntax_uid;
  std::string_view transfer_syntax_name;
  pixel_encoding encoding;
  bool lossy;
  std::string_view bit_depths;           // bits stored it accepts, for `dcmflow codecs`
  std::string_view photometric;          // photometric interpretations it accepts
  std::string_view options;              // e.g. ":N (NEAR, 1-255)"; empty when none
  // The library behind the decoder aborts the process on some corrupt input (assertions
  // left on in Debian's build): decode_untrusted() isolates it.
  bool aborts_on_corrupt_input = false;
};

// What the object must adopt once its frames are encoded this way (PS3.5 8.2).
struct encoding_effect {
  std::string_view photometric_interpretation;  // empty: unchanged
  bool lossy = false;
  std::string_view lossy_method;                // Lossy Image Compression Method, when lossy
};

class codec {
 public:
  virtual ~codec() = default;
  [[nodiscard]] virtual const codec_description& description() const noexcept = 0;

  // Appends nothing on failure; on success `fragment` holds exactly the encoded frame.
  [[nodiscard]] virtual std::error_code encode(const frame_info& frame, std::span<const std::byte> pixels,
                                               std::vector<std::byte>& fragment,
                                               encoding_effect& effect) const = 0;

  // Decodes one fragment into `pixels` (frame.bytes() long, laid out as `frame` says:
  // planar or interleaved, colour as RGB). Returns an error for corrupt data and never
  // reads or writes out of bounds, whatever the fragment holds (fuzzed: tests/fuzz) -- but
  // a codec whose description says aborts_on_corrupt_input may end the process instead:
  // decode fragments from outside through decode_untrusted() (untrusted.hpp).
  [[nodiscard]] virtual std::error_code decode(std::span<const std::byte> fragment, const frame_info& frame,
                                               std::span<std::byte> pixels) const = 0;

 protected:
  codec() = default;
  codec(const codec&) = default;
  codec& operator=(const codec&) = default;
};

}  // namespace dcmflow::codecs
