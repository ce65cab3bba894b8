#include "render/preview.hpp"

#include "render/thumbnail.hpp"

#include <vips/vips.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "raster/vips_image.hpp"

namespace dcmflow::render {
namespace {

using raster::image_ref;

failure vips_failure(std::string_view doing) { return failure{std::string(doing) + ": " + raster::take_vips_error()}; }

// A stored sample as the number it means: bits beyond Bits Stored dropped, sign extended.
double sample_value(const codecs::frame_info& frame, std::span<const std::byte> pixels, std::size_t index) {
  std::uint32_t raw = 0;
  if (frame.bits_allocated == 8) {
    raw = std::to_integer<std::uint32_t>(pixels[index]);
  } else {
    std::uint16_t word = 0;
    std::memcpy(&word, pixels.data() + index * 2, 2);
    raw = word;
  }
  const std::uint32_t mask = frame.bits_stored >= 32 ? ~0U : (1U << frame.bits_stored) - 1;
  raw &= mask;
  if (frame.is_signed && (raw & (1U << (frame.bits_stored - 1))) != 0) {
    return static_cast<double>(static_cast<std::int64_t>(raw) - (std::int64_t{1} << frame.bits_stored));
  }
  return raw;
}

// PS3.3 C.11.2.1.2.1, linear VOI function, to 0..255.
std::uint8_t apply_window(double value, const window& w) {
  const double low = w.center - 0.5 - (w.width - 1) / 2;
  const double high = w.center - 0.5 + (w.width - 1) / 2;
  if (value <= low) return 0;
  if (value > high) return 255;
  const double scaled = ((value - (w.center - 0.5)) / (w.width - 1) + 0.5) * 255.0;
  return static_cast<std::uint8_t>(std::clamp(scaled, 0.0, 255.0));
}

// A window spanning [low, high] (both included).
window spanning(double low, double high) { return {(low + high + 1) / 2, std::max(1.0, high - low + 1)}; }

// What a frame without a VOI window of its own is shown with.
// - 8 bits, no rescale: the values as stored (a white page stays white, a dim scan dim).
// - Wider: the 0.5th to 99.5th percentile of the frame's values, so a few extreme pixels
//   (a burnt-in marker, padding) do not squash the rest into one grey.
// - A uniform frame (a blank page): the whole range its bits can hold, so it shows as
//   the level it is (white stays white), never flipped to black by a window of width 1.
window default_window(const codecs::frame_info& frame, const dicom::display_source& source,
                      const std::vector<double>& values) {
  const auto rescaled = [&](double stored) { return stored * source.rescale_slope + source.rescale_intercept; };
  const double bits = frame.bits_stored;
  const double stored_low = frame.is_signed ? -std::exp2(bits - 1) : 0;
  const double stored_high = frame.is_signed ? std::exp2(bits - 1) - 1 : std::exp2(bits) - 1;
  const double full_low = std::min(rescaled(stored_low), rescaled(stored_high));
  const double full_high = std::max(rescaled(stored_low), rescaled(stored_high));
  if (frame.bits_stored <= 8 && !frame.is_signed && source.rescale_slope == 1 && source.rescale_intercept == 0) {
    return spanning(full_low, full_high);
  }
  std::vector<double> sorted = values;
  const auto at = [&](double fraction) {
    const auto index = static_cast<std::size_t>(fraction * static_cast<double>(sorted.size() - 1));
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(index), sorted.end());
    return sorted[index];
  };
  if (sorted.empty()) return spanning(full_low, full_high);
  double low = at(0.005);
  double high = at(0.995);
  if (high <= low) {  // nearly uniform: the true extremes, else the whole range
    low = *std::min_element(sorted.begin(), sorted.end());
    high = *std::max_element(sorted.begin(), sorted.end());
    if (high <= low) return spanning(full_low, full_high);
  }
  return spanning(low, high);
}

image_ref wrap(const raster::raster& picture) {
  const auto frame = picture.frame_pixels(0);
  return image_ref(vips_image_new_from_memory(frame.data(), frame.size(), static_cast<int>(picture.frame.width),
                                              static_cast<int>(picture.frame.height), picture.frame.samples_per_pixel,
                                              VIPS_FORMAT_UCHAR));
}

result<image_ref> fit(image_ref image, std::uint32_t width, std::uint32_t height) {
  if (width == 0 && height == 0) return image;
  VipsImage* out = nullptr;
  const int w = static_cast<int>(width > 0 ? width : 100000);
  const int h = static_cast<int>(height > 0 ? height : 100000);
  if (vips_thumbnail_image(image.get(), &out, w, "height", h, "size", VIPS_SIZE_BOTH, nullptr) != 0) {
    return vips_failure("cannot resize");
  }
  return image_ref(out);
}

result<void> write(VipsImage* image, const std::filesystem::path& file) {
  std::string extension = file.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  int status = 0;
  if (extension == ".png") {
    status = vips_pngsave(image, file.c_str(), "compression", 6, nullptr);
  } else if (extension == ".jpg" || extension == ".jpeg") {
    status = vips_jpegsave(image, file.c_str(), "Q", 90, nullptr);
  } else {
    return failure{file.string() + ": the picture is written as .png or .jpg"};
  }
  if (status != 0) return vips_failure("cannot write " + file.string());
  return {};
}

}  // namespace

