#pragma once
// One DICOM object in memory, ready to be written or sent. Opaque so that only dicom/
// sees GDCM.

#include <filesystem>
#include <memory>
#include <string>

#include "core/result.hpp"

namespace dcmflow::dicom {

class instance {
 public:
  struct impl;
  explicit instance(std::unique_ptr<impl> state);
  instance(instance&&) noexcept;
  instance& operator=(instance&&) noexcept;
  ~instance();

  [[nodiscard]] const std::string& sop_class_uid() const;
  [[nodiscard]] const std::string& sop_instance_uid() const;

  // Part 10 file; written beside the target and renamed, so a crash never leaves half a file.
  [[nodiscard]] result<void> write_file(const std::filesystem::path& path) const;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace dcmflow::dicom
