#include "adapters.hpp"

#include <memory>

#include <zlib.h>

#include <cstring>

#include <dcmflow/codecs/codec_error.hpp>

#include "sample_layout.hpp"

namespace dcmflow::codecs {
namespace {

// Raw deflate (RFC 1951, no zlib header), as the Deflated syntax uses (PS3.5 A.5).
constexpr int raw_deflate_window = -15;

std::error_code deflate_frame(std::span<const std::byte> in, std::vector<std::byte>& out) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, raw_deflate_window, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return codec_errc::library_failure;
  }
  out.resize(deflateBound(&stream, static_cast<uLong>(in.size())));
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast,cppcoreguidelines-pro-type-const-cast):
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));
  // zlib's API is not const
  stream.avail_in = static_cast<uInt>(in.size());
  stream.next_out =
      reinterpret_cast<Bytef*>(out.data());  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): byte view
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return status == Z_STREAM_END ? std::error_code() : make_error_code(codec_errc::library_failure);
}

std::error_code inflate_frame(std::span<const std::byte> in, std::span<std::byte> out) {
  z_stream stream{};
  if (inflateInit2(&stream, raw_deflate_window) != Z_OK) return codec_errc::library_failure;
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast,cppcoreguidelines-pro-type-const-cast):
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));
  // zlib's API is not const
  stream.avail_in = static_cast<uInt>(in.size());
  stream.next_out =
      reinterpret_cast<Bytef*>(out.data());  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): byte view
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = inflate(&stream, Z_FINISH);
  const bool whole = status == Z_STREAM_END && stream.total_out == out.size();
  inflateEnd(&stream);
  return whole ? std::error_code() : make_error_code(codec_errc::corrupt_data);
}

// For `none` these are copies. For `deflate` the file writer deflates the whole dataset;
// here a frame is deflated alone, which is what `dcmflow bench` measures for it.
std::error_code encode(const transfer_syntax& syntax, double /*option*/, const frame_info& frame,
                       std::span<const std::byte> pixels, std::vector<std::byte>& fragment, encoding_effect& effect) {
  if (!detail::valid_frame(frame) || pixels.size() < frame.bytes()) return codec_errc::unsupported_frame;
  effect = {};
  const auto frame_pixels = pixels.first(frame.bytes());
  if (syntax.encoding == pixel_encoding::deflated) return deflate_frame(frame_pixels, fragment);
  fragment.assign(frame_pixels.begin(), frame_pixels.end());
  return {};
}

std::error_code decode(const transfer_syntax& syntax, std::span<const std::byte> fragment, const frame_info& frame,
                       std::span<std::byte> pixels) {
  if (!detail::valid_frame(frame) || pixels.size() < frame.bytes()) return codec_errc::geometry_mismatch;
  if (syntax.encoding == pixel_encoding::deflated) return inflate_frame(fragment, pixels.first(frame.bytes()));
  if (fragment.size() < frame.bytes()) return codec_errc::corrupt_data;
  std::memcpy(pixels.data(), fragment.data(), frame.bytes());
  return {};
}

}  // namespace

namespace adapters {

const adapter native{encode, decode};

}  // namespace adapters

}  // namespace dcmflow::codecs
