#pragma once
// Office documents (.doc, .docx, .rtf, .odt, .txt, .html) to PDF through a pool of warm
// LibreOffice workers (dcmflow-office-worker, LibreOfficeKit in a helper process): a batch
// pays LibreOffice's start once per worker, not once per document. A document that hangs
// is killed after the timeout and one that crashes LibreOffice fails alone; either way its
// worker is restarted for the next document.
//
// Each worker's LibreOffice user profile is kept between runs (under ~/.cache/dcmflow):
// LibreOffice's first start in an empty profile costs ~0.6 s of CPU more than a start in
// a made one, per worker and per run. A profile is locked (flock) by the dcmflow process
// whose worker uses it, so concurrent runs never share one, and it is made afresh after
// its LibreOffice crashed or hung.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/slots.hpp"

namespace dcmflow::office {

struct pool_options {
  std::size_t workers = 0;               // 0: one per core
  std::chrono::seconds timeout{60};      // per document
  std::filesystem::path worker_program;  // empty: dcmflow-office-worker beside this executable
  std::filesystem::path profiles;        // where profiles are kept; empty: the user's cache
};

// Is this name one of the documents LibreOffice converts here? (By extension alone: for
// archive entries before extraction, and as the tie-break of document_evidence.)
[[nodiscard]] bool is_office_document(const std::filesystem::path& file);

// What a file's first bytes say: a Word (OLE2 or OOXML), OpenDocument, RTF or WordPerfect
// document whatever its name (`content`); a name alone for formats without a signature
// (.txt, .html; `extension`, which the caller checks against other formats' signatures);
// or neither.
enum class document_evidence { none, content, extension };
[[nodiscard]] document_evidence office_document_evidence(const std::filesystem::path& file);

class office_pool {
 public:
  explicit office_pool(pool_options options);
  ~office_pool();
  office_pool(const office_pool&) = delete;
  office_pool& operator=(const office_pool&) = delete;

  // Converts `document` to a PDF at `pdf`. Blocks until a worker is free; thread-safe.
  [[nodiscard]] result<void> to_pdf(const std::filesystem::path& document, const std::filesystem::path& pdf);

  [[nodiscard]] std::size_t workers() const { return workers_.size(); }

  // A folder for the PDFs of this run, removed with the pool.
  [[nodiscard]] const std::filesystem::path& scratch_folder() const { return scratch_; }

  // The profile a worker uses (empty before its first document).
  [[nodiscard]] std::filesystem::path profile(std::size_t index) const { return workers_.at(index).profile; }

 private:
  struct worker {
    int pid = -1;
    int to_worker = -1;
    int from_worker = -1;
    std::string pending;  // bytes read past the last line
    std::filesystem::path profile;
    int profile_lock = -1;              // held while this pool owns the profile
    bool fresh_profile_needed = false;  // its LibreOffice crashed or hung: the profile may be damaged
  };

  result<void> start(worker& w);
  void claim_profile(worker& w);
  void stop(worker& w);
  result<std::string> read_line(worker& w, std::chrono::steady_clock::time_point deadline);

  pool_options options_;
  std::filesystem::path scratch_;
  std::vector<worker> workers_;
  std::unique_ptr<slots> free_;                  // which worker is free
  std::once_flag fonts_settled_;                 // fontconfig's cache made before the first LibreOffice starts
  std::vector<std::string> worker_environment_;  // ours, with TMPDIR in the scratch folder
};

}  // namespace dcmflow::office
