#include "render/thumbnail.hpp"

#include "render/preview.hpp"

#include <vips/vips.h>

#include <string>
#include <utility>

namespace dcmflow::render {
namespace {

// Owns a VipsImage reference.
struct image_ref {
  VipsImage* image = nullptr;
  explicit image_ref(VipsImage* owned = nullptr) : image(owned) {}
  image_ref(image_ref&& other) noexcept : image(std::exchange(other.image, nullptr)) {}
  image_ref& operator=(image_ref&& other) noexcept {
    std::swap(image, other.image);
    return *this;
  }
  image_ref(const image_ref&) = delete;
  image_ref& operator=(const image_ref&) = delete;
  ~image_ref() {
    if (image != nullptr) g_object_unref(image);
  }
};

failure vips_failure(std::string_view doing) {
  char* text = vips_error_buffer_copy();
  std::string message = std::string("thumbnail: ") + std::string(doing) + ": " + (text != nullptr ? text : "");
  g_free(text);
  return failure{std::move(message)};
}

}  // namespace

result<std::vector<std::byte>> thumbnail_png(const raster::raster& image, std::uint32_t index, int max_side) {
  if (index >= image.frame_count) return failure{"thumbnail: no frame " + std::to_string(index + 1)};
  // Through the preview renderer, as `dcmflow preview` shows a frame (no VOI is known yet:
  // the frame's own range).
  dicom::display_source page;
  page.frame = image.frame;
  page.frame_count = 1;
  const auto pixels = image.frame_pixels(index);
  page.pixels.assign(pixels.begin(), pixels.end());
  auto shown = render_frame(page, 0, std::nullopt);
  if (!shown) return shown.error();
  const auto frame = shown->frame_pixels(0);
  image_ref wrapped(vips_image_new_from_memory(frame.data(), frame.size(), static_cast<int>(shown->frame.width),
                                               static_cast<int>(shown->frame.height), shown->frame.samples_per_pixel,
                                               VIPS_FORMAT_UCHAR));
  if (wrapped.image == nullptr) return vips_failure("wrap frame");
  VipsImage* small = nullptr;
  if (vips_thumbnail_image(wrapped.image, &small, max_side, "height", max_side, nullptr) != 0) {
    return vips_failure("resize");
  }
  const image_ref fitted(small);
  void* buffer = nullptr;
  std::size_t size = 0;
  if (vips_pngsave_buffer(fitted.image, &buffer, &size, "compression", 6, nullptr) != 0) {
    return vips_failure("encode");
  }
  const auto* bytes = static_cast<const std::byte*>(buffer);
  std::vector<std::byte> png(bytes, bytes + size);
  g_free(buffer);
  return png;
}

}  // namespace dcmflow::render
