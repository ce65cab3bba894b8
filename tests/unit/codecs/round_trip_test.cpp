// Every lossless codec returns every test frame bit for bit; lossy codecs stay within
// their promise (NEAR for JPEG-LS, a PSNR floor for JPEG and JPEG 2000).

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include <dcmflow/codecs/codec_error.hpp>
#include <dcmflow/codecs/registry.hpp>
#include <dcmflow/codecs/untrusted.hpp>

#include "../../fuzz/fuzz_input.hpp"
#include "frames.hpp"

namespace dcmflow::codecs {
namespace {

using testing::lossless_frames;
using testing::make_frame;
using testing::test_frame;

// An encoder and the decoder of its syntax, used together as a round trip does.
struct codec_pair {
  std::unique_ptr<encoder> writer;
  std::unique_ptr<decoder> reader;

  [[nodiscard]] const transfer_syntax& syntax() const { return writer->syntax(); }
  [[nodiscard]] std::error_code encode(const frame_info& frame, std::span<const std::byte> pixels,
                                       std::vector<std::byte>& fragment, encoding_effect& effect) const {
    return writer->encode(frame, pixels, fragment, effect);
  }
  [[nodiscard]] std::error_code decode(std::span<const std::byte> fragment, const frame_info& frame,
                                       std::span<std::byte> pixels) const {
    return reader->decode(fragment, frame, pixels);
  }
};

std::unique_ptr<codec_pair> make(const std::string& spec) {
  std::error_code error;
  auto made = std::make_unique<codec_pair>();
  made->writer = make_encoder(spec, error);
  if (made->writer) made->reader = make_decoder(made->writer->syntax().uid, error);
  if (!made->reader) throw std::runtime_error(spec + ": " + error.message());
  return made;
}

// Encodes `frame` as RLE and returns each segment's bytes (PS3.5 G.3: header of 16
// little-endian offsets, the first the number of segments).
std::vector<std::vector<std::byte>> rle_segments(const test_frame& frame) {
  std::vector<std::byte> fragment;
  encoding_effect effect;
  EXPECT_FALSE(make("rle")->encode(frame.info, frame.pixels, fragment, effect));
  std::uint32_t header[16];
  std::memcpy(header, fragment.data(), sizeof header);
  std::vector<std::vector<std::byte>> segments;
  for (std::uint32_t s = 0; s < header[0]; ++s) {
    const std::size_t end = s + 1 < header[0] ? header[s + 2] : fragment.size();
    segments.emplace_back(fragment.begin() + header[s + 1], fragment.begin() + end);
  }
  return segments;
}

std::vector<std::byte> round_trip(const codec_pair& c, const test_frame& frame, encoding_effect& effect) {
  std::vector<std::byte> fragment;
  const std::error_code encoded = c.encode(frame.info, frame.pixels, fragment, effect);
  EXPECT_FALSE(encoded) << frame.name << ": " << encoded.message();
  std::vector<std::byte> decoded(frame.info.bytes());
  const std::error_code error = c.decode(fragment, frame.info, decoded);
  EXPECT_FALSE(error) << frame.name << ": " << error.message();
  return decoded;
}

std::int32_t sample(const test_frame& frame, const std::vector<std::byte>& pixels, std::size_t i) {
  if (frame.info.bits_allocated == 8) return static_cast<std::uint8_t>(pixels[i]);
  std::uint16_t word;
  std::memcpy(&word, pixels.data() + i * 2, 2);
  return frame.info.is_signed ? static_cast<std::int16_t>(word) : word;
}

class lossless : public ::testing::TestWithParam<std::string> {};

TEST_P(lossless, every_frame_round_trips_bit_exactly) {
  const auto c = make(GetParam());
  EXPECT_FALSE(c->syntax().lossy);
  for (const test_frame& frame : lossless_frames()) {
    encoding_effect effect;
    const auto decoded = round_trip(*c, frame, effect);
    EXPECT_TRUE(decoded == frame.pixels) << GetParam() << " changed the pixels of " << frame.name;
    EXPECT_FALSE(effect.lossy);
  }
}

TEST_P(lossless, corrupt_fragments_fail_without_touching_memory_outside_the_frame) {
  const auto c = make(GetParam());
  const test_frame frame = make_frame("rgb", 40, 30, 3, 8, 8, false);
  std::vector<std::byte> fragment;
  encoding_effect effect;
  ASSERT_FALSE(c->encode(frame.info, frame.pixels, fragment, effect));
  std::vector<std::byte> decoded(frame.info.bytes());
  // Truncations at many points; AddressSanitizer catches any read past the fragment.
  for (std::size_t keep :
       {std::size_t{0}, std::size_t{1}, std::size_t{10}, std::size_t{63}, fragment.size() / 2, fragment.size() - 1}) {
    if (keep >= fragment.size() || c->syntax().encoding != pixel_encoding::encapsulated) continue;
    const std::vector<std::byte> cut(fragment.begin(), fragment.begin() + static_cast<std::ptrdiff_t>(keep));
    (void)decode_untrusted(*c->reader, cut, frame.info, decoded);  // must return, with or without an error
  }
  // Flipped bytes.
  std::mt19937 random(7);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<std::byte> damaged = fragment;
    for (int flips = 0; flips < 8; ++flips) {
      damaged[random() % damaged.size()] = static_cast<std::byte>(random());
    }
    (void)decode_untrusted(*c->reader, damaged, frame.info, decoded);
  }
}

INSTANTIATE_TEST_SUITE_P(codecs, lossless, ::testing::Values("none", "deflate", "rle", "jpegls", "j2k", "htj2k"),
                         [](const auto& param_info) { return param_info.param; });

TEST(htj2k, fragment_that_makes_the_library_abort_fails_alone_when_untrusted) {
  // Found by tests/fuzz: OpenJPH (assertions on in Debian's build) aborts on it.
  std::ifstream file(std::string(DCMFLOW_SOURCE_DIR) + "/tests/fuzz/regressions/htj2k/openjpeg-ht-mel-assertion",
                     std::ios::binary);
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 6U);
  const frame_info info = fuzzing::frame_from_header(bytes.data());
  std::vector<std::byte> fragment(bytes.size() - 6);
  std::transform(bytes.begin() + 6, bytes.end(), fragment.begin(), [](std::uint8_t b) { return std::byte{b}; });
  std::vector<std::byte> pixels(info.bytes());
  const auto c = make("htj2k");
  EXPECT_TRUE(c->syntax().aborts_on_corrupt_input);
  EXPECT_EQ(decode_untrusted(*c->reader, fragment, info, pixels), make_error_code(codec_errc::corrupt_data));
}

