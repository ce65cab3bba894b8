#include "adapters.hpp"

#include <zlib.h>

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

namespace {

// Raw deflate (RFC 1951, no zlib header), as the Deflated syntax uses (PS3.5 A.5).
constexpr int raw_deflate_window = -15;

std::error_code deflate_frame(std::span<const std::byte> in, std::vector<std::byte>& out) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, raw_deflate_window, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return codec_errc::library_failure;
  }
  out.resize(deflateBound(&stream, static_cast<uLong>(in.size())));
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));  // NOLINT: zlib's API is not const
  stream.avail_in = static_cast<uInt>(in.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());  // NOLINT: byte view
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return status == Z_STREAM_END ? std::error_code() : make_error_code(codec_errc::library_failure);
}

std::error_code inflate_frame(std::span<const std::byte> in, std::span<std::byte> out) {
  z_stream stream{};
  if (inflateInit2(&stream, raw_deflate_window) != Z_OK) return codec_errc::library_failure;
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));  // NOLINT: zlib's API is not const
  stream.avail_in = static_cast<uInt>(in.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());  // NOLINT: byte view
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = inflate(&stream, Z_FINISH);
  const bool whole = status == Z_STREAM_END && stream.total_out == out.size();
  inflateEnd(&stream);
  return whole ? std::error_code() : make_error_code(codec_errc::corrupt_data);
}

}  // namespace

// For `none` these are copies. For `deflate` the file writer deflates the whole dataset;
// here a frame is deflated alone, which is what `dcmflow bench` measures for it.
std::error_code native_codec::encode(const frame_info& frame, std::span<const std::byte> pixels,
                                     std::vector<std::byte>& fragment, encoding_effect& effect) const {
  if (!detail::valid_frame(frame) || pixels.size() < frame.bytes()) return codec_errc::unsupported_frame;
  effect = {};
  const auto frame_pixels = pixels.first(frame.bytes());
  if (deflated_) return deflate_frame(frame_pixels, fragment);
  fragment.assign(frame_pixels.begin(), frame_pixels.end());
  return {};
}

std::error_code native_codec::decode(std::span<const std::byte> fragment, const frame_info& frame,
                                     std::span<std::byte> pixels) const {
  if (!detail::valid_frame(frame) || pixels.size() < frame.bytes()) return codec_errc::geometry_mismatch;
  if (deflated_) return inflate_frame(fragment, pixels.first(frame.bytes()));
  if (fragment.size() < frame.bytes()) return codec_errc::corrupt_data;
  std::memcpy(pixels.data(), fragment.data(), frame.bytes());
  return {};
}

}  // namespace dcmflow::codecs
