#include "adapters.hpp"

#include <turbojpeg.h>

#include <cstring>
#include <memory>

#include <dcmflow/codecs/codec_error.hpp>

#include "sample_layout.hpp"

namespace dcmflow::codecs {
namespace {

struct handle_deleter {
  void operator()(void* handle) const { tjDestroy(handle); }
};
using handle_ptr = std::unique_ptr<void, handle_deleter>;

// TurboJPEG wants interleaved samples; planar input is reordered once.
std::span<const std::byte> interleaved(const frame_info& frame, std::span<const std::byte> pixels,
                                       std::vector<std::byte>& scratch) {
  if (frame.samples_per_pixel == 1 || frame.planar == planar_configuration::interleaved) return pixels;
  scratch.resize(frame.bytes());
  detail::change_planar_configuration(frame, pixels, scratch);
  return scratch;
}

std::error_code encode(const transfer_syntax& /*syntax*/, double option, const frame_info& frame,
                       std::span<const std::byte> pixels, std::vector<std::byte>& fragment, encoding_effect& effect) {
  const int quality = static_cast<int>(option);  // 1-100
  // Lossy coding of palette indices would change colours arbitrarily: refused.
  if (!detail::valid_frame(frame) || frame.bits_allocated != 8 || frame.bits_stored != 8 || frame.is_signed ||
      frame.photometric == photometric::palette_color ||
      (frame.samples_per_pixel == 3 && frame.photometric != photometric::rgb) || pixels.size() < frame.bytes()) {
    return codec_errc::unsupported_frame;
  }
  handle_ptr handle(tjInitCompress());
  if (!handle) return codec_errc::library_failure;
  std::vector<std::byte> scratch;
  const std::span<const std::byte> source = interleaved(frame, pixels, scratch);
  const bool grey = frame.samples_per_pixel == 1;
  const int subsampling = grey ? TJSAMP_GRAY : TJSAMP_422;
  const auto width = static_cast<int>(frame.width);
  const auto height = static_cast<int>(frame.height);
  fragment.resize(tjBufSize(width, height, subsampling));
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): byte view
  auto* destination = reinterpret_cast<unsigned char*>(fragment.data());
  unsigned long size = fragment.size();
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
  if (tjCompress2(handle.get(), reinterpret_cast<const unsigned char*>(source.data()), width, 0, height,
                  grey ? TJPF_GRAY : TJPF_RGB, &destination, &size, subsampling, quality,
                  TJFLAG_NOREALLOC | TJFLAG_ACCURATEDCT) != 0) {
    fragment.clear();
    return codec_errc::library_failure;
  }
  fragment.resize(size);
  effect = {};
  if (!grey) effect.photometric_interpretation = "YBR_FULL_422";
  effect.lossy = true;
  effect.lossy_method = "ISO_10918_1";
  return {};
}

std::error_code decode(const transfer_syntax& /*syntax*/, std::span<const std::byte> fragment, const frame_info& frame,
                       std::span<std::byte> pixels) {
  if (!detail::valid_frame(frame) || frame.bits_allocated != 8 || pixels.size() < frame.bytes()) {
    return codec_errc::geometry_mismatch;
  }
  if (fragment.empty()) return codec_errc::corrupt_data;  // libraries take no null buffer
  handle_ptr handle(tjInitDecompress());
  if (!handle) return codec_errc::library_failure;
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): byte view
  const auto* source = reinterpret_cast<const unsigned char*>(fragment.data());
  int width = 0;
  int height = 0;
  int subsampling = 0;
  int colourspace = 0;
  if (tjDecompressHeader3(handle.get(), source, fragment.size(), &width, &height, &subsampling, &colourspace) != 0) {
    return codec_errc::corrupt_data;
  }
  const bool grey = frame.samples_per_pixel == 1;
  if (static_cast<std::uint32_t>(width) != frame.width || static_cast<std::uint32_t>(height) != frame.height ||
      grey != (colourspace == TJCS_GRAY)) {
    return codec_errc::geometry_mismatch;
  }
  const bool planar = !grey && frame.planar == planar_configuration::planar;
  std::vector<std::byte> scratch(planar ? frame.bytes() : 0);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
  auto* destination = reinterpret_cast<unsigned char*>(planar ? scratch.data() : pixels.data());
  // TJFLAG_STOPONWARNING: a truncated stream is an error, not a grey bottom half.
  if (tjDecompress2(handle.get(), source, fragment.size(), destination, width, 0, height, grey ? TJPF_GRAY : TJPF_RGB,
                    TJFLAG_ACCURATEDCT | TJFLAG_STOPONWARNING) != 0) {
    return codec_errc::corrupt_data;
  }
  if (planar) {
    frame_info as_decoded = frame;
    as_decoded.planar = planar_configuration::interleaved;
    detail::change_planar_configuration(as_decoded, scratch, pixels);
  }
  return {};
}

}  // namespace

namespace adapters {

const adapter jpeg{encode, decode};

}  // namespace adapters

}  // namespace dcmflow::codecs
