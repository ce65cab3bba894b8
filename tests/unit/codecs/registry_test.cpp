#include <dcmflow/codecs/registry.hpp>

#include <gtest/gtest.h>

#include <set>
#include <string>

#include <dcmflow/codecs/codec_error.hpp>
#include <dcmflow/codecs/transfer_syntax.hpp>

namespace dcmflow::codecs {
namespace {

TEST(registry, names_map_to_the_transfer_syntaxes_of_the_codec_table) {
  const std::vector<std::pair<std::string, std::string>> table = {{"none", "1.2.840.10008.1.2.1"},
                                                                  {"deflate", "1.2.840.10008.1.2.1.99"},
                                                                  {"rle", "1.2.840.10008.1.2.5"},
                                                                  {"jpegls", "1.2.840.10008.1.2.4.80"},
                                                                  {"jpegls-near:2", "1.2.840.10008.1.2.4.81"},
                                                                  {"j2k", "1.2.840.10008.1.2.4.90"},
                                                                  {"j2k:20", "1.2.840.10008.1.2.4.91"},
                                                                  {"htj2k", "1.2.840.10008.1.2.4.201"},
                                                                  {"htj2k:20", "1.2.840.10008.1.2.4.203"},
                                                                  {"jpeg:85", "1.2.840.10008.1.2.4.50"}};
  for (const auto& [spec, uid] : table) {
    std::error_code error;
    const auto encoder = make_encoder(spec, error);
    ASSERT_TRUE(encoder) << spec << ": " << error.message();
    EXPECT_EQ(encoder->syntax().uid, uid) << spec;
    const auto decoder = make_decoder(uid, error);
    ASSERT_TRUE(decoder) << uid << ": " << error.message();
    EXPECT_EQ(decoder->syntax().uid, uid);
  }
}

TEST(registry, a_syntax_dcmflow_only_reads_has_a_decoder_and_no_codec_name) {
  const transfer_syntax* rpcl = find_transfer_syntax("1.2.840.10008.1.2.4.202");
  ASSERT_NE(rpcl, nullptr);
  EXPECT_TRUE(rpcl->codec.empty());
  EXPECT_EQ(rpcl->make_encoder, nullptr);
  const auto decoder = make_decoder(rpcl->uid);
  ASSERT_TRUE(decoder);
  EXPECT_EQ(&decoder->syntax(), rpcl);
}

TEST(registry, bad_specs_are_refused_with_a_reason) {
  for (const char* spec : {"jpegls-near:0", "jpegls-near:256", "jpegls-near:x", "jpegls-near:2.5", "j2k:1", "j2k:abc",
                           "j2k:nan", "j2k:inf", "jpeg", "jpeg:0", "jpeg:101", "jpeg:9e1", "rle:3", "jpegls:"}) {
    std::error_code error;
    EXPECT_FALSE(make_encoder(spec, error)) << spec;
    EXPECT_EQ(error, make_error_code(codec_errc::invalid_parameter)) << spec;
  }
  std::error_code error;
  EXPECT_FALSE(make_encoder("webp", error));
  EXPECT_EQ(error, make_error_code(codec_errc::unknown_codec));
  EXPECT_FALSE(make_encoder("", error));
  EXPECT_EQ(error, make_error_code(codec_errc::unknown_codec));
}

TEST(registry, each_transfer_syntax_has_one_entry_and_each_spelling_one_meaning) {
  std::set<std::string_view> uids;
  std::set<std::pair<std::string_view, bool>> spellings;  // (codec, takes an option)
  for (const transfer_syntax& syntax : transfer_syntaxes()) {
    EXPECT_TRUE(uids.insert(syntax.uid).second) << syntax.uid;
    EXPECT_FALSE(syntax.name.empty()) << syntax.uid;
    EXPECT_NE(syntax.make_decoder, nullptr) << syntax.uid << ": dcmflow reads every syntax it lists";
    if (syntax.make_encoder == nullptr) continue;
    EXPECT_FALSE(syntax.codec.empty()) << syntax.uid;
    EXPECT_TRUE(spellings.insert({syntax.codec, syntax.option.takes_value()}).second) << syntax.codec;
    // Lossy coding is asked for with a value (a ratio, a quality, NEAR), never by a bare name.
    if (syntax.lossy) {
      EXPECT_TRUE(syntax.option.takes_value()) << syntax.uid;
    }
  }
}

TEST(registry, a_twin_is_itself_in_the_table) {
  for (const transfer_syntax& syntax : transfer_syntaxes()) {
    if (syntax.older_twin.empty()) continue;
    const transfer_syntax* twin = find_transfer_syntax(syntax.older_twin);
    ASSERT_NE(twin, nullptr) << syntax.uid;
    EXPECT_EQ(twin->lossy, syntax.lossy) << syntax.uid;
    EXPECT_EQ(twin->encoding, syntax.encoding) << syntax.uid;
  }
}

TEST(registry, unknown_transfer_syntax_has_no_decoder) {
  std::error_code error;
  EXPECT_FALSE(make_decoder("1.2.3", error));
  EXPECT_EQ(error, make_error_code(codec_errc::unknown_codec));
}

TEST(registry, this_build_has_every_backend) {
  // The default build; tests/unit/codecs_unbuilt checks a build without them.
  for (const transfer_syntax& syntax : transfer_syntaxes()) EXPECT_TRUE(syntax.built()) << syntax.uid;
}

}  // namespace
}  // namespace dcmflow::codecs