result<raster::raster> render_frame(const dicom::display_source& source, std::uint32_t index,
                                    const std::optional<window>& chosen) {
  if (index >= source.frame_count) {
    return failure{"no frame " + std::to_string(index + 1) + " (the object has " + std::to_string(source.frame_count) +
                   ")"};
  }
  const codecs::frame_info& frame = source.frame;
  const auto pixels = source.frame_pixels(index);
  raster::raster picture;
  picture.frame = frame;
  picture.frame.bits_allocated = 8;
  picture.frame.bits_stored = 8;
  picture.frame.is_signed = false;
  picture.frame.photometric =
      frame.samples_per_pixel == 3 ? codecs::photometric::rgb : codecs::photometric::monochrome2;
  picture.frame_count = 1;
  const std::size_t samples = frame.pixel_count() * frame.samples_per_pixel;
  picture.pixels.resize(samples);
  if (frame.samples_per_pixel == 3) {
    // Colour: shown as stored (16-bit colour scaled down to 8 bits).
    const int shift = std::max(0, static_cast<int>(frame.bits_stored) - 8);
    for (std::size_t i = 0; i < samples; ++i) {
      picture.pixels[i] = static_cast<std::byte>(static_cast<std::uint32_t>(sample_value(frame, pixels, i)) >> shift);
    }
    return picture;
  }
  std::vector<double> values(samples);
  for (std::size_t i = 0; i < samples; ++i) {
    values[i] = sample_value(frame, pixels, i) * source.rescale_slope + source.rescale_intercept;
  }
  window shown;
  if (chosen) {
    shown = *chosen;
  } else if (source.window_center && source.window_width) {
    shown = {*source.window_center, *source.window_width};
  } else {
    shown = default_window(frame, source, values);
  }
  shown.width = std::max(1.0, shown.width);
  const bool invert = frame.photometric == codecs::photometric::monochrome1;
  for (std::size_t i = 0; i < samples; ++i) {
    const std::uint8_t grey = apply_window(values[i], shown);
    picture.pixels[i] = static_cast<std::byte>(invert ? 255 - grey : grey);
  }
  return picture;
}

result<void> save_picture(const raster::raster& picture, const std::filesystem::path& file, std::uint32_t width,
                          std::uint32_t height) {
  image_ref image = wrap(picture);
  if (!image) return vips_failure("cannot wrap the picture");
  auto fitted = fit(std::move(image), width, height);
  if (!fitted) return fitted.error();
  return write(fitted->get(), file);
}

