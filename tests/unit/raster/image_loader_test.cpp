#include "raster/image_loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace dcmflow::raster {
namespace {

// The images come from datasets/make_images.py, run by the ctest fixture `sample_images`.
std::filesystem::path sample(const char* name) {
  const char* folder = std::getenv("DCMFLOW_TEST_IMAGES");
  if (folder == nullptr) throw std::runtime_error("DCMFLOW_TEST_IMAGES is not set (run through ctest)");
  return std::filesystem::path(folder) / name;
}

class image_loader : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { vips_ = new vips_runtime("image_loader_test"); }
  static void TearDownTestSuite() {
    delete vips_;
    vips_ = nullptr;
  }

 private:
  static vips_runtime* vips_;
};
vips_runtime* image_loader::vips_ = nullptr;

// The one raster an image with pages of one size gives.
raster only(result<std::vector<raster>> loaded) {
  if (!loaded) throw std::runtime_error(loaded.error().message);
  if (loaded->size() != 1) throw std::runtime_error("expected one raster");
  return std::move(loaded->front());
}

void expect_shape(const raster& image, std::uint32_t width, std::uint32_t height, std::uint16_t samples,
                  std::uint16_t bits, std::uint32_t frames) {
  EXPECT_EQ(image.frame.width, width);
  EXPECT_EQ(image.frame.height, height);
  EXPECT_EQ(image.frame.samples_per_pixel, samples);
  EXPECT_EQ(image.frame.bits_allocated, bits);
  EXPECT_EQ(image.frame.bits_stored, bits);
  EXPECT_EQ(image.frame_count, frames);
  EXPECT_EQ(image.pixels.size(), image.frame.bytes() * frames);
}

TEST_F(image_loader, grey_8_bit_png_stays_grey) {
  const raster image = only(load_image(sample("grey8.png")));
  expect_shape(image, 333, 217, 1, 8, 1);
  EXPECT_TRUE(image.lossy_source_method.empty());
}

TEST_F(image_loader, grey_16_bit_png_keeps_16_bits) {
  const raster image = only(load_image(sample("grey16.png")));
  expect_shape(image, 301, 199, 1, 16, 1);
  // The generator puts 0 and 65535 in the first two pixels.
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): byte view
  const auto* samples = reinterpret_cast<const std::uint16_t*>(image.pixels.data());
  EXPECT_EQ(samples[0], 0);
  EXPECT_EQ(samples[1], 65535);
}

TEST_F(image_loader, rgba_becomes_rgb) {
  const raster image = only(load_image(sample("rgba.png")));
  expect_shape(image, 200, 150, 3, 8, 1);
  // Alpha of the first pixel is 0: flattened onto white.
  EXPECT_EQ(image.pixels[0], std::byte{255});
}

TEST_F(image_loader, palette_is_expanded_to_rgb) {
  expect_shape(only(load_image(sample("palette.png"))), 320, 240, 3, 8, 1);
}

TEST_F(image_loader, multipage_tiff_gives_one_frame_per_page) {
  expect_shape(only(load_image(sample("pages.tif"))), 250, 350, 1, 8, 3);
}

// A long source is loaded a part at a time: each part's frames are those pages of the whole.
TEST_F(image_loader, a_page_range_gives_exactly_those_pages) {
  const raster whole = only(load_image(sample("pages.tif")));
  const raster middle = only(load_image(sample("pages.tif"), load_options{.first_page = 1, .page_limit = 1}));
  expect_shape(middle, 250, 350, 1, 8, 1);
  EXPECT_TRUE(std::ranges::equal(middle.frame_pixels(0), whole.frame_pixels(1)));
  const raster tail = only(load_image(sample("pages.tif"), load_options{.first_page = 1, .page_limit = 64}));
  expect_shape(tail, 250, 350, 1, 8, 2);
  EXPECT_TRUE(std::ranges::equal(tail.frame_pixels(1), whole.frame_pixels(2)));

  auto beyond = load_image(sample("pages.tif"), load_options{.first_page = 3});
  ASSERT_FALSE(beyond);
  EXPECT_NE(beyond.error().message.find("page 4 asked of a source of 3 pages"), std::string::npos)
      << beyond.error().message;
}

TEST_F(image_loader, a_probe_counts_every_page_and_estimates_the_range) {
  auto whole = probe_image(sample("pages.tif"));
  auto part = probe_image(sample("pages.tif"), load_options{.first_page = 2, .page_limit = 64});
  ASSERT_TRUE(whole && part);
  EXPECT_EQ(whole->pages, 3U);
  EXPECT_EQ(part->pages, 3U);
  EXPECT_EQ(whole->decoded_bytes, 3U * 250 * 350);
  EXPECT_EQ(part->decoded_bytes, 250U * 350);
}

TEST_F(image_loader, jpeg_source_is_marked_lossy) {
  EXPECT_EQ(only(load_image(sample("photo.jpg"))).lossy_source_method, "ISO_10918_1");
}

TEST_F(image_loader, pages_of_different_sizes_become_one_raster_each) {
  auto images = load_image(sample("pages_mixed_sizes.tif"));
  ASSERT_TRUE(images) << images.error().message;
  ASSERT_EQ(images->size(), 2U);
  expect_shape((*images)[0], 120, 80, 1, 8, 1);
  expect_shape((*images)[1], 80, 120, 1, 8, 1);
  ASSERT_FALSE((*images)[0].notes.empty());
  EXPECT_NE((*images)[0].notes[0].find("differ in size"), std::string::npos);
}

TEST_F(image_loader, truncated_png_fails_with_a_reason) {
  auto image = load_image(sample("truncated.png"));
  ASSERT_FALSE(image);
  EXPECT_EQ(image.error().message.rfind("cannot read image: ", 0), 0U) << image.error().message;
}

TEST_F(image_loader, text_file_is_not_an_image) {
  auto image = load_image(sample("not_an_image.dat"));
  ASSERT_FALSE(image);
  EXPECT_NE(image.error().message.find("not an image format"), std::string::npos);
}

TEST_F(image_loader, missing_file_fails) {
  auto image = load_image(sample("no_such_file.png"));
  ASSERT_FALSE(image);
  EXPECT_EQ(image.error().message.rfind("cannot read image: ", 0), 0U);
}

TEST_F(image_loader, pixel_budget_is_enforced) {
  auto image = load_image(sample("rgb.png"), load_options{.max_pixel_bytes = 1000});
  ASSERT_FALSE(image);
  EXPECT_NE(image.error().message.find("too large"), std::string::npos);
}

}  // namespace
}  // namespace dcmflow::raster
