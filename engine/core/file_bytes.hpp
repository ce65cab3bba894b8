#pragma once
// A file's bytes in one allocation and one read (not a character at a time through a
// stream iterator, which costs more than the read on hot paths: every file stored or
// transcoded goes through here).

#include <cstddef>
#include <filesystem>
#include <string>

#include "core/result.hpp"

namespace dcmflow {

[[nodiscard]] result<std::string> read_file_bytes(const std::filesystem::path& file);

// At most `limit` bytes from the start of the file (fewer when the file is shorter).
[[nodiscard]] result<std::string> read_file_prefix(const std::filesystem::path& file, std::size_t limit);

// A DICOM Part 10 file? ("DICM" after the 128-byte preamble; reads 132 bytes.)
[[nodiscard]] bool is_part10_file(const std::filesystem::path& file);

}  // namespace dcmflow
