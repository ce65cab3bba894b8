#pragma once
// The message that travels the graph: one input and everything made from it so far.
// Nodes pass a shared handle (cheap to copy, as flow graph messages must be); a stage that
// finds the item failed or skipped passes it on untouched, so every item reaches the end.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "core/item.hpp"
#include "dicom/attribute.hpp"
#include "dicom/instance.hpp"
#include "graph/pipeline.hpp"
#include "raster/raster.hpp"
#include "store/item_delivery.hpp"

namespace dcmflow::graph {

struct work_item {
  std::size_t index = 0;  // in the run's list
  const planned_item* plan = nullptr;
  std::filesystem::path local_file;  // what to read: the input, or its extracted archive entry
  std::filesystem::path scratch;     // removed when the item finishes
  bool dicom_input = false;          // transcoded rather than converted
  bool skipped = false;              // finished by an earlier run
  bool wants_thumbnail = false;
  std::uint64_t admitted_bytes = 0;  // held from the admission budget until finished
  std::uint64_t estimated_bytes = 0;
  std::vector<dicom::attribute_assignment> attributes;
  std::filesystem::path converted_pdf;  // an Office document's PDF, removed with the item
  std::vector<raster::raster> pages;
  std::vector<dicom::instance> instances;
  std::vector<std::filesystem::path> instance_names;  // relative output name of each instance
  // A source of many pages goes through produce, tag, compress and store a part at a time
  // (pipeline_options::frames_per_instance pages) and back to produce for the next part, so
  // memory holds one part however long the document.
  std::uint32_t source_pages = 0;  // every page of the source, once probed; 0 for DICOM inputs
  std::uint32_t next_page = 0;     // the first page the next part starts at
  std::size_t instances_made = 0;  // by earlier parts: numbers the next part's instances
  item_record record;
  std::chrono::steady_clock::time_point started;
  // Its instances on their way to the destinations, over all its parts (item_delivery.hpp).
  store::item_delivery delivery;
  // A destination it needs was given up for this run and none refused one of its
  // instances: the item ends pending, not failed.
  bool waits_for_destination = false;

  [[nodiscard]] bool active() const { return !skipped && record.error.empty(); }
  [[nodiscard]] bool more_pages() const { return active() && next_page < source_pages; }
  void fail(const failure& why) {
    if (record.error.empty()) record.error = why.message.empty() ? "failed" : why.message;
  }
};

using item_handle = std::shared_ptr<work_item>;

}  // namespace dcmflow::graph
