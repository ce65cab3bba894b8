#pragma once
// The stages of the graph, one functor each. A stage is built from references to what the
// whole run shares (options, hooks) and keeps no per-item state of its own, so the graph
// may run any number of copies at once. Each catches what third-party code throws and turns
// it into the item's failure (an exception escaping a node would cancel the whole graph).

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "graph/pipeline.hpp"
#include "graph/work_item.hpp"

namespace dcmflow::graph {

// Finds the bytes to read (extracting an archive entry), hashes them, decides whether an
// earlier run finished them, looks up the item's attributes and estimates its decoded size.
class identify_stage {
 public:
  identify_stage(const pipeline_options& options, const pipeline_hooks& hooks, const std::filesystem::path& scratch,
                 std::atomic<std::uint64_t>& extracted)
      : options_(options), hooks_(hooks), scratch_(scratch), extracted_(extracted) {}
  item_handle operator()(item_handle item) const;

 private:
  void identify(work_item& item) const;
  const pipeline_options& options_;
  const pipeline_hooks& hooks_;
  const std::filesystem::path& scratch_;
  std::atomic<std::uint64_t>& extracted_;
};

// Office documents to PDF through the warm LibreOffice workers. Blocking (a worker converts
// while we wait), so the graph runs it on threads of its own, one per LibreOffice worker:
// the TBB threads meanwhile render pages of documents already converted.
class office_stage {
 public:
  explicit office_stage(const pipeline_options& options) : options_(options) {}
  [[nodiscard]] bool wanted(const work_item& item) const;  // else the item passes straight on
  item_handle operator()(item_handle item) const;

 private:
  const pipeline_options& options_;
};

// Decodes: images and PDF pages (an Office document's PDF) to rasters, DICOM files to an
// instance with native pixels.
class produce_stage {
 public:
  explicit produce_stage(const pipeline_options& options) : options_(options) {}
  item_handle operator()(item_handle item) const;

 private:
  void produce(work_item& item) const;
  const pipeline_options& options_;
};

// Makes DICOM objects of the rasters (Secondary Capture, Encapsulated PDF), or adjusts a
// read DICOM object (text re-encoded, a new identity before lossy compression).
class tag_stage {
 public:
  explicit tag_stage(const pipeline_options& options) : options_(options) {}
  item_handle operator()(item_handle item) const;

 private:
  void tag(work_item& item) const;
  void tag_transcoded(work_item& item) const;
  const pipeline_options& options_;
};

class compress_stage {
 public:
  explicit compress_stage(const pipeline_options& options) : options_(options) {}
  item_handle operator()(item_handle item) const;

 private:
  const pipeline_options& options_;
};

// Sends every instance to every destination, records what each became, and lets go of the
// pixels: what reaches the serial finish node is small.
class store_stage {
 public:
  // `gates`: one per destination of the run (store::gates_for). `codecs`: empty, or one
  // per destination (codec: auto): a destination whose codec is not the one the instances
  // were compressed with gets them in its own, losslessly recoded.
  store_stage(const std::vector<std::unique_ptr<store::outage_gate>>& gates,
              const std::vector<std::shared_ptr<const codecs::encoder>>& codecs)
      : gates_(gates), codecs_(codecs) {}
  item_handle operator()(item_handle item) const;

 private:
  void store(work_item& item) const;
  // The object as destination `index` takes it: `primary`, or recoded into its codec (made
  // once per codec and instance, in `recoded`).
  using recodings = std::map<const codecs::encoder*, result<store::outgoing_instance>>;
  const result<store::outgoing_instance>& as_destination_takes(std::size_t index, dicom::instance& object,
                                                               const result<store::outgoing_instance>& primary,
                                                               recodings& recoded) const;
  const std::vector<std::unique_ptr<store::outage_gate>>& gates_;
  const std::vector<std::shared_ptr<const codecs::encoder>>& codecs_;
};

}  // namespace dcmflow::graph
