#include <dcmflow/codecs/registry.hpp>

#include <gtest/gtest.h>

#include <set>
#include <string>

#include <dcmflow/codecs/codec_error.hpp>

namespace dcmflow::codecs {
namespace {

TEST(registry, names_map_to_the_transfer_syntaxes_of_the_codec_table) {
  const std::vector<std::pair<std::string, std::string>> table = {
      {"none", "1.2.840.10008.1.2.1"},          {"deflate", "1.2.840.10008.1.2.1.99"},
      {"rle", "1.2.840.10008.1.2.5"},           {"jpegls", "1.2.840.10008.1.2.4.80"},
      {"jpegls-near:2", "1.2.840.10008.1.2.4.81"}, {"j2k", "1.2.840.10008.1.2.4.90"},
      {"j2k:20", "1.2.840.10008.1.2.4.91"},     {"htj2k", "1.2.840.10008.1.2.4.201"},
      {"htj2k:20", "1.2.840.10008.1.2.4.203"},  {"jpeg:85", "1.2.840.10008.1.2.4.50"}};
  for (const auto& [spec, uid] : table) {
    std::error_code error;
    const auto c = make_codec(spec, error);
    ASSERT_TRUE(c) << spec << ": " << error.message();
    EXPECT_EQ(c->description().transfer_syntax_uid, uid) << spec;
    const auto decoder = make_decoder(uid);
    ASSERT_TRUE(decoder) << uid;
    EXPECT_EQ(decoder->description().transfer_syntax_uid, uid);
  }
}

TEST(registry, bad_specs_are_refused_with_a_reason) {
  for (const char* spec : {"jpegls-near:0", "jpegls-near:256", "jpegls-near:x", "j2k:1", "j2k:abc",
                           "jpeg", "jpeg:0", "jpeg:101", "rle:3"}) {
    std::error_code error;
    EXPECT_FALSE(make_codec(spec, error)) << spec;
    EXPECT_EQ(error, make_error_code(codec_errc::invalid_parameter)) << spec;
  }
  std::error_code error;
  EXPECT_FALSE(make_codec("webp", error));
  EXPECT_EQ(error, make_error_code(codec_errc::unknown_codec));
}

TEST(registry, every_listed_codec_has_a_distinct_transfer_syntax) {
  std::set<std::string_view> uids;
  for (const auto& description : all_codecs()) EXPECT_TRUE(uids.insert(description.transfer_syntax_uid).second);
  EXPECT_EQ(uids.size(), all_codecs().size());
}

TEST(registry, unknown_transfer_syntax_has_no_decoder) { EXPECT_FALSE(make_decoder("1.2.3")); }

}  // namespace
}  // namespace dcmflow::codecs
