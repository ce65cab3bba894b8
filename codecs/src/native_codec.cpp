#include "native_codec.hpp"

#include <cstring>

#include <dcmflow/codecs/codec_error.hpp>

#include "sample_layout.hpp"

namespace dcmflow::codecs {

const codec_description& native_codec::description() const noexcept {
  static const codec_description none{
      .name = "none",
      .transfer_syntax_uid = "1.2.840.10008.1.2.1",
      .transfer_syntax_name = "Explicit VR Little Endian",
      .encoding = pixel_encoding::native,
      .lossy = false,
      .bit_depths = "1-16",
      .photometric = "any",
      .options = "",
  };
  static const codec_description deflate{
      .name = "deflate",
      .transfer_syntax_uid = "1.2.840.10008.1.2.1.99",
      .transfer_syntax_name = "Deflated Explicit VR Little Endian",
      .encoding = pixel_encoding::deflated,
      .lossy = false,
      .bit_depths = "1-16",
      .photometric = "any",
      .options = "",
  };
  return deflated_ ? deflate : none;
}

std::error_code native_codec::encode(const frame_info& frame, std::span<const std::byte> pixels,
                                     std::vector<std::byte>& fragment, encoding_effect& effect) const {
  if (!detail::valid_frame(frame) || pixels.size() < frame.bytes()) return codec_errc::unsupported_frame;
  fragment.assign(pixels.begin(), pixels.begin() + static_cast<std::ptrdiff_t>(frame.bytes()));
  effect = {};
  return {};
}

std::error_code native_codec::decode(std::span<const std::byte> fragment, const frame_info& frame,
                                     std::span<std::byte> pixels) const {
  if (!detail::valid_frame(frame) || pixels.size() < frame.bytes()) return codec_errc::geometry_mismatch;
  if (fragment.size() < frame.bytes()) return codec_errc::corrupt_data;
  std::memcpy(pixels.data(), fragment.data(), frame.bytes());
  return {};
}

}  // namespace dcmflow::codecs
