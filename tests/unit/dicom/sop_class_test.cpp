#include "dicom/sop_class.hpp"

#include <gtest/gtest.h>

namespace dcmflow::dicom {
namespace {

codecs::frame_info frame(std::uint16_t samples, std::uint16_t bits) {
  codecs::frame_info info;
  info.width = 10;
  info.height = 10;
  info.samples_per_pixel = samples;
  info.bits_allocated = bits;
  info.bits_stored = bits;
  return info;
}

TEST(sop_class, single_8_bit_grey_or_rgb_is_plain_secondary_capture) {
  EXPECT_EQ(choose_secondary_capture_class(frame(1, 8), 1), sop_class::secondary_capture);
  EXPECT_EQ(choose_secondary_capture_class(frame(3, 8), 1), sop_class::secondary_capture);
}

TEST(sop_class, several_pages_use_the_multiframe_classes) {
  EXPECT_EQ(choose_secondary_capture_class(frame(1, 8), 3), sop_class::multiframe_grayscale_byte_sc);
  EXPECT_EQ(choose_secondary_capture_class(frame(3, 8), 2), sop_class::multiframe_true_color_sc);
}

TEST(sop_class, sixteen_bit_grey_is_grayscale_word_even_for_one_frame) {
  EXPECT_EQ(choose_secondary_capture_class(frame(1, 16), 1), sop_class::multiframe_grayscale_word_sc);
  EXPECT_EQ(choose_secondary_capture_class(frame(1, 16), 4), sop_class::multiframe_grayscale_word_sc);
}

TEST(sop_class, uids_are_the_ones_of_ps3_4_annex_b) {
  EXPECT_EQ(uid_of(sop_class::secondary_capture), "1.2.840.10008.5.1.4.1.1.7");
  EXPECT_EQ(uid_of(sop_class::multiframe_grayscale_byte_sc), "1.2.840.10008.5.1.4.1.1.7.2");
  EXPECT_EQ(uid_of(sop_class::multiframe_grayscale_word_sc), "1.2.840.10008.5.1.4.1.1.7.3");
  EXPECT_EQ(uid_of(sop_class::multiframe_true_color_sc), "1.2.840.10008.5.1.4.1.1.7.4");
}

}  // namespace
}  // namespace dcmflow::dicom
