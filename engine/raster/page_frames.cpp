#include "raster/page_frames.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

#include "raster/alpha.hpp"

namespace dcmflow::raster {
namespace {

// Reasons inside raster/ are bare; load_image() prefixes them once.
failure reason(std::string why) { return failure{std::move(why)}; }

// Converts one page to the raster's common model: 8-bit sRGB, or grey of the chosen depth.
result<image_ref> to_common_model(image_ref page, const page_shape& shape, bool rgb, bool sixteen_bit) {
  if (rgb && (!shape.colour || shape.needs_colour_conversion)) {
    return apply([&](VipsImage** out) { return vips_colourspace(page.get(), out, VIPS_INTERPRETATION_sRGB, nullptr); });
  }
  if (!rgb && sixteen_bit && !shape.sixteen_bit) {
    return apply(
        [&](VipsImage** out) { return vips_colourspace(page.get(), out, VIPS_INTERPRETATION_GREY16, nullptr); });
  }
  return page;
}

result<void> decode_into(VipsImage* image, std::span<std::byte> frame, bool alpha, const codecs::frame_info& info) {
  if (!alpha) {
    // Decode straight into the raster: no intermediate buffer.
    image_ref target(vips_image_new_from_memory(frame.data(), frame.size(), static_cast<int>(info.width),
                                                static_cast<int>(info.height), info.samples_per_pixel,
                                                info.bits_allocated == 16 ? VIPS_FORMAT_USHORT : VIPS_FORMAT_UCHAR));
    if (!target || vips_image_write(image, target.get()) != 0) return reason(take_vips_error());
    return {};
  }
  std::size_t size = 0;
  void* with_alpha = vips_image_write_to_memory(image, &size);
  if (with_alpha == nullptr) return reason(take_vips_error());
  flatten_onto_white(std::span(static_cast<const std::byte*>(with_alpha), size), frame, info.samples_per_pixel,
                     info.bytes_per_sample());
  g_free(with_alpha);
  return {};
}

// A rendered page: 8-bit RGBA whose alpha is 255 everywhere (poppler paints onto white).
// Dropping alpha strip by strip here, instead of through vips_extract_band, which copies
// byte by byte and took as long as the rendering itself (perf, 200-dpi report pages).
// Any other layout goes the general way (decode_into), which flattens alpha.
result<void> decode_rendered_into(VipsImage* image, std::span<std::byte> frame, const codecs::frame_info& info) {
  const int width = vips_image_get_width(image);
  const int height = vips_image_get_height(image);
  const bool opaque_rgba_page = vips_image_get_bands(image) == 4 && vips_image_get_format(image) == VIPS_FORMAT_UCHAR &&
                                info.samples_per_pixel == 3 && info.bits_allocated == 8 &&
                                static_cast<std::uint32_t>(width) == info.width &&
                                static_cast<std::uint32_t>(height) == info.height &&
                                frame.size() == static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3;
  if (!opaque_rgba_page) return decode_into(image, frame, true, info);
  // Strips tall enough that poppler, which re-reads the page for each strip, runs few times.
  constexpr int strip_rows = 256;
  VipsRegion* region = vips_region_new(image);
  if (region == nullptr) return reason(take_vips_error());
  auto* out =
      reinterpret_cast<std::uint8_t*>(frame.data());  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): byte view
  for (int top = 0; top < height; top += strip_rows) {
    VipsRect strip{0, top, width, std::min(strip_rows, height - top)};
    if (vips_region_prepare(region, &strip) != 0) {
      g_object_unref(region);
      return reason(take_vips_error());
    }
    for (int y = strip.top; y < strip.top + strip.height; ++y) {
      // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
      const auto* in = reinterpret_cast<const std::uint8_t*>(VIPS_REGION_ADDR(region, 0, y));
      std::uint8_t* row = out + static_cast<std::size_t>(y) * static_cast<std::size_t>(width) * 3;
      // Four bytes a pixel, the fourth overwritten by the next pixel: one load and one
      // store instead of three of each. The last pixel takes its three bytes alone.
      const auto columns = static_cast<std::size_t>(width);
      for (std::size_t x = 0; x + 1 < columns; ++x) std::memcpy(row + 3 * x, in + 4 * x, 4);
      std::memcpy(row + 3 * (columns - 1), in + 4 * (columns - 1), 3);
    }
  }
  g_object_unref(region);
  return {};
}

}  // namespace

result<page_shape> describe(VipsImage* image) {
  const VipsBandFormat format = vips_image_get_format(image);
  if (format != VIPS_FORMAT_UCHAR && format != VIPS_FORMAT_USHORT) {
    return reason(std::string("unsupported sample format ") + vips_enum_nick(VIPS_TYPE_BAND_FORMAT, format) +
                  " (only 8- and 16-bit unsigned samples)");
  }
  page_shape shape;
  shape.colour_bands = vips_image_get_bands(image) - (vips_image_hasalpha(image) != 0 ? 1 : 0);
  shape.sixteen_bit = format == VIPS_FORMAT_USHORT;
  shape.colour = shape.colour_bands != 1;
  const VipsInterpretation interpretation = vips_image_get_interpretation(image);
  shape.needs_colour_conversion =
      shape.colour && (shape.colour_bands != 3 || shape.sixteen_bit ||
                       (interpretation != VIPS_INTERPRETATION_sRGB && interpretation != VIPS_INTERPRETATION_RGB));
  return shape;
}

common_model choose_model(std::span<const page_shape> shapes) {
  const auto any = [&](auto predicate) { return std::any_of(shapes.begin(), shapes.end(), predicate); };
  const bool rgb = any([](const page_shape& s) { return s.colour; });
  return {rgb, !rgb && any([](const page_shape& s) { return s.sixteen_bit; })};
}