TEST(rle, truncated_fragment_is_reported_as_corrupt) {
  const auto c = make("rle");
  const test_frame frame = make_frame("grey", 40, 30, 1, 8, 8, false);
  std::vector<std::byte> fragment;
  encoding_effect effect;
  ASSERT_FALSE(c->encode(frame.info, frame.pixels, fragment, effect));
  fragment.resize(fragment.size() / 2);
  std::vector<std::byte> decoded(frame.info.bytes());
  EXPECT_EQ(c->decode(fragment, frame.info, decoded), make_error_code(codec_errc::corrupt_data));
}

TEST(rle, segments_follow_annex_g_header_and_order) {
  // A 16-bit frame: two segments, high bytes first, offsets after the 64-byte header, even lengths.
  const test_frame frame = make_frame("grey16", 4, 2, 1, 16, 16, false);
  std::vector<std::byte> fragment;
  encoding_effect effect;
  ASSERT_FALSE(make("rle")->encode(frame.info, frame.pixels, fragment, effect));
  std::uint32_t header[3];
  std::memcpy(header, fragment.data(), sizeof header);
  EXPECT_EQ(header[0], 2U);
  EXPECT_EQ(header[1], 64U);
  EXPECT_EQ(header[2] % 2, 0U);
  EXPECT_EQ(fragment.size() % 2, 0U);
  // First segment, first row: a literal or replicate run carrying the high bytes of row 0.
  const auto first_header = static_cast<std::int8_t>(fragment[64]);
  const std::uint8_t first_high_byte = static_cast<std::uint8_t>(frame.pixels[1]);
  EXPECT_EQ(static_cast<std::uint8_t>(fragment[65]), first_high_byte) << int(first_header);
}

TEST(rle, long_runs_are_split_at_128_and_segments_padded_to_even) {
  test_frame flat{"flat", {300, 1, 1, 8, 8, false, planar_configuration::interleaved, photometric::monochrome2}, {}};
  flat.pixels.assign(300, std::byte{9});
  std::vector<std::byte> fragment;
  encoding_effect effect;
  ASSERT_FALSE(make("rle")->encode(flat.info, flat.pixels, fragment, effect));
  // 300 = 128 + 128 + 44: headers -127, -127, -43 (as bytes 0x81, 0x81, 0xD5), each with the value.
  const std::vector<std::byte> body(fragment.begin() + 64, fragment.end());
  const std::vector<std::byte> expected = {std::byte{0x81}, std::byte{9},    std::byte{0x81},
                                           std::byte{9},    std::byte{0xD5}, std::byte{9}};
  EXPECT_EQ(body, expected);
}

