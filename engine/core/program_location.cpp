#include "core/program_location.hpp"

#include <system_error>

namespace dcmflow {

result<std::filesystem::path> beside_this_program(std::string_view name) {
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return failure{"cannot find where this program is (/proc/self/exe): " + error.message()};
  return self.parent_path() / name;
}

}  // namespace dcmflow
