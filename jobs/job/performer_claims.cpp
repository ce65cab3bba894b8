#include "job/performer_claims.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace dcmflow::job {

namespace fs = std::filesystem;

bool is_uid(std::string_view text) {
  if (text.empty() || text.size() > 64 || text.front() == '.' || text.back() == '.') return false;
  if (text.find("..") != std::string_view::npos) return false;
  return text.find_first_not_of("0123456789.") == std::string_view::npos;
}

namespace {

bool write_durably(const fs::path& file, const std::string& text) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  return written;
}

void sync_folder(const fs::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);  // the rename itself survives a crash
  ::close(fd);
}

}  // namespace

result<void> claim_store::keep(const claim& kept) const {
  std::error_code error;
  fs::create_directories(claims(), error);
  if (error) return failure{"cannot make " + claims().string() + ": " + error.message()};
  const fs::path file = file_of(kept.workitem);
  const fs::path partial = file.string() + ".partial";
  worklist::dataset fields{{"workitem", kept.workitem}, {"transaction", kept.transaction}, {"started", kept.started}};
  if (kept.cancel_requested) {
    fields["cancel_reason"] = kept.cancel_reason;
    if (kept.cancel_code)
      fields["cancel_code"] = {kept.cancel_code->value, kept.cancel_code->scheme, kept.cancel_code->meaning};
  }
  const std::string text = worklist::json_text(fields);
  if (!write_durably(partial, text)) return failure{"cannot write " + partial.string()};
  fs::rename(partial, file, error);  // the claim is on disk whole, or not at all
  if (error) return failure{"cannot write " + file.string() + ": " + error.message()};
  sync_folder(claims());
  return {};
}

void claim_store::forget(const std::string& uid) const {
  std::error_code ignored;
  fs::remove(file_of(uid), ignored);
  sync_folder(claims());
}

bool claim_store::has(const std::string& uid) const {
  std::error_code error;
  return std::filesystem::exists(file_of(uid), error);
}

std::vector<claim> claim_store::all() const {
  std::vector<claim> found;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(claims(), error)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const auto parsed = worklist::parse_dicom_json(text.str());
    if (!parsed.is_object()) continue;
    const auto field = [&](const char* name) {
      const auto value = parsed.find(name);
      return value != parsed.end() && value->is_string() ? value->get<std::string>() : std::string();
    };
    claim kept;
    kept.workitem = field("workitem");
    kept.transaction = field("transaction");
    kept.started = field("started");
    if (parsed.contains("cancel_reason")) {
      kept.cancel_requested = true;
      kept.cancel_reason = field("cancel_reason");
      const auto coded = parsed.find("cancel_code");
      if (coded != parsed.end() && coded->is_array() && coded->size() == 3 && (*coded)[0].is_string() &&
          (*coded)[1].is_string() && (*coded)[2].is_string()) {
        kept.cancel_code = worklist::code{(*coded)[0].get<std::string>(), (*coded)[1].get<std::string>(),
                                          (*coded)[2].get<std::string>()};
      }
    }
    if (is_uid(kept.workitem) && is_uid(kept.transaction)) found.push_back(std::move(kept));
  }
  return found;
}

}  // namespace dcmflow::job
