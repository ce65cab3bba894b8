#include "render/thumbnail.hpp"

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
  const auto pixels = image.frame_pixels(index);
  const bool sixteen = image.frame.bits_allocated > 8;
  // vips reads the frame in place: no copy of the page.
  image_ref frame(vips_image_new_from_memory(pixels.data(), pixels.size(), static_cast<int>(image.frame.width),
                                             static_cast<int>(image.frame.height), image.frame.samples_per_pixel,
                                             sixteen ? VIPS_FORMAT_USHORT : VIPS_FORMAT_UCHAR));
  if (frame.image == nullptr) return vips_failure("wrap frame");
  if (sixteen) {
    VipsImage* scaled = nullptr;
    if (vips_scale(frame.image, &scaled, nullptr) != 0) return vips_failure("scale");
    frame = image_ref(scaled);
  }
  VipsImage* small = nullptr;
  if (vips_thumbnail_image(frame.image, &small, max_side, "height", max_side, nullptr) != 0) {
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
