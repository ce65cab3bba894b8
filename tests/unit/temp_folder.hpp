#pragma once
// A fresh folder per test, named after it and removed after it: the unit tests' scratch.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace dcmflow::testing {

class temp_folder_test : public ::testing::Test {
 protected:
  // `prefix` names the suite's folders ("dcmflow-journal-").
  explicit temp_folder_test(std::string prefix) : prefix_(std::move(prefix)) {}
  void SetUp() override {
    folder_ = std::filesystem::temp_directory_path() /
              (prefix_ + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(folder_);
    std::filesystem::create_directories(folder_);
  }
  void TearDown() override { std::filesystem::remove_all(folder_); }

  std::filesystem::path folder_;

 private:
  std::string prefix_;
};

}  // namespace dcmflow::testing
