#pragma once
// What became of one input: every input ends as exactly one record, converted or failed.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace dcmflow {

// pending: listed in a journal, not worked on yet (or interrupted).
enum class item_status { converted, failed, pending };

// One DICOM object an input became.
// What one destination made of one instance: the peer confirmed it, or why not.
struct delivery_outcome {
  std::string destination;  // the destination's label (credentials redacted)
  bool stored = false;
  std::string detail;       // why not stored
};

struct instance_record {
  std::string sop_instance_uid;
  std::string sop_class_uid;
  std::string study_instance_uid;
  std::string series_instance_uid;
  std::string transfer_syntax_uid;
  std::uint32_t frames = 0;
  std::uint64_t native_bytes = 0;  // uncompressed pixel data
  std::uint64_t stored_bytes = 0;  // pixel data as written (compressed or not)
  std::filesystem::path output;    // relative to a file destination's folder
  std::vector<delivery_outcome> deliveries;  // one per destination, whatever the others did
};

struct item_record {
  std::string input;                              // as the user named it; the item's key
  item_status status = item_status::failed;
  std::string error;                              // why it failed; empty when converted
  std::vector<std::filesystem::path> outputs;     // relative to the output folder
  std::vector<std::string> notes;                 // conversions worth knowing about
  std::string content_sha256;                     // of the input's bytes; empty when unreadable
  std::uint64_t input_bytes = 0;
  std::vector<instance_record> instances;
  double seconds = 0;                             // wall time of its work, all stages
  std::uint32_t attempts = 0;                     // runs that worked on it (journal)
  std::string finished_at;                        // ISO 8601 UTC (journal)
  std::vector<std::byte> thumbnail_png;           // a sample of pages only; usually empty

  [[nodiscard]] std::uint32_t frames() const {
    std::uint32_t total = 0;
    for (const auto& instance : instances) total += instance.frames;
    return total;
  }
};

}  // namespace dcmflow
