#pragma once
// Job files: what `dcmflow run` does, in YAML. Every key is checked when the file is read
// (unknown keys too: a typo must not silently drop a setting), and every problem is
// reported as `FILE:LINE: what is wrong`. Relative paths are relative to the job file.
// jobs/examples/ holds commented examples; docs of each key are in jobs/README.md.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "manifest/manifest.hpp"

namespace dcmflow::job {

struct input_spec {
  std::filesystem::path path;
  std::vector<std::string> include;
  std::vector<std::string> exclude;
};

struct manifest_spec {
  std::filesystem::path file;
  std::string encoding = "auto";  // auto, utf8, gb18030
  std::map<std::string, manifest::column_mapping> columns;
};

// Who wrote a spec: a job file, or `convert`/`transcode`'s command line. Messages name a
// setting as its writer does ("codec: ..." or "--codec ...").
enum class spec_origin { job_file, command_line };

// Paths are kept as the job file wrote them (an input's name, the item's key in the journal,
// is the path as written); `opened()` gives the path this process opens, whatever its
// working folder: no command moves into the job's folder.
struct job_spec {
  spec_origin origin = spec_origin::job_file;
  std::filesystem::path file;    // the job file itself, as the command line named it
  std::filesystem::path folder;  // where its relative paths start
  std::vector<input_spec> inputs;
  std::optional<manifest_spec> manifest;
  std::vector<std::string> attributes;  // "Keyword=value", checked
  bool allow_missing_patient_id = false;
  std::string mode = "auto";  // auto, convert, transcode
  std::string codec = "none";
  std::string charset = "utf8";            // written by convert
  std::string recode_charset;              // transcode: text re-encoded into it; empty: kept
  std::string assume_charset;              // transcode: text read as it, whatever the file says
  std::string archive_encoding = "CP437";  // of archive entry names not marked as UTF-8
  double dpi = 200;
  std::string colour = "auto";
  bool per_page = false;
  std::optional<std::uint32_t> frames_per_instance;  // unset: the engine's default
  // The rendering environment every run and shard must have (as `--preflight` prints it);
  // empty: the one the job's first run recorded.
  std::string environment;
  bool also_pdf = false;
  std::size_t office_workers = 0;
  int office_timeout_s = 60;
  std::vector<std::string> destinations;  // default: file://output
  std::filesystem::path journal;          // default: <job>.journal.sqlite beside the job
  std::filesystem::path report_folder;    // default: the journal's folder
  int threads = 0;                        // 0: every core
  std::size_t items_in_flight = 0;        // 0: four per thread
  std::uint64_t memory_mb = 1024;         // decoded pixels in flight
  std::uint64_t max_entry_bytes = 2ULL << 30;
  std::uint64_t max_expansion_ratio = 2000;  // archive entries, past 64 MiB
  std::uint64_t decode_memory_mb = 12288;    // address space of each decode helper
  int decode_timeout_s = 600;                // per input file, to parse and decode
  int outage_limit_s = 3600;                 // a destination unreachable this long is given up
  std::uint64_t max_document_mb = 1024;      // an Office package inflated
  std::uint64_t max_document_xml_mb = 256;   // its XML (or an .rtf, .html, .doc)
  std::string uid_root = "2.25";
  std::string uid_namespace = "dcmflow";
  std::size_t thumbnails = 24;

  [[nodiscard]] std::filesystem::path opened(const std::filesystem::path& written) const {
    return written.is_absolute() || folder == "." ? written : folder / written;
  }
};

[[nodiscard]] result<job_spec> load_job_file(const std::filesystem::path& file);

}  // namespace dcmflow::job
