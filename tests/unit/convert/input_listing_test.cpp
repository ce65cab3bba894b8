#include "convert/input_listing.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace dcmflow::convert {
namespace {

class input_listing : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("input_listing_" + std::to_string(::getpid()));
    for (const char* file : {"b.pdf", "a.png", "sub/c.pdf", "sub/tmp/d.pdf", ".hidden/e.pdf", "sub/.f.pdf"}) {
      std::filesystem::create_directories((root_ / file).parent_path());
      std::ofstream(root_ / file) << "x";
    }
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::vector<std::string> relative(const std::vector<input_file>& files) const {
    std::vector<std::string> names;
    names.reserve(files.size());
    for (const auto& file : files) names.push_back(file.path.lexically_relative(root_).generic_string());
    return names;
  }

  std::filesystem::path root_;
};

TEST_F(input_listing, folders_are_walked_sorted_without_hidden_entries) {
  const std::vector<std::filesystem::path> named = {root_};
  EXPECT_EQ(relative(list_inputs(named)), (std::vector<std::string>{"a.png", "b.pdf", "sub/c.pdf", "sub/tmp/d.pdf"}));
}

TEST_F(input_listing, include_and_exclude_globs_filter_folder_files) {
  const std::vector<std::filesystem::path> named = {root_};
  EXPECT_EQ(relative(list_inputs(named, {.include = {"*.pdf"}, .exclude = {"*/tmp/*"}})),
            (std::vector<std::string>{"b.pdf", "sub/c.pdf"}));
}

TEST_F(input_listing, files_named_directly_are_always_taken_and_missing_ones_listed) {
  const std::vector<std::filesystem::path> named = {root_ / "a.png", root_ / "absent.png"};
  const auto files = list_inputs(named, {.include = {"*.pdf"}, .exclude = {}});
  ASSERT_EQ(files.size(), 2U);
  EXPECT_TRUE(files[0].named_directly);
  EXPECT_EQ(files[1].path, root_ / "absent.png");
}

}  // namespace
}  // namespace dcmflow::convert
