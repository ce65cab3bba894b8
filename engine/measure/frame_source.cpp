#include "measure/frame_source.hpp"

#include "convert/input_listing.hpp"
#include "dicom/dicom_reader.hpp"
#include "dicom/validation.hpp"
#include "raster/image_loader.hpp"

namespace dcmflow::measure {
namespace {

// Frames of one object, as samples; a single frame takes the buffer over instead of copying it.
void add_frames(const std::string& source, const codecs::frame_info& info, std::uint32_t count,
                std::vector<std::byte>&& pixels, loaded_frames& out) {
  if (count == 1) {
    out.frames.push_back({source, info, std::move(pixels)});
    return;
  }
  for (std::uint32_t f = 0; f < count; ++f) {
    const auto frame = std::span(pixels).subspan(f * info.bytes(), info.bytes());
    out.frames.push_back(
        {source + "#" + std::to_string(f + 1), info, std::vector<std::byte>(frame.begin(), frame.end())});
  }
}

}  // namespace

loaded_frames load_frames(std::span<const std::filesystem::path> inputs) {
  loaded_frames out;
  for (const convert::input_file& input : convert::list_inputs(inputs)) {
    if (dicom::has_dicom_preamble(input.path)) {
      auto object = dicom::read_decoded(input.path);
      if (!object) {
        out.failures.push_back(input.name + ": " + object.error().message);
        continue;
      }
      const auto pixels = object->native_pixels();
      add_frames(input.name, object->frame(), object->frame_count(),
                 std::vector<std::byte>(pixels.begin(), pixels.end()), out);
      continue;
    }
    auto images = raster::load_image(input.path);
    if (!images) {
      out.failures.push_back(input.name + ": " + images.error().message);
      continue;
    }
    for (raster::raster& image : *images) {
      add_frames(input.name, image.frame, image.frame_count, std::move(image.pixels), out);
    }
  }
  return out;
}

}  // namespace dcmflow::measure
