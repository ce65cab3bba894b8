#pragma once
// Who a Part 10 file is, read through DCMTK (which sends it): what a sender needs to pick a
// presentation context, and what a received file is named after. Only the file meta and
// the dataset up to SOP Instance UID are parsed.

#include <filesystem>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace dcmflow::store {

struct part10_identity {
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::string transfer_syntax_uid;  // as the file meta names it (DCMTK 3.6 does not know HTJ2K)
};

// From bytes already in memory.
[[nodiscard]] result<part10_identity> read_part10_identity(std::string_view part10);
// From a file: its first few kilobytes.
[[nodiscard]] result<part10_identity> read_part10_file_identity(const std::filesystem::path& path);

}  // namespace dcmflow::store
