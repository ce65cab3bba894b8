#include "store/destination.hpp"

#include <system_error>

namespace dcmflow::store {

folder_destination::folder_destination(std::filesystem::path folder, std::string url)
    : folder_(std::move(folder)), url_(url.empty() ? "file://" + folder_.string() : std::move(url)) {}

result<void> folder_destination::store(dicom::instance& object, const std::filesystem::path& name) {
  const std::filesystem::path target = folder_ / name;
  std::error_code error;
  std::filesystem::create_directories(target.parent_path(), error);
  if (error) return failure{"cannot create " + target.parent_path().string() + ": " + error.message()};
  return object.write_file(target);
}

result<std::shared_ptr<destination>> open_destination(const std::string& url, const std::filesystem::path& base) {
  std::string path = url;
  if (url.starts_with("file://")) {
    path = url.substr(7);
  } else if (const auto scheme = url.find("://"); scheme != std::string::npos) {
    const std::string name = url.substr(0, scheme);
    if (name == "dicom" || name == "dicoms" || name == "http" || name == "https") {
      return failure{url + ": " + name + ":// destinations are not supported yet (only file:// folders)"};
    }
    return failure{url + ": unknown destination scheme '" + name + "' (file://DIR)"};
  }
  if (path.empty()) return failure{"'" + url + "': a destination needs a folder (file://DIR)"};
  std::filesystem::path folder(path);
  if (folder.is_relative()) folder = base / folder;
  return std::shared_ptr<destination>(std::make_shared<folder_destination>(folder.lexically_normal(), url));
}

}  // namespace dcmflow::store
