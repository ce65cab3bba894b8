// Linked against codecs/ built without CharLS, OpenJPEG, OpenJPH and libjpeg-turbo
// (dcmflow_add_codecs with no backends): their syntaxes keep their entries and refuse
// with "unsupported", naming nothing they cannot do; what needs no library still works.

#include <dcmflow/codecs/registry.hpp>

#include <gtest/gtest.h>

#include <dcmflow/codecs/codec_error.hpp>
#include <dcmflow/codecs/transfer_syntax.hpp>

namespace dcmflow::codecs {
namespace {

TEST(unbuilt_backend, its_codecs_are_listed_and_refused_as_not_built) {
  for (const char* spec : {"jpegls", "jpegls-near:2", "j2k", "j2k:10", "htj2k", "htj2k:10", "jpeg:90"}) {
    std::error_code error;
    EXPECT_FALSE(make_encoder(spec, error)) << spec;
    EXPECT_EQ(error, make_error_code(codec_errc::not_built)) << spec;
    EXPECT_NE(error.message().find("unsupported"), std::string::npos);
  }
  // A bad option is still a bad option.
  std::error_code error;
  EXPECT_FALSE(make_encoder("jpeg:500", error));
  EXPECT_EQ(error, make_error_code(codec_errc::invalid_parameter));
}

TEST(unbuilt_backend, its_syntaxes_have_no_decoder_and_say_why) {
  for (const transfer_syntax& syntax : transfer_syntaxes()) {
    std::error_code error;
    const auto decoder = make_decoder(syntax.uid, error);
    if (syntax.library == backend::dcmflow || syntax.library == backend::zlib) {
      EXPECT_TRUE(syntax.built()) << syntax.uid;
      EXPECT_TRUE(decoder) << syntax.uid;
    } else {
      EXPECT_FALSE(syntax.built()) << syntax.uid;
      EXPECT_FALSE(decoder) << syntax.uid;
      EXPECT_EQ(error, make_error_code(codec_errc::not_built)) << syntax.uid;
    }
  }
}

TEST(unbuilt_backend, what_needs_no_library_still_round_trips) {
  frame_info frame;
  frame.width = 4;
  frame.height = 2;
  std::vector<std::byte> pixels(frame.bytes());
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::byte>(i * 37);
  for (const char* spec : {"none", "deflate", "rle"}) {
    std::error_code error;
    const auto encoder = make_encoder(spec, error);
    ASSERT_TRUE(encoder) << spec << ": " << error.message();
    std::vector<std::byte> fragment;
    encoding_effect effect;
    ASSERT_FALSE(encoder->encode(frame, pixels, fragment, effect)) << spec;
    std::vector<std::byte> decoded(frame.bytes());
    ASSERT_FALSE(make_decoder(encoder->syntax().uid)->decode(fragment, frame, decoded)) << spec;
    EXPECT_EQ(decoded, pixels) << spec;
  }
}

}  // namespace
}  // namespace dcmflow::codecs
