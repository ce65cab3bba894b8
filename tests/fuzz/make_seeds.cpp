// Writes a seed corpus for each decoder fuzzer: small frames of every layout, encoded by
// dcmflow's own encoders, each prefixed with the 6-byte frame header decode_fuzz.cpp reads.
// usage: make_seeds CODEC OUTPUT_DIR

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <dcmflow/codecs/registry.hpp>

#include "fuzz_input.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: make_seeds CODEC OUTPUT_DIR\n";
    return 2;
  }
  std::error_code error;
  const auto codec = dcmflow::codecs::make_encoder(argv[1], error);
  if (!codec) {
    std::cerr << argv[1] << ": " << error.message() << '\n';
    return 2;
  }
  const std::filesystem::path out = argv[2];
  std::filesystem::create_directories(out);
  int written = 0;
  for (std::uint8_t flags : {0, 1, 2, 3, 4, 6, 9}) {
    const std::uint8_t header[6] = {19, 12, flags, static_cast<std::uint8_t>((flags & 2U) != 0 ? 11 : 7), 0, 0};
    const dcmflow::codecs::frame_info info = dcmflow::fuzzing::frame_from_header(header);
    std::vector<std::byte> pixels(info.bytes());
    for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::byte>((i * 7) % 5 == 0 ? 0 : i % 13);
    std::vector<std::byte> fragment;
    dcmflow::codecs::encoding_effect effect;
    if (codec->encode(info, pixels, fragment, effect)) continue;  // this codec does not take this layout
    std::ofstream file(out / ("seed-" + std::to_string(flags)), std::ios::binary);
    file.write(reinterpret_cast<const char*>(header), sizeof header);
    file.write(reinterpret_cast<const char*>(fragment.data()), static_cast<std::streamsize>(fragment.size()));
    ++written;
  }
  std::cout << written << " seeds for " << argv[1] << " in " << out << '\n';
  return written > 0 ? 0 : 1;
}
