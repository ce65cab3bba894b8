#include "convert/output_naming.hpp"

#include <gtest/gtest.h>

namespace dcmflow::convert {
namespace {

input_file named(const std::string& path) { return {path, path, true, {}, 0, {}, path}; }

TEST(output_naming, same_stem_in_different_folders_gets_numbered_in_input_order) {
  const std::vector<input_file> inputs = {named("a/scan.png"), named("b/scan.tif"), named("c/Scan.jpg")};
  const auto names = name_outputs(inputs);
  ASSERT_EQ(names.size(), 3U);
  EXPECT_EQ(names[0], "scan.dcm");
  EXPECT_EQ(names[1], "scan-2.dcm");
  EXPECT_EQ(names[2], "Scan-3.dcm");  // case-insensitive file systems would merge Scan and scan
}

TEST(output_naming, a_natural_name_that_collides_with_a_numbered_one_moves_on) {
  const std::vector<input_file> inputs = {named("x/scan.png"), named("y/scan.png"), named("scan-2.png")};
  const auto names = name_outputs(inputs);
  EXPECT_EQ(names[2], "scan-2-2.dcm");
}

TEST(output_naming, archive_entries_are_named_after_the_entry) {
  input_file entry = named("reports.zip");
  entry.entry = "2019/scan.tif";
  const std::vector<input_file> inputs = {entry, named("reports.zip")};
  const auto names = name_outputs(inputs);
  EXPECT_EQ(names[0], "scan.dcm");
  EXPECT_EQ(names[1], "reports.dcm");
}

TEST(output_naming, unsafe_characters_are_replaced_and_unicode_kept) {
  const std::vector<input_file> inputs = {named("dir/report 1:final?.png"), named("王小东.png")};
  const auto names = name_outputs(inputs);
  EXPECT_EQ(names[0], "report_1_final_.dcm");
  EXPECT_EQ(names[1], "王小东.dcm");
}

}  // namespace
}  // namespace dcmflow::convert
