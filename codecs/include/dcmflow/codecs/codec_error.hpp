#pragma once
// Errors of dcmflow's codecs, as std::error_code (the CharLS model): no exception leaves
// a codec. Errors of CharLS itself keep CharLS's own category and message.

#include <system_error>

namespace dcmflow::codecs {

enum class codec_errc {
  unknown_codec = 1,  // no codec has this name
  unsupported_frame,  // this codec cannot carry this bit depth or sample layout
  invalid_parameter,  // a codec option out of range (e.g. jpegls-near:300)
  corrupt_data,       // a fragment that is malformed or truncated
  geometry_mismatch,  // a fragment whose size, components or depth differ from the frame's
  library_failure,    // the underlying library failed for a reason it did not name
  not_built,          // this build of dcmflow left out the library of this codec
};

[[nodiscard]] const std::error_category& codec_category() noexcept;

[[nodiscard]] inline std::error_code make_error_code(codec_errc error) noexcept {
  return {static_cast<int>(error), codec_category()};
}

}  // namespace dcmflow::codecs

template <>
struct std::is_error_code_enum<dcmflow::codecs::codec_errc> : std::true_type {};
