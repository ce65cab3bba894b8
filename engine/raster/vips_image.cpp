#include "raster/vips_image.hpp"

#include <algorithm>

namespace dcmflow::raster {

std::string take_vips_error() {
  char* text = vips_error_buffer_copy();
  std::string message = text != nullptr ? text : "";
  g_free(text);
  std::replace(message.begin(), message.end(), '\n', ' ');
  while (!message.empty() && message.back() == ' ') message.pop_back();
  return message.empty() ? std::string("libvips gave no reason") : message;
}

std::string size_text(VipsImage* image) {
  return std::to_string(vips_image_get_width(image)) + "x" + std::to_string(vips_image_get_height(image));
}

}  // namespace dcmflow::raster
