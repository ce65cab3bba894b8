#include "store/destination.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string_view>
#include <system_error>

#include "store/dimse_destination.hpp"
#include "store/stow_destination.hpp"

namespace dcmflow::store {

namespace {

// The 128-byte preamble is the application's to fill (PS3.10 7.1); a file from outside may
// carry an executable header there (CVE-2019-11687: a file that is both DICOM and a
// Windows program). Copies are made with it zeroed, as dcmflow writes its own.
bool zero_preamble(const std::filesystem::path& file) {
  std::fstream io(file, std::ios::binary | std::ios::in | std::ios::out);
  std::array<char, 132> head{};
  if (!io.read(head.data(), head.size())) return false;
  if (std::string_view(head.data() + 128, 4) != "DICM") return true;  // no preamble to clean
  if (std::all_of(head.begin(), head.begin() + 128, [](char c) { return c == 0; })) return true;
  const std::array<char, 128> zeros{};
  io.seekp(0);
  return static_cast<bool>(io.write(zeros.data(), zeros.size()).flush());
}

}  // namespace

result<automatic_codec> destination::choose_automatic_codec(std::span<const codec_choice> by_preference) const {
  (void)by_preference;
  return failure{url() + ": codec: auto does not know this kind of destination"};
}

std::string redacted_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const auto authority_start = scheme_end + 3;
  const auto authority_end = url.find_first_of("/?#", authority_start);
  const std::string_view authority = url.substr(authority_start, authority_end - authority_start);
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  const auto colon = authority.substr(0, at).find(':');
  if (colon == std::string_view::npos) return std::string(url);  // a user (or an AE title) alone
  return std::string(url.substr(0, authority_start + colon + 1)) + "***" +
         std::string(url.substr(authority_start + at));
}

folder_destination::folder_destination(std::filesystem::path folder, std::string url)
    : folder_(std::move(folder)), url_(url.empty() ? "file://" + folder_.string() : std::move(url)) {}

store_result folder_destination::store(const outgoing_instance& object) {
  const std::filesystem::path target = folder_ / object.name;
  std::error_code error;
  std::filesystem::create_directories(target.parent_path(), error);
  if (error) return failure{"cannot create " + target.parent_path().string() + ": " + error.message()};
  // Beside the target, then renamed: a crash never leaves half a file under its name.
  std::filesystem::path partial = target;
  partial += ".part";
  if (object.part10.empty() && !object.file.empty()) {
    std::filesystem::copy_file(object.file, partial, std::filesystem::copy_options::overwrite_existing, error);
    // Ours to replace later, whatever the source's mode (a read-only input stays readable).
    if (!error) {
      std::filesystem::permissions(partial, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                                   std::filesystem::perm_options::add, error);
    }
    if (!error && !zero_preamble(partial)) error = std::make_error_code(std::errc::io_error);
    if (error) {
      std::error_code ignored;
      std::filesystem::remove(partial, ignored);
      return failure{"cannot write " + target.string() + ": " + error.message()};
    }
  } else {
    errno = 0;
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out.write(object.part10.data(), static_cast<std::streamsize>(object.part10.size()));
    out.close();  // a full disk may only show when the last buffer goes out
    if (!out) {
      const int why = errno;  // before anything else can change it
      std::filesystem::remove(partial, error);
      return failure{"cannot write " + target.string() + ": " +
                     (why != 0 ? std::strerror(why) : "the system gave no reason")};
    }
  }
  std::filesystem::rename(partial, target, error);
  if (error) return failure{"cannot write " + target.string() + ": " + error.message()};
  return delivery{};
}

result<std::shared_ptr<destination>> open_destination(const std::string& url, const std::filesystem::path& base,
                                                      const network_options& defaults) {
  std::string path = url;
  if (url.starts_with("file://")) {
    path = url.substr(7);
  } else if (url.starts_with("dicom://") || url.starts_with("dicoms://")) {
    auto parsed = parse_dicom_url(url, defaults);
    if (!parsed) return parsed.error();
    return std::shared_ptr<destination>(std::make_shared<dimse_destination>(std::move(parsed).value(), url));
  } else if (url.starts_with("http://") || url.starts_with("https://")) {
    auto parsed = parse_stow_url(url);
    if (!parsed) return parsed.error();
    return std::shared_ptr<destination>(std::make_shared<stow_destination>(std::move(parsed).value(), url));
  } else if (const auto scheme = url.find("://"); scheme != std::string::npos) {
    const std::string name = url.substr(0, scheme);
    return failure{url + ": unknown destination scheme '" + name +
                   "' (file://DIR, dicom(s)://AE@host:port, http(s)://host/dicom-web)"};
  }
  if (path.empty()) return failure{"'" + url + "': a destination needs a folder (file://DIR)"};
  std::filesystem::path folder(path);
  if (folder.is_relative()) folder = base / folder;
  return std::shared_ptr<destination>(std::make_shared<folder_destination>(folder.lexically_normal(), url));
}

}  // namespace dcmflow::store