result<void> save_sheet(const std::vector<sheet_tile>& tiles, const std::filesystem::path& file, std::uint32_t tile) {
  if (tiles.empty()) return failure{"nothing to put on the sheet"};
  // One white for every call that takes a background (vips arrays are reference counted).
  const double white_rgb[] = {255, 255, 255};
  VipsArrayDouble* white = vips_array_double_new(white_rgb, 3);
  const struct release_white {
    VipsArrayDouble* array;
    ~release_white() { vips_area_unref(VIPS_AREA(array)); }
  } release{white};
  std::vector<image_ref> cells;
  for (const auto& each : tiles) {
    auto fitted = fit(wrap(each.picture), tile, tile);
    if (!fitted) return fitted.error();
    VipsImage* rgb = nullptr;
    if (vips_colourspace(fitted->get(), &rgb, VIPS_INTERPRETATION_sRGB, nullptr) != 0) {
      return vips_failure("cannot convert a tile");
    }
    image_ref picture(rgb);
    // Centred on a white square, the label beneath it.
    VipsImage* square = nullptr;
    if (vips_gravity(picture.get(), &square, VIPS_COMPASS_DIRECTION_CENTRE, static_cast<int>(tile),
                     static_cast<int>(tile), "extend", VIPS_EXTEND_BACKGROUND, "background", white, nullptr) != 0) {
      return vips_failure("cannot place a tile");
    }
    image_ref placed(square);
    VipsImage* text = nullptr;
    if (vips_text(&text, each.label.c_str(), "width", static_cast<int>(tile), "dpi", 96, "font", "sans 9", nullptr) !=
        0) {
      return vips_failure("cannot draw a label");
    }
    image_ref label(text);
    // Text is a one-band mask (255 = ink): black ink on white.
    VipsImage* inverted = nullptr;
    VipsImage* coloured = nullptr;
    VipsImage* sized = nullptr;
    if (vips_invert(label.get(), &inverted, nullptr) != 0) return vips_failure("cannot draw a label");
    image_ref ink(inverted);
    if (vips_colourspace(ink.get(), &coloured, VIPS_INTERPRETATION_sRGB, nullptr) != 0) {
      return vips_failure("cannot draw a label");
    }
    image_ref coloured_ref(coloured);
    if (vips_gravity(coloured_ref.get(), &sized, VIPS_COMPASS_DIRECTION_NORTH_WEST, static_cast<int>(tile), 28,
                     "extend", VIPS_EXTEND_WHITE, nullptr) != 0) {
      return vips_failure("cannot place a label");
    }
    image_ref caption(sized);
    VipsImage* joined = nullptr;
    if (vips_join(placed.get(), caption.get(), &joined, VIPS_DIRECTION_VERTICAL, nullptr) != 0) {
      return vips_failure("cannot label a tile");
    }
    cells.emplace_back(joined);
  }
  std::vector<VipsImage*> array;
  array.reserve(cells.size());
  for (const auto& cell : cells) array.push_back(cell.get());
  const int across = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(cells.size()))));
  VipsImage* sheet = nullptr;
  if (vips_arrayjoin(array.data(), &sheet, static_cast<int>(array.size()), "across", across, "shim", 8, "background",
                     white, nullptr) != 0) {
    return vips_failure("cannot lay out the sheet");
  }
  const image_ref laid_out(sheet);
  return write(laid_out.get(), file);
}

result<std::vector<std::byte>> thumbnail_png(const raster::raster& image, std::uint32_t index, int max_side) {
  if (index >= image.frame_count) return failure{"thumbnail: no frame " + std::to_string(index + 1)};
  // As `dcmflow preview` shows a frame; no VOI is known yet: the default window.
  dicom::display_source page;
  page.frame = image.frame;
  page.frame_count = 1;
  const auto pixels = image.frame_pixels(index);
  page.pixels.assign(pixels.begin(), pixels.end());
  auto shown = render_frame(page, 0, std::nullopt);
  if (!shown) return shown.error();
  auto fitted = fit(wrap(*shown), static_cast<std::uint32_t>(max_side), static_cast<std::uint32_t>(max_side));
  if (!fitted) return fitted.error();
  void* buffer = nullptr;
  std::size_t size = 0;
  if (vips_pngsave_buffer(fitted->get(), &buffer, &size, "compression", 6, nullptr) != 0) {
    return vips_failure("thumbnail: cannot encode");
  }
  const auto* bytes = static_cast<const std::byte*>(buffer);
  std::vector<std::byte> png(bytes, bytes + size);
  g_free(buffer);
  return png;
}

}  // namespace dcmflow::render
