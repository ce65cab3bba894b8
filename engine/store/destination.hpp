#pragma once
// Where instances go. A destination takes one finished instance at a time and says whether
// it arrived; the store stage sends every instance of an item to every destination, and
// the item is stored only when all of them said yes. (DICOM and DICOMweb destinations come
// with the store issue; a folder is the default.)

#include <filesystem>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "dicom/instance.hpp"

namespace dcmflow::store {

class destination {
 public:
  virtual ~destination() = default;
  // As the user wrote it: the journal's name for this destination.
  [[nodiscard]] virtual const std::string& url() const = 0;
  // `name`: the instance's path relative to a folder destination. Thread-safe.
  [[nodiscard]] virtual result<void> store(dicom::instance& object, const std::filesystem::path& name) = 0;
};

// file://DIR or a bare folder path: Part 10 files, written beside and renamed into place.
class folder_destination final : public destination {
 public:
  explicit folder_destination(std::filesystem::path folder, std::string url = {});
  [[nodiscard]] const std::string& url() const override { return url_; }
  [[nodiscard]] const std::filesystem::path& folder() const { return folder_; }
  [[nodiscard]] result<void> store(dicom::instance& object, const std::filesystem::path& name) override;

 private:
  std::filesystem::path folder_;
  std::string url_;
};

// "file:///data/out", "file://out" (relative) or a plain path, resolved against `base`.
// Other schemes fail with what is supported.
[[nodiscard]] result<std::shared_ptr<destination>> open_destination(const std::string& url,
                                                                   const std::filesystem::path& base);

}  // namespace dcmflow::store