std::vector<std::string> model_notes(std::span<const page_shape> shapes, common_model model) {
  std::vector<std::string> notes;
  const auto any = [&](auto predicate) { return std::any_of(shapes.begin(), shapes.end(), predicate); };
  if (model.rgb && any([](const page_shape& s) { return s.sixteen_bit; })) {
    notes.emplace_back("16-bit colour reduced to 8 bits per sample (DICOM colour secondary capture is 8-bit)");
  }
  if (model.sixteen_bit && any([](const page_shape& s) { return !s.sixteen_bit; })) {
    notes.emplace_back("8-bit pages scaled to 16 bits to match the other pages");
  }
  return notes;
}

// Decodes consecutive pages of one size as the frames of one raster. `first_page` numbers
// the pages in messages; 0 for an image that has no pages.
// `rendered`: pages poppler rendered onto its opaque white background, whose alpha band is
// 255 everywhere: dropped, not flattened, so the page decodes straight into the raster.
result<raster> decode_frames(std::span<image_ref> pages, std::span<const page_shape> shapes, common_model model,
                             const load_options& options, std::size_t first_page, bool rendered) {
  raster out;
  out.frame.width = static_cast<std::uint32_t>(vips_image_get_width(pages[0].get()));
  out.frame.height = static_cast<std::uint32_t>(vips_image_get_height(pages[0].get()));
  out.frame.samples_per_pixel = model.rgb ? 3 : 1;
  out.frame.photometric = model.rgb ? codecs::photometric::rgb : codecs::photometric::monochrome2;
  out.frame.bits_allocated = model.sixteen_bit ? 16 : 8;
  out.frame.bits_stored = out.frame.bits_allocated;
  out.frame_count = static_cast<std::uint32_t>(pages.size());

  const std::uint64_t total = static_cast<std::uint64_t>(out.frame.bytes()) * out.frame_count;
  if (total == 0 || total > options.max_pixel_bytes) {
    if (out.frame_count > 1) {
      // A long document, not a large picture: say which, and what would fit.
      return reason("too many pages for one object: " + std::to_string(out.frame_count) + " pages of " +
                    std::to_string(out.frame.width) + "x" + std::to_string(out.frame.height) +
                    (model.rgb ? " in colour" : "") + " make " + std::to_string(total) + " bytes of pixels, over the " +
                    std::to_string(options.max_pixel_bytes) +
                    " one object holds (a lower --dpi or --frames-per-instance would fit)");
    }
    return reason("image too large: " + std::to_string(total) + " bytes of pixels (limit " +
                  std::to_string(options.max_pixel_bytes) + ")");
  }
  // Rendered pages come in colour whatever they show. Unless --color rgb, each is made grey
  // as it is decoded while every page so far is grey (or always, --color gray), so a grey
  // document never holds its pages in colour; the first colour page turns the frames so far
  // back into RGB, exactly.
  const bool greying = rendered && model.rgb && !model.sixteen_bit && options.colour != colour_mode::rgb;
  std::vector<std::byte> page_rgb;
  if (greying) {
    page_rgb.resize(out.frame.bytes());
    out.frame.samples_per_pixel = 1;
    out.frame.photometric = codecs::photometric::monochrome2;
  }
  out.pixels.resize(static_cast<std::size_t>(out.frame.bytes()) * out.frame_count);

  for (std::size_t index = 0; index < pages.size(); ++index) {
    const std::string where = first_page == 0 ? std::string() : "page " + std::to_string(first_page + index) + ": ";
    auto common = to_common_model(std::move(pages[index]), shapes[index], model.rgb, model.sixteen_bit);
    if (!common) return reason(where + common.error().message);
    const bool alpha = vips_image_hasalpha(common->get()) != 0;
    const bool grey_so_far = out.frame.samples_per_pixel == 1 && greying;
    codecs::frame_info decoded_as = out.frame;
    decoded_as.samples_per_pixel = grey_so_far ? 3 : out.frame.samples_per_pixel;
    decoded_as.photometric = grey_so_far ? codecs::photometric::rgb : out.frame.photometric;
    auto frame =
        grey_so_far ? std::span(page_rgb) : std::span(out.pixels).subspan(index * out.frame.bytes(), out.frame.bytes());
    auto decoded = alpha && rendered ? decode_rendered_into(common->get(), frame, decoded_as)
                                     : decode_into(common->get(), frame, alpha, decoded_as);
    if (!decoded) return reason(where + decoded.error().message);
    if (!grey_so_far) continue;
    const bool grey_page = is_grey_rgb(page_rgb);
    if (grey_page || options.colour == colour_mode::grey) {
      const std::string note = "colour page rendered in grey (--color gray)";
      if (!grey_page && std::find(out.notes.begin(), out.notes.end(), note) == out.notes.end())
        out.notes.push_back(note);
      grey_of(page_rgb, std::span(out.pixels).subspan(index * out.frame.bytes(), out.frame.bytes()));
      continue;
    }
    // A colour page: this raster is RGB after all.
    std::vector<std::byte> rgb(static_cast<std::size_t>(decoded_as.bytes()) * out.frame_count);
    for (std::size_t done = 0; done < index; ++done) {
      rgb_of(std::span(out.pixels).subspan(done * out.frame.bytes(), out.frame.bytes()),
             std::span(rgb).subspan(done * decoded_as.bytes(), decoded_as.bytes()));
    }
    std::copy(page_rgb.begin(), page_rgb.end(), rgb.begin() + static_cast<std::ptrdiff_t>(index * decoded_as.bytes()));
    out.pixels = std::move(rgb);
    out.frame = decoded_as;
  }
  return out;
}

}  // namespace dcmflow::raster
