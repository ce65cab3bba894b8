// Part 10 files as dcmflow writes them, read back byte by byte here (PS3.10 7.1): a zeroed
// preamble, "DICM", a File Meta group in Explicit VR Little Endian whose length is right and
// whose UIDs are the object's, then the dataset in the transfer syntax the meta names.

#include <gtest/gtest.h>

#include <zlib.h>

#include <cctype>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <utility>

#include <dcmflow/codecs/registry.hpp>

#include "dicom/instance.hpp"
#include "dicom/secondary_capture.hpp"

namespace dcmflow::dicom {
namespace {

instance made(std::uint16_t bits = 8) {
  raster::raster image;
  image.frame.width = 16;
  image.frame.height = 8;
  image.frame.bits_allocated = bits;
  image.frame.bits_stored = bits;
  image.frame_count = 1;
  image.pixels.resize(image.frame.bytes());
  for (std::size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = static_cast<std::byte>(i * 7);
  const attribute_assignment patient{.tag = {0x0010, 0x0020}, .keyword = "PatientID", .vr = "LO", .value = "P1"};
  const secondary_capture_request request{.study_instance_uid = "1.2.3",
                                          .series_instance_uid = "1.2.3.4",
                                          .sop_instance_uid = "1.2.3.4.5",
                                          .instance_number = 1,
                                          .created = {},
                                          .attributes = std::span(&patient, 1),
                                          .character_set = character_set::utf8};
  auto built = build_secondary_capture(std::move(image), request);
  if (!built) throw std::runtime_error(built.error().message);
  return std::move(built).value();
}

std::uint16_t u16(const std::string& bytes, std::size_t at) {
  std::uint16_t value = 0;
  std::memcpy(&value, bytes.data() + at, 2);
  return value;
}

std::uint32_t u32(const std::string& bytes, std::size_t at) {
  std::uint32_t value = 0;
  std::memcpy(&value, bytes.data() + at, 4);
  return value;
}

// The File Meta elements by element number, values with their padding stripped; `end` is
// where the dataset starts.
struct file_meta {
  std::map<std::uint16_t, std::string> values;
  std::size_t end = 0;
};

file_meta read_meta(const std::string& bytes) {
  file_meta meta;
  std::size_t at = 132;
  while (at + 8 <= bytes.size() && u16(bytes, at) == 0x0002) {
    const std::uint16_t element = u16(bytes, at + 2);
    const std::string vr = bytes.substr(at + 4, 2);
    const bool long_form = vr == "OB" || vr == "OW" || vr == "UN" || vr == "SQ" || vr == "UT" || vr == "UC";
    const std::size_t length = long_form ? u32(bytes, at + 8) : u16(bytes, at + 6);
    const std::size_t header = long_form ? 12 : 8;
    std::string value = bytes.substr(at + header, length);
    while (!value.empty() && (value.back() == '\0' || value.back() == ' ')) value.pop_back();
    meta.values[element] = value;
    at += header + length;
  }
  meta.end = at;
  return meta;
}

TEST(part10, preamble_meta_and_dataset_are_as_ps3_10_writes_them) {
  instance object = made();
  auto written = object.to_part10();
  ASSERT_TRUE(written) << written.error().message;
  const std::string& bytes = *written;
  ASSERT_GT(bytes.size(), 132U);
  EXPECT_EQ(bytes.substr(0, 128), std::string(128, '\0')) << "the preamble is zeroed";
  EXPECT_EQ(bytes.substr(128, 4), "DICM");
  const file_meta meta = read_meta(bytes);
  // (0002,0000) counts the bytes of the rest of the group.
  EXPECT_EQ(u32(bytes, 132 + 8), meta.end - (132 + 12));
  EXPECT_EQ(meta.values.at(0x0001), std::string("\x00\x01", 2));
  EXPECT_EQ(meta.values.at(0x0002), object.sop_class_uid());
  EXPECT_EQ(meta.values.at(0x0003), "1.2.3.4.5");
  EXPECT_EQ(meta.values.at(0x0010), "1.2.840.10008.1.2.1");
  EXPECT_FALSE(meta.values.at(0x0012).empty()) << "Implementation Class UID";
  // The dataset follows in Explicit VR Little Endian: its first element is in group 0008.
  EXPECT_EQ(u16(bytes, meta.end), 0x0008);
  const std::string first_vr = bytes.substr(meta.end + 4, 2);
  EXPECT_TRUE(std::isupper(static_cast<unsigned char>(first_vr[0])) &&
              std::isupper(static_cast<unsigned char>(first_vr[1])))
      << "explicit VR";
  EXPECT_NE(bytes.find("1.2.3.4.5"), std::string::npos);
}

TEST(part10, the_meta_names_the_syntax_the_pixels_were_compressed_in) {
  for (const auto& [spec, uid] :
       {std::pair{"rle", "1.2.840.10008.1.2.5"}, std::pair{"jpegls", "1.2.840.10008.1.2.4.80"},
        std::pair{"j2k", "1.2.840.10008.1.2.4.90"}}) {
    instance object = made(16);
    std::error_code error;
    const auto encoder = codecs::make_encoder(spec, error);
    ASSERT_TRUE(encoder) << spec;
    ASSERT_TRUE(object.compress(*encoder)) << spec;
    auto written = object.to_part10();
    ASSERT_TRUE(written) << spec;
    EXPECT_EQ(read_meta(*written).values.at(0x0010), uid) << spec;
    // Encapsulated Pixel Data: (7FE0,0010) OB with undefined length, then the item of the
    // Basic Offset Table.
    const std::string pixel_data_tag("\xE0\x7F\x10\x00OB\x00\x00\xFF\xFF\xFF\xFF\xFE\xFF\x00\xE0", 16);
    EXPECT_NE(written->find(pixel_data_tag), std::string::npos) << spec;
  }
}

TEST(part10, a_deflated_file_has_its_meta_in_clear_and_its_dataset_deflated) {
  instance object = made();
  std::error_code error;
  const auto deflate = codecs::make_encoder("deflate", error);
  ASSERT_TRUE(deflate);
  ASSERT_TRUE(object.compress(*deflate));
  auto written = object.to_part10();
  ASSERT_TRUE(written);
  const file_meta meta = read_meta(*written);
  EXPECT_EQ(meta.values.at(0x0010), "1.2.840.10008.1.2.1.99");
  // PS3.5 A.5: the rest is raw deflate (no zlib header); inflated, it is the dataset.
  const std::string deflated = written->substr(meta.end);
  std::string inflated(1 << 16, '\0');
  z_stream stream{};
  ASSERT_EQ(inflateInit2(&stream, -15), Z_OK);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast,cppcoreguidelines-pro-type-const-cast):
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(deflated.data()));
  // zlib's API
  stream.avail_in = static_cast<uInt>(deflated.size());
  stream.next_out =
      reinterpret_cast<Bytef*>(inflated.data());  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): zlib's API
  stream.avail_out = static_cast<uInt>(inflated.size());
  EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END);
  inflated.resize(stream.total_out);
  inflateEnd(&stream);
  ASSERT_GT(inflated.size(), 8U);
  EXPECT_EQ(u16(inflated, 0), 0x0008);
  EXPECT_NE(inflated.find("1.2.3.4.5"), std::string::npos);
}

}  // namespace
}  // namespace dcmflow::dicom