TEST(rle, rows_are_coded_separately) {
  // Two rows of one value: a run may not cross the row boundary (PS3.5 G.3.1).
  test_frame flat{"flat", {5, 2, 1, 8, 8, false, planar_configuration::interleaved, photometric::monochrome2}, {}};
  flat.pixels.assign(10, std::byte{4});
  std::vector<std::byte> fragment;
  encoding_effect effect;
  ASSERT_FALSE(make("rle")->encode(flat.info, flat.pixels, fragment, effect));
  const std::vector<std::byte> body(fragment.begin() + 64, fragment.end());
  const std::vector<std::byte> expected = {std::byte{0xFC}, std::byte{4}, std::byte{0xFC}, std::byte{4}};
  EXPECT_EQ(body, expected);
}

TEST(rle, blank_rows_pack_the_same_in_every_segment_and_other_rows_keep_their_own_bytes) {
  // RGB 3x4: white, a row whose three samples differ, white, then one flat grey row (a
  // uniform row of another value). Each segment holds one sample of every row.
  test_frame page{"page", {3, 4, 3, 8, 8, false, planar_configuration::interleaved, photometric::rgb}, {}};
  for (int v : {255, 255, 255, 255, 255, 255, 255, 255, 255,  //
                10,  20,  30,  10,  20,  30,  11,  21,  31,   //
                255, 255, 255, 255, 255, 255, 255, 255, 255,  //
                7,   7,   7,   7,   7,   7,   7,   7,   7}) {
    page.pixels.push_back(std::byte{static_cast<unsigned char>(v)});
  }
  const auto segments = rle_segments(page);
  ASSERT_EQ(segments.size(), 3U);
  const auto b = [](int v) { return std::byte{static_cast<unsigned char>(v)}; };
  for (int s = 0; s < 3; ++s) {
    // Row 1 of sample s is (v, v, v+1): a run of two, then a literal of one. Rows 0 and 2 are
    // runs of 255, row 3 a run of 7 (ten bytes: no pad).
    const int v = 10 + 10 * s;
    const std::vector<std::byte> expected = {b(0xFE),  b(255),  b(0xFF), b(v),    b(0),
                                             b(v + 1), b(0xFE), b(255),  b(0xFE), b(7)};
    EXPECT_EQ(segments[static_cast<std::size_t>(s)], expected) << "segment " << s;
  }
  encoding_effect effect;
  EXPECT_EQ(round_trip(*make("rle"), page, effect), page.pixels);
}

TEST(rle, uniform_16_bit_rows_wider_than_a_run_pack_the_same_in_both_byte_segments) {
  // 300 samples of 16 bits: row 0 is 0x0101 (every byte 0x01: a uniform row), row 1 is
  // 0x0201 (high and low bytes differ: coded per segment). 300 = 128 + 128 + 44.
  test_frame wide{"wide", {300, 2, 1, 16, 16, false, planar_configuration::interleaved, photometric::monochrome2}, {}};
  for (int i = 0; i < 300; ++i) wide.pixels.insert(wide.pixels.end(), {std::byte{0x01}, std::byte{0x01}});
  for (int i = 0; i < 300; ++i) wide.pixels.insert(wide.pixels.end(), {std::byte{0x01}, std::byte{0x02}});
  const auto runs_of = [](unsigned char v, unsigned char then) {
    const std::byte a{v};
    const std::byte c{then};
    return std::vector<std::byte>{std::byte{0x81}, a, std::byte{0x81}, a, std::byte{0xD5}, a,
                                  std::byte{0x81}, c, std::byte{0x81}, c, std::byte{0xD5}, c};
  };
  const auto segments = rle_segments(wide);
  ASSERT_EQ(segments.size(), 2U);
  EXPECT_EQ(segments[0], runs_of(0x01, 0x02));  // most significant bytes first (G.2)
  EXPECT_EQ(segments[1], runs_of(0x01, 0x01));
  encoding_effect effect;
  EXPECT_EQ(round_trip(*make("rle"), wide, effect), wide.pixels);
}

TEST(jpegls_near, errors_stay_within_near) {
  for (int near : {1, 3}) {
    const auto c = make("jpegls-near:" + std::to_string(near));
    for (const test_frame& frame :
         {make_frame("grey8", 64, 64, 1, 8, 8, false), make_frame("ct", 128, 128, 1, 16, 12, false)}) {
      encoding_effect effect;
      const auto decoded = round_trip(*c, frame, effect);
      EXPECT_TRUE(effect.lossy);
      EXPECT_EQ(effect.lossy_method, "ISO_14495_1");
      const std::size_t samples = frame.info.pixel_count() * frame.info.samples_per_pixel;
      for (std::size_t i = 0; i < samples; ++i) {
        ASSERT_LE(std::abs(sample(frame, decoded, i) - sample(frame, frame.pixels, i)), near) << frame.name;
      }
    }
  }
}

