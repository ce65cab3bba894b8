// The decode helpers' promises, on the real dcmflow-decode-worker and -- since no real file
// hangs a decoder on demand -- on stand-ins that hang, die or talk exactly like one would.

#include "isolate/contained_decoder.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace dcmflow::isolate {
namespace {

class contained_decoder_test : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = std::filesystem::temp_directory_path() / ("contained_decoder_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(folder_);
  }
  void TearDown() override { std::filesystem::remove_all(folder_); }

  std::filesystem::path script(const std::string& name, const std::string& body) {
    auto path = folder_ / name;
    std::ofstream(path) << "#!/bin/sh\n" << body;
    chmod(path.c_str(), 0755);
    return path;
  }

  // A 4x2 8-bit grey PGM: a format libvips reads, written without it.
  std::filesystem::path grey_picture() {
    auto path = folder_ / "grey.pgm";
    std::ofstream(path, std::ios::binary) << "P5\n4 2\n255\n" << std::string("\x00\x10\x20\x30\x40\x50\x60\x70", 8);
    return path;
  }

  static decode_limits limits(std::filesystem::path program = DCMFLOW_DECODE_WORKER, int seconds = 60) {
    decode_limits chosen;
    chosen.helpers = 1;
    chosen.time = std::chrono::seconds(seconds);
    chosen.program = std::move(program);
    return chosen;
  }

  std::filesystem::path folder_;
};

TEST_F(contained_decoder_test, a_picture_comes_back_with_its_pixels) {
  contained_decoder decoder(limits());
  auto images = decoder.load_image(grey_picture(), {});
  ASSERT_TRUE(images) << images.error().message;
  ASSERT_EQ(images->size(), 1U);
  const raster::raster& image = images->front();
  EXPECT_EQ(image.frame.width, 4U);
  EXPECT_EQ(image.frame.height, 2U);
  ASSERT_EQ(image.pixels.size(), 8U);
  EXPECT_EQ(std::to_integer<int>(image.pixels[7]), 0x70);
}

TEST_F(contained_decoder_test, a_file_that_crashes_the_decoder_fails_with_the_signal_and_the_next_one_decodes) {
  const auto poison = folder_ / "poison.dcm";
  std::ofstream(poison, std::ios::binary) << std::string(128, '\0') << "DICM";  // GDCM asserts
  contained_decoder decoder(limits());
  auto crashed = decoder.read_decoded(poison);
  ASSERT_FALSE(crashed);
  EXPECT_NE(crashed.error().message.find("the decoder was killed by SIGABRT while reading the DICOM file"),
            std::string::npos)
      << crashed.error().message;
  // GDCM's own words come with the failure, not on our stderr.
  EXPECT_NE(crashed.error().message.find("the decoder said: "), std::string::npos) << crashed.error().message;
  auto next = decoder.load_image(grey_picture(), {});
  EXPECT_TRUE(next) << next.error().message;
}

TEST_F(contained_decoder_test, a_decoder_that_hangs_is_stopped_at_the_deadline) {
  // Reads the request, says what it is doing, then never answers.
  const auto hangs = script("hangs.sh", "head -c 8 >/dev/null; exec sleep 100\n");
  contained_decoder decoder(limits(hangs, 1));
  const auto started = std::chrono::steady_clock::now();
  auto answer = decoder.load_image(grey_picture(), {});
  ASSERT_FALSE(answer);
  EXPECT_NE(answer.error().message.find("did not finish in 1 s"), std::string::npos) << answer.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST_F(contained_decoder_test, a_helper_that_cannot_start_names_the_program) {
  contained_decoder decoder(limits(folder_ / "no-such-worker"));
  auto answer = decoder.load_image(grey_picture(), {});
  ASSERT_FALSE(answer);
  EXPECT_NE(answer.error().message.find("no-such-worker"), std::string::npos) << answer.error().message;
}

TEST_F(contained_decoder_test, a_helper_that_floods_stderr_cannot_block_itself_or_us) {
  // 1 MB of chatter before dying: more than a pipe holds, read while we wait.
  const auto chatty = script("chatty.sh",
                             "head -c 8 >/dev/null; head -c 1000000 /dev/zero | tr '\\\\0' x >&2; "
                             "kill -SEGV $$\n");
  contained_decoder decoder(limits(chatty, 20));
  auto answer = decoder.load_image(grey_picture(), {});
  ASSERT_FALSE(answer);
  EXPECT_NE(answer.error().message.find("killed by SIGSEGV"), std::string::npos) << answer.error().message;
  EXPECT_LT(answer.error().message.size(), 2000U);  // kept short whatever it said
}

}  // namespace
}  // namespace dcmflow::isolate
