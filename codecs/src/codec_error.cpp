#include <dcmflow/codecs/codec_error.hpp>

#include <string>

namespace dcmflow::codecs {
namespace {

class category final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "dcmflow.codecs"; }
  [[nodiscard]] std::string message(int value) const override {
    switch (static_cast<codec_errc>(value)) {
      case codec_errc::unknown_codec: return "no codec of that name (see dcmflow codecs)";
      case codec_errc::unsupported_frame: return "this codec does not take frames of this bit depth, layout or coding";
      case codec_errc::invalid_parameter: return "codec option out of range";
      case codec_errc::corrupt_data: return "compressed data is corrupt or truncated";
      case codec_errc::geometry_mismatch:
        return "compressed frame does not match the image's size, samples or bit depth";
      case codec_errc::library_failure: return "the codec library failed";
      case codec_errc::not_built: return "unsupported: this dcmflow was built without the library of this codec";
    }
    return "unknown codec error";
  }
};

}  // namespace

const std::error_category& codec_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace dcmflow::codecs
