// Writes the seed corpus of the Part 10 fuzzer: small Secondary Capture files made by
// dcmflow's own writer, grey and colour, 8 and 16 bits, one and two frames, native and in
// every syntax codecs/ encodes. usage: make_part10_seeds OUTPUT_DIR

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <dcmflow/codecs/registry.hpp>

#include "dicom/secondary_capture.hpp"
#include "raster/raster.hpp"

namespace {

dcmflow::raster::raster small_raster(std::uint16_t samples, std::uint16_t bits, std::uint32_t frames) {
  dcmflow::raster::raster image;
  image.frame.width = 13;
  image.frame.height = 7;
  image.frame.samples_per_pixel = samples;
  image.frame.bits_allocated = bits;
  image.frame.bits_stored = bits == 16 ? 12 : 8;
  image.frame.photometric =
      samples == 3 ? dcmflow::codecs::photometric::rgb : dcmflow::codecs::photometric::monochrome2;
  image.frame_count = frames;
  image.pixels.resize(image.frame.bytes() * frames);
  for (std::size_t i = 0; i < image.pixels.size(); ++i) {
    const bool high_byte = bits == 16 && i % 2 == 1;
    image.pixels[i] = static_cast<std::byte>(high_byte ? i % 16 : (i * 7) % 251);
  }
  return image;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_part10_seeds OUTPUT_DIR\n";
    return 2;
  }
  const std::filesystem::path out = argv[1];
  std::filesystem::create_directories(out);
  int written = 0;
  int serial = 0;
  for (const char* spec : {"", "rle", "jpegls", "j2k", "htj2k", "jpeg:90", "deflate"}) {
    for (const auto& [samples, bits, frames] : {std::tuple{1, 8, 1}, std::tuple{1, 16, 2}, std::tuple{3, 8, 1}}) {
      ++serial;
      dcmflow::dicom::secondary_capture_request request;
      request.study_instance_uid = "1.2.826.0.1.3680043.10.1.1";
      request.series_instance_uid = "1.2.826.0.1.3680043.10.1.2";
      request.sop_instance_uid = "1.2.826.0.1.3680043.10.1.3." + std::to_string(serial);
      request.created = std::chrono::system_clock::time_point{};
      auto object = dcmflow::dicom::build_secondary_capture(
          small_raster(static_cast<std::uint16_t>(samples), static_cast<std::uint16_t>(bits),
                       static_cast<std::uint32_t>(frames)),
          request);
      if (!object) {
        std::cerr << object.error().message << '\n';
        return 1;
      }
      if (*spec != '\0') {
        std::error_code error;
        const auto codec = dcmflow::codecs::make_encoder(spec, error);
        if (!codec || !object->compress(*codec)) continue;  // this codec does not take this layout
      }
      if (!object->write_file(out / ("seed-" + std::to_string(serial) + ".dcm"))) return 1;
      ++written;
    }
  }
  std::cout << written << " Part 10 seeds in " << out << '\n';
  return written > 0 ? 0 : 1;
}
