#pragma once
// What became of one input: every input ends as exactly one record, converted or failed.

#include <filesystem>
#include <string>
#include <vector>

namespace dcmflow {

enum class item_status { converted, failed };

struct item_record {
  std::string input;                              // as the user named it
  item_status status = item_status::failed;
  std::string error;                              // why it failed; empty when converted
  std::vector<std::filesystem::path> outputs;     // relative to the output folder
  std::vector<std::string> notes;                 // conversions worth knowing about
};

}  // namespace dcmflow