double psnr(const test_frame& frame, const std::vector<std::byte>& decoded) {
  const std::size_t samples = frame.info.pixel_count() * frame.info.samples_per_pixel;
  double squared = 0;
  for (std::size_t i = 0; i < samples; ++i) {
    const double difference = sample(frame, decoded, i) - sample(frame, frame.pixels, i);
    squared += difference * difference;
  }
  const double peak = std::pow(2.0, frame.info.bits_stored) - 1;
  return squared == 0 ? 99.0 : 10 * std::log10(peak * peak / (squared / static_cast<double>(samples)));
}

// A smooth image: lossy codecs are judged on content they are meant for.
test_frame smooth(std::uint16_t samples) {
  test_frame frame = make_frame("smooth", 96, 64, samples, 8, 8, false);
  for (std::size_t i = 0; i < frame.pixels.size(); ++i) {
    const std::size_t pixel = i / samples;
    frame.pixels[i] = static_cast<std::byte>((pixel % 96) * 2 + (pixel / 96) + (i % samples) * 20);
  }
  return frame;
}

TEST(lossy, jpeg_j2k_and_htj2k_keep_a_smooth_image_close) {
  for (const std::string spec : {"jpeg:90", "j2k:8", "htj2k:8"}) {
    const auto c = make(spec);
    for (std::uint16_t samples : {1, 3}) {
      const test_frame frame = smooth(samples);
      encoding_effect effect;
      const auto decoded = round_trip(*c, frame, effect);
      EXPECT_TRUE(effect.lossy) << spec;
      EXPECT_GT(psnr(frame, decoded), 32.0) << spec << " samples " << samples;
      if (samples == 3) {
        EXPECT_FALSE(effect.photometric_interpretation.empty()) << spec;
      }
    }
  }
}

TEST(lossy, htj2k_ratio_is_approached) {
  const test_frame frame = make_frame("ct", 256, 256, 1, 16, 12, false);
  std::vector<std::byte> fragment;
  encoding_effect effect;
  ASSERT_FALSE(make("htj2k:10")->encode(frame.info, frame.pixels, fragment, effect));
  const double ratio = static_cast<double>(frame.info.bytes()) / static_cast<double>(fragment.size());
  EXPECT_GT(ratio, 7.0);
  EXPECT_LT(ratio, 13.0);
}

TEST(jpeg, refuses_palette_indices) {
  test_frame frame = make_frame("palette", 16, 16, 1, 8, 8, false);
  frame.info.photometric = photometric::palette_color;
  std::vector<std::byte> fragment;
  encoding_effect effect;
  EXPECT_EQ(make("jpeg:90")->encode(frame.info, frame.pixels, fragment, effect),
            make_error_code(codec_errc::unsupported_frame));
  EXPECT_FALSE(make("jpegls")->encode(frame.info, frame.pixels, fragment, effect));  // lossless is fine
}

TEST(jpeg, refuses_more_than_8_bits) {
  const test_frame frame = make_frame("ct", 16, 16, 1, 16, 12, false);
  std::vector<std::byte> fragment;
  encoding_effect effect;
  EXPECT_EQ(make("jpeg:90")->encode(frame.info, frame.pixels, fragment, effect),
            make_error_code(codec_errc::unsupported_frame));
}

TEST(photometric, colour_codecs_report_the_photometric_ps3_5_requires) {
  const test_frame rgb = make_frame("rgb", 16, 16, 3, 8, 8, false);
  const std::vector<std::pair<std::string, std::string>> expected = {{"rle", ""},          {"jpegls", ""},
                                                                     {"j2k", "YBR_RCT"},   {"j2k:10", "YBR_ICT"},
                                                                     {"htj2k", "YBR_RCT"}, {"jpeg:90", "YBR_FULL_422"}};
  for (const auto& [spec, photometric] : expected) {
    std::vector<std::byte> fragment;
    encoding_effect effect;
    ASSERT_FALSE(make(spec)->encode(rgb.info, rgb.pixels, fragment, effect)) << spec;
    EXPECT_EQ(effect.photometric_interpretation, photometric) << spec;
  }
}

}  // namespace
}  // namespace dcmflow::codecs
