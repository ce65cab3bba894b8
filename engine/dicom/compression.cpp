// instance::compress: frames through a codec, and the attributes the codec's output needs.

#include <gdcmDataElement.h>

#include <cstdio>
#include <string>

#include "dicom/element.hpp"
#include "dicom/instance.hpp"
#include "dicom/instance_impl.hpp"

namespace dcmflow::dicom {
namespace {

// Adds one more step to the object's lossy history (values are multi-valued, oldest first).
void record_lossy_step(gdcm::DataSet& dataset, double ratio, std::string_view method) {
  constexpr tag lossy{0x0028, 0x2110};
  constexpr tag ratio_tag{0x0028, 0x2112};
  constexpr tag method_tag{0x0028, 0x2114};
  char ratio_text[17];
  std::snprintf(ratio_text, sizeof ratio_text, "%.4g", ratio);  // DS: 16 characters at most
  std::string ratios = get_text(dataset, ratio_tag);
  std::string methods = get_text(dataset, method_tag);
  ratios += (ratios.empty() ? "" : "\\") + std::string(ratio_text);
  methods += (methods.empty() ? "" : "\\") + std::string(method);
  set_text(dataset, lossy, "CS", "01");
  set_text(dataset, ratio_tag, "DS", ratios);
  set_text(dataset, method_tag, "CS", methods);
}

}  // namespace

result<void> instance::compress(const codecs::encoder& codec) {
  impl& state = *impl_;
  const codecs::transfer_syntax& syntax = codec.syntax();
  if (state.encoding != codecs::pixel_encoding::native) {
    return failure{"internal error: pixels are already compressed"};
  }
  if (!state.has_pixels) {
    // No pixels to compress: a deflated dataset still applies, anything else stays native.
    if (syntax.encoding == codecs::pixel_encoding::deflated) {
      state.transfer_syntax_uid = std::string(syntax.uid);
      state.encoding = syntax.encoding;
    }
    return {};
  }
  state.transfer_syntax_uid = std::string(syntax.uid);
  state.encoding = syntax.encoding;
  if (syntax.encoding != codecs::pixel_encoding::encapsulated) return {};  // native or deflated dataset

  const std::size_t frame_bytes = state.frame.bytes();
  std::vector<std::vector<std::byte>> fragments(state.frame_count);
  codecs::encoding_effect effect;
  std::size_t compressed = 0;
  for (std::uint32_t index = 0; index < state.frame_count; ++index) {
    const auto pixels = std::span(state.native_pixels).subspan(index * frame_bytes, frame_bytes);
    if (const std::error_code error = codec.encode(state.frame, pixels, fragments[index], effect)) {
      state.transfer_syntax_uid = std::string(explicit_vr_little_endian);
      state.encoding = codecs::pixel_encoding::native;
      return failure{"cannot compress with " + std::string(syntax.codec) + ": " + error.message()};
    }
    compressed += fragments[index].size();
  }

  gdcm::DataSet& dataset = state.file->GetDataSet();
  if (!effect.photometric_interpretation.empty()) {
    set_text(dataset, {0x0028, 0x0004}, "CS", effect.photometric_interpretation);
  }
  if (state.frame.samples_per_pixel > 1) {
    // Encapsulated colour is described as interleaved (PS3.5 8.2: the codestream decides).
    set_us(dataset, {0x0028, 0x0006}, 0);
  }
  if (effect.lossy) {
    const double ratio = static_cast<double>(frame_bytes * state.frame_count) / static_cast<double>(compressed);
    record_lossy_step(dataset, ratio, effect.lossy_method);
  }
  state.fragments = std::move(fragments);
  state.native_pixels.clear();
  state.native_pixels.shrink_to_fit();
  return {};
}

}  // namespace dcmflow::dicom
