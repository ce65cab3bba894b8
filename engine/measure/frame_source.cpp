#include "measure/frame_source.hpp"


#include "convert/input_listing.hpp"
#include "dicom/dicom_reader.hpp"
#include "dicom/validation.hpp"
#include "raster/image_loader.hpp"

namespace dcmflow::measure {
namespace {

void add_frames(const std::string& source, const codecs::frame_info& info, std::uint32_t count,
                std::span<const std::byte> pixels, loaded_frames& out) {
  for (std::uint32_t f = 0; f < count; ++f) {
    const auto frame = pixels.subspan(f * info.bytes(), info.bytes());
    out.frames.push_back({source + (count > 1 ? "#" + std::to_string(f + 1) : ""), info,
                          std::vector<std::byte>(frame.begin(), frame.end())});
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
      add_frames(input.name, object->frame(), object->frame_count(), object->native_pixels(), out);
      continue;
    }
    auto images = raster::load_image(input.path);
    if (!images) {
      out.failures.push_back(input.name + ": " + images.error().message);
      continue;
    }
    for (const raster::raster& image : *images) {
      add_frames(input.name, image.frame, image.frame_count, image.pixels, out);
    }
  }
  return out;
}

}  // namespace dcmflow::measure
