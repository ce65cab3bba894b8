#pragma once
// libvips plumbing shared by raster/'s loaders (not for other modules: they speak rasters):
// one owned reference to an image, libvips' error buffer read as a reason, an operation
// that makes an image turned into a result.

#include <vips/vips.h>

#include <string>
#include <utility>

#include "core/result.hpp"

namespace dcmflow::raster {

// Owns one reference to a VipsImage.
class image_ref {
 public:
  image_ref() = default;
  explicit image_ref(VipsImage* image) : image_(image) {}
  image_ref(image_ref&& other) noexcept : image_(std::exchange(other.image_, nullptr)) {}
  image_ref& operator=(image_ref&& other) noexcept {
    std::swap(image_, other.image_);
    return *this;
  }
  image_ref(const image_ref&) = delete;
  image_ref& operator=(const image_ref&) = delete;
  ~image_ref() {
    if (image_ != nullptr) g_object_unref(image_);
  }
  [[nodiscard]] VipsImage* get() const { return image_; }
  explicit operator bool() const { return image_ != nullptr; }

 private:
  VipsImage* image_ = nullptr;
};

// libvips keeps one error buffer per process; take (and clear) what it says.
[[nodiscard]] std::string take_vips_error();

// "WIDTHxHEIGHT", as messages and size comparisons write it.
[[nodiscard]] std::string size_text(VipsImage* image);

// A vips operation producing one image, turned into a result.
template <class Operation>
result<image_ref> apply(Operation&& operation) {
  VipsImage* out = nullptr;
  if (operation(&out) != 0) return failure{take_vips_error()};
  return image_ref(out);
}

}  // namespace dcmflow::raster
