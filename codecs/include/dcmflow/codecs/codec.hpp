#pragma once
// The codec contract (after dicom-rs' adapters and CharLS' error model): an encoder turns
// one frame into one fragment and says which attributes the object must adopt; a decoder
// turns one fragment back into a frame. Neither sees a dataset, and neither lets an
// exception out: `encode` and `decode` are the noexcept boundary around each library.

#include <cstddef>
#include <span>
#include <string_view>
#include <system_error>
#include <vector>

#include <dcmflow/codecs/frame_info.hpp>
#include <dcmflow/codecs/transfer_syntax.hpp>

namespace dcmflow::codecs {

// What the object must adopt once its frames are encoded this way (PS3.5 8.2).
struct encoding_effect {
  std::string_view photometric_interpretation;  // empty: unchanged
  bool lossy = false;
  std::string_view lossy_method;  // Lossy Image Compression Method, when lossy
};

class encoder {
 public:
  virtual ~encoder() = default;
  [[nodiscard]] const transfer_syntax& syntax() const noexcept { return *syntax_; }

  // On failure `fragment` is empty; on success it holds exactly the encoded frame.
  [[nodiscard]] std::error_code encode(const frame_info& frame, std::span<const std::byte> pixels,
                                       std::vector<std::byte>& fragment, encoding_effect& effect) const noexcept;

 protected:
  explicit encoder(const transfer_syntax& syntax) noexcept : syntax_(&syntax) {}
  encoder(const encoder&) = default;
  encoder& operator=(const encoder&) = default;
  // May throw (std::bad_alloc, a library's own exceptions): encode() turns that into an error.
  [[nodiscard]] virtual std::error_code encode_frame(const frame_info& frame, std::span<const std::byte> pixels,
                                                     std::vector<std::byte>& fragment,
                                                     encoding_effect& effect) const = 0;

 private:
  const transfer_syntax* syntax_;
};

class decoder {
 public:
  virtual ~decoder() = default;
  [[nodiscard]] const transfer_syntax& syntax() const noexcept { return *syntax_; }

  // Decodes one fragment into `pixels` (frame.bytes() long, laid out as `frame` says:
  // planar or interleaved, colour as RGB). Returns an error for corrupt data and never
  // reads or writes out of bounds, whatever the fragment holds (fuzzed: tests/fuzz) -- but
  // a syntax whose entry says aborts_on_corrupt_input may end the process instead: decode
  // fragments from outside through decode_untrusted() (untrusted.hpp).
  [[nodiscard]] std::error_code decode(std::span<const std::byte> fragment, const frame_info& frame,
                                       std::span<std::byte> pixels) const noexcept;

 protected:
  explicit decoder(const transfer_syntax& syntax) noexcept : syntax_(&syntax) {}
  decoder(const decoder&) = default;
  decoder& operator=(const decoder&) = default;
  [[nodiscard]] virtual std::error_code decode_frame(std::span<const std::byte> fragment, const frame_info& frame,
                                                     std::span<std::byte> pixels) const = 0;

 private:
  const transfer_syntax* syntax_;
};

}  // namespace dcmflow::codecs
