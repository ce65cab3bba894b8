#pragma once
// What became of one input: every input ends as exactly one record, converted or failed.

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dcmflow {

// converted: made, and confirmed by every destination. pending: listed in a journal, not
// worked on yet (or interrupted).
enum class item_status { converted, failed, pending };

// What became of one instance at one destination, first when sent, then as verification and
// storage commitment learn more.
enum class delivery_state {
  stored,         // the peer confirmed it
  failed,         // refused, or not sent (detail says why)
  verified,       // found there by a later query
  missing,        // not found there by a later query
  committed,      // the peer took responsibility for it (Storage Commitment)
  commit_failed,  // the peer refused responsibility for it
};

// Each state's one name, in the journal (whose CHECK constraints list them), the hand-over
// lists and `dcmflow run --status`. An item converted is 'stored' there.
inline constexpr std::array<std::pair<item_status, std::string_view>, 3> item_status_names{
    {{item_status::pending, "pending"}, {item_status::converted, "stored"}, {item_status::failed, "failed"}}};
inline constexpr std::array<std::pair<delivery_state, std::string_view>, 6> delivery_state_names{{
    {delivery_state::stored, "stored"},
    {delivery_state::failed, "failed"},
    {delivery_state::verified, "verified"},
    {delivery_state::missing, "missing"},
    {delivery_state::committed, "committed"},
    {delivery_state::commit_failed, "commit-failed"},
}};

template <class State, std::size_t count>
using state_names = std::array<std::pair<State, std::string_view>, count>;

template <class State, std::size_t count>
[[nodiscard]] constexpr std::string_view name_of(State state, const state_names<State, count>& names) {
  for (const auto& [each, name] : names) {
    if (each == state) return name;
  }
  return {};
}

template <class State, std::size_t count>
[[nodiscard]] constexpr std::optional<State> state_named(std::string_view text,
                                                         const state_names<State, count>& names) {
  for (const auto& [each, name] : names) {
    if (name == text) return each;
  }
  return std::nullopt;
}

[[nodiscard]] constexpr std::string_view state_name(item_status status) { return name_of(status, item_status_names); }
[[nodiscard]] constexpr std::string_view state_name(delivery_state state) {
  return name_of(state, delivery_state_names);
}

// What one destination made of one instance: the peer confirmed it, or why not.
struct delivery_outcome {
  std::string destination;  // the destination's label (credentials redacted)
  delivery_state state = delivery_state::failed;
  std::string detail;  // why not stored

  [[nodiscard]] bool stored() const { return state == delivery_state::stored; }
};

// One DICOM object an input became.

struct instance_record {
  std::string sop_instance_uid;
  std::string sop_class_uid;
  std::string study_instance_uid;
  std::string series_instance_uid;
  std::string transfer_syntax_uid;
  std::uint32_t frames = 0;
  std::uint64_t native_bytes = 0;            // uncompressed pixel data
  std::uint64_t stored_bytes = 0;            // pixel data as written (compressed or not)
  std::filesystem::path output;              // relative to a file destination's folder
  std::vector<delivery_outcome> deliveries;  // one per destination, whatever the others did
};

struct item_record {
  std::string input;  // as the user named it; the item's key
  item_status status = item_status::failed;
  std::string error;                           // why it failed; empty when converted
  std::vector<std::filesystem::path> outputs;  // relative to the output folder
  std::vector<std::string> notes;              // conversions worth knowing about
  std::string content_sha256;                  // of the input's bytes; empty when unreadable
  std::uint64_t input_bytes = 0;
  std::vector<instance_record> instances;
  double seconds = 0;                    // wall time of its work, all stages
  std::uint32_t attempts = 0;            // runs that worked on it (journal)
  std::string finished_at;               // ISO 8601 UTC (journal)
  std::vector<std::byte> thumbnail_png;  // a sample of pages only; usually empty

  [[nodiscard]] std::uint32_t frames() const {
    std::uint32_t total = 0;
    for (const auto& instance : instances) total += instance.frames;
    return total;
  }
};

}  // namespace dcmflow
