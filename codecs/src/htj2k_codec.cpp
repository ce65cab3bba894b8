#include "adapters.hpp"

#include <memory>

#include <openjph/ojph_arch.h>
#include <openjph/ojph_codestream.h>
#include <openjph/ojph_file.h>
#include <openjph/ojph_mem.h>
#include <openjph/ojph_message.h>
#include <openjph/ojph_params.h>

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <dcmflow/codecs/codec_error.hpp>

#include "sample_layout.hpp"

namespace dcmflow::codecs {
namespace {

// OpenJPH prints its messages to stderr, and throws after printing an error; keep the
// throw, drop the printing. (Its base classes have non-virtual destructors; these are
// statics, never deleted through a base pointer.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
// NOLINTNEXTLINE(cppcoreguidelines-virtual-class-destructor): statics
class throwing_error final : public ojph::message_error {
 public:
  void operator()(int, const char*, int, const char* format, ...) override {
    char text[256];
    va_list args;
    va_start(args, format);
    std::vsnprintf(text, sizeof text, format, args);
    va_end(args);
    throw std::runtime_error(text);
  }
};
// NOLINTNEXTLINE(cppcoreguidelines-virtual-class-destructor): statics
class quiet_warning final : public ojph::message_warning {
 public:
  void operator()(int, const char*, int, const char*, ...) override {}
};
class quiet_info final : public ojph::message_info {  // NOLINT(cppcoreguidelines-virtual-class-destructor): statics
 public:
  void operator()(int, const char*, int, const char*, ...) override {}
};
#pragma GCC diagnostic pop

void install_quiet_handlers() {
  static throwing_error error;
  static quiet_warning warning;
  static quiet_info info;
  static const bool installed = [] {
    ojph::configure_error(&error);
    ojph::configure_warning(&warning);
    ojph::configure_info(&info);
    return true;
  }();
  (void)installed;
}

std::error_code encode_once(const frame_info& frame, std::span<const std::byte> pixels, bool reversible,
                            float quantization_step, std::vector<std::byte>& fragment) {
  const ojph::ui32 components = frame.samples_per_pixel;
  ojph::codestream codestream;
  ojph::param_siz size = codestream.access_siz();
  size.set_image_extent(ojph::point(frame.width, frame.height));
  size.set_num_components(components);
  for (ojph::ui32 c = 0; c < components; ++c) {
    size.set_component(c, ojph::point(1, 1), frame.bits_stored, frame.is_signed);
  }
  ojph::param_cod coding = codestream.access_cod();
  coding.set_num_decomposition(detail::fitting_decompositions(frame, 5));
  coding.set_block_dims(64, 64);
  coding.set_progression_order("RPCL");
  coding.set_color_transform(components == 3 && frame.photometric == photometric::rgb);
  coding.set_reversible(reversible);
  if (!reversible) codestream.access_qcd().set_irrev_quant(quantization_step);
  codestream.set_planar(false);  // lines arrive component by component within each row

  ojph::mem_outfile output;
  output.open(frame.bytes() / 2 + 4096);
  codestream.write_headers(&output);
  ojph::ui32 component = 0;
  ojph::line_buf* line = codestream.exchange(nullptr, component);
  for (std::size_t y = 0; y < frame.height; ++y) {
    for (ojph::ui32 c = 0; c < components; ++c) {
      const std::size_t row = y * frame.width;
      for (std::size_t x = 0; x < frame.width; ++x) {
        line->i32[x] = detail::read_sample(frame, pixels.data(), detail::sample_index(frame, component, row + x));
      }
      line = codestream.exchange(line, component);
    }
  }
  codestream.flush();
  const auto written = static_cast<std::size_t>(output.tell());
  fragment.resize(written);
  std::memcpy(fragment.data(), output.get_data(), written);
  codestream.close();
  return {};
}

std::error_code encode(const transfer_syntax& /*syntax*/, double ratio, const frame_info& frame,
                       std::span<const std::byte> pixels, std::vector<std::byte>& fragment, encoding_effect& effect) {
  if (!detail::valid_frame(frame) || pixels.size() < frame.bytes() ||
      (frame.samples_per_pixel == 3 && frame.photometric != photometric::rgb)) {
    return codec_errc::unsupported_frame;
  }
  install_quiet_handlers();
  try {
    if (ratio <= 0) {
      if (auto error = encode_once(frame, pixels, true, 0, fragment)) return error;
    } else {
      // OpenJPH has no rate control: search the quantisation step whose output comes
      // closest to the wanted size (the size falls as the step grows).
      const double wanted = static_cast<double>(frame.bytes()) / ratio;
      double low = std::log(1e-5);
      double high = std::log(1.0);
      std::vector<std::byte> candidate;
      double best_distance = INFINITY;
      for (int step = 0; step < 12; ++step) {
        const double middle = (low + high) / 2;
        if (auto error = encode_once(frame, pixels, false, static_cast<float>(std::exp(middle)), candidate))
          return error;
        const double size = static_cast<double>(candidate.size());
        const double distance = std::abs(size - wanted);
        if (distance < best_distance) {
          best_distance = distance;
          fragment.swap(candidate);
        }
        if (distance < wanted * 0.02) break;
        (size > wanted ? low : high) = middle;
      }
    }
  } catch (const std::exception&) {
    fragment.clear();
    return codec_errc::library_failure;
  }
  effect = {};
  if (frame.samples_per_pixel == 3) effect.photometric_interpretation = ratio > 0 ? "YBR_ICT" : "YBR_RCT";
  if (ratio > 0) {
    effect.lossy = true;
    effect.lossy_method = "ISO_15444_15";
  }
  return {};
}

std::error_code decode(const transfer_syntax& /*syntax*/, std::span<const std::byte> fragment, const frame_info& frame,
                       std::span<std::byte> pixels) {
  if (!detail::valid_frame(frame) || pixels.size() < frame.bytes()) return codec_errc::geometry_mismatch;
  if (fragment.empty()) return codec_errc::corrupt_data;
  install_quiet_handlers();
  try {
    ojph::mem_infile input;
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): byte view
    input.open(reinterpret_cast<const ojph::ui8*>(fragment.data()), fragment.size());
    ojph::codestream codestream;
    codestream.enable_resilience();
    codestream.read_headers(&input);
    ojph::param_siz size = codestream.access_siz();
    const ojph::point extent = size.get_image_extent();
    const ojph::point offset = size.get_image_offset();
    if (extent.x - offset.x != frame.width || extent.y - offset.y != frame.height ||
        size.get_num_components() != frame.samples_per_pixel) {
      return codec_errc::geometry_mismatch;
    }
    for (ojph::ui32 c = 0; c < frame.samples_per_pixel; ++c) {
      const ojph::point sampling = size.get_downsampling(c);
      if (sampling.x != 1 || sampling.y != 1 || size.get_bit_depth(c) > frame.bits_allocated) {
        return codec_errc::geometry_mismatch;
      }
    }
    codestream.set_planar(false);
    codestream.create();
    for (std::size_t y = 0; y < frame.height; ++y) {
      for (std::size_t c = 0; c < frame.samples_per_pixel; ++c) {
        ojph::ui32 component = 0;
        const ojph::line_buf* line = codestream.pull(component);
        if (line == nullptr || component >= frame.samples_per_pixel || line->size < frame.width) {
          return codec_errc::corrupt_data;
        }
        const std::size_t row = y * frame.width;
        for (std::size_t x = 0; x < frame.width; ++x) {
          detail::write_sample(frame, pixels.data(), detail::sample_index(frame, component, row + x), line->i32[x]);
        }
      }
    }
    codestream.close();
  } catch (const std::exception&) {
    return codec_errc::corrupt_data;
  }
  return {};
}

}  // namespace

namespace adapters {

const adapter htj2k{encode, decode};

}  // namespace adapters

}  // namespace dcmflow::codecs
