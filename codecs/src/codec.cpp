#include <dcmflow/codecs/codec.hpp>

#include <new>

#include <dcmflow/codecs/codec_error.hpp>

// The noexcept boundary: no exception leaves codecs/. A library's own exceptions are
// caught in its adapter and keep their meaning; what is left here is memory and surprises.
namespace dcmflow::codecs {

std::error_code encoder::encode(const frame_info& frame, std::span<const std::byte> pixels,
                                std::vector<std::byte>& fragment, encoding_effect& effect) const noexcept {
  std::error_code error;
  try {
    error = encode_frame(frame, pixels, fragment, effect);
  } catch (const std::bad_alloc&) {
    error = std::make_error_code(std::errc::not_enough_memory);
  } catch (...) {
    error = codec_errc::library_failure;
  }
  if (error) fragment.clear();
  return error;
}

std::error_code decoder::decode(std::span<const std::byte> fragment, const frame_info& frame,
                                std::span<std::byte> pixels) const noexcept {
  try {
    return decode_frame(fragment, frame, pixels);
  } catch (const std::bad_alloc&) {
    return std::make_error_code(std::errc::not_enough_memory);
  } catch (...) {
    return codec_errc::library_failure;
  }
}

bool backend_built(backend library) noexcept {
  // NOLINTBEGIN(bugprone-branch-clone): each case reads its own build option, alike only in this build
  switch (library) {
    case backend::dcmflow:
    case backend::zlib: return true;
    case backend::charls: return DCMFLOW_WITH_CHARLS != 0;
    case backend::openjpeg: return DCMFLOW_WITH_OPENJPEG != 0;
    case backend::openjph: return DCMFLOW_WITH_OPENJPH != 0;
    case backend::libjpeg_turbo: return DCMFLOW_WITH_LIBJPEG_TURBO != 0;
  }
  // NOLINTEND(bugprone-branch-clone)
  return false;
}

}  // namespace dcmflow::codecs
