#pragma once
// The engine: one oneTBB flow graph that takes a list of inputs through
//   enumerate -> identify -> admit -> produce (rasterise / read) -> tag -> compress -> store -> finish
// (a long document goes from store back to produce for each further part of its pages).
// Every input reaches `finish` exactly once, converted, skipped or failed; a bad input is a
// failed item, never an exception. Items in flight are capped at the entrance (a limiter
// node) and so are their decoded bytes (an admission node), so memory stays flat however
// long the list. See graph/README.md for the design.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <dcmflow/codecs/codec.hpp>

#include "convert/archive_reader.hpp"
#include "convert/input_listing.hpp"
#include "core/item.hpp"
#include "dicom/attribute.hpp"
#include "dicom/character_set.hpp"
#include "isolate/contained_decoder.hpp"
#include "office/office_pool.hpp"
#include "raster/image_loader.hpp"
#include "store/destination.hpp"
#include "store/outage_gate.hpp"

namespace dcmflow::graph {

enum class input_mode {
  convert,    // images and documents become Secondary Capture (and Encapsulated PDF)
  transcode,  // DICOM files are recompressed, every other attribute kept
  automatic,  // by content: DICOM files are transcoded, everything else converted
};

// A4 at 200 dpi: 64 grey frames are 250 MB of pixels, 64 colour ones 740 MB.
inline constexpr std::uint32_t default_frames_per_instance = 64;

// An input's own attributes (a manifest row), or why it has none it can use.
using attribute_lookup = std::function<result<std::vector<dicom::attribute_assignment>>(const convert::input_file&)>;

struct pipeline_options {
  input_mode mode = input_mode::convert;
  std::vector<std::shared_ptr<store::destination>> destinations;
  std::vector<dicom::attribute_assignment> attributes;  // convert: for every input, applied last
  attribute_lookup item_attributes;                     // convert: per input; null for none
  std::shared_ptr<const codecs::encoder> codec;         // null: uncompressed; shared by all workers
  // codec: auto: one per destination, what it accepts (store/capabilities.hpp); `codec` is
  // the first one's, and the others get each instance recoded. Empty: `codec` for all.
  std::vector<std::shared_ptr<const codecs::encoder>> destination_codecs;
  std::string codec_spec;                                           // as given ("jpeg:80"): a lossy one is part of UIDs
  dicom::character_set character_set = dicom::character_set::utf8;  // convert: of the text written
  bool per_page = false;  // convert: one instance per page instead of one multi-frame instance
  // convert: a source of more pages becomes several instances of at most this many frames
  // (one series), made and sent one after another: memory holds one of them at a time.
  std::uint32_t frames_per_instance = default_frames_per_instance;
  bool also_pdf = false;           // convert: a PDF input also becomes an Encapsulated PDF in the same study
  raster::load_options rasterise;  // PDF resolution and colour
  std::shared_ptr<office::office_pool> office;  // Office documents to PDF; null: refused
  // Where files from outside are parsed and decoded (helper processes); null: in this
  // process, for tests of the stages alone.
  std::shared_ptr<isolate::contained_decoder> decoder;
  convert::archive_limits archives;
  // transcode: text re-encoded into this set (decoded from the file's own set, or from
  // `assume_character_set`, to repair a missing or wrong declaration).
  std::optional<dicom::character_set> recode_text_to;
  std::optional<dicom::character_set> assume_character_set;
  std::string uid_root = "2.25";
  std::string uid_namespace = "dcmflow";

  // Flow control. Items in flight: 0 means four per worker thread, or twice the senders
  // the destinations can keep busy when that is more.
  std::size_t max_items_in_flight = 0;
  // Decoded pixels in flight (estimated from headers). One item bigger than this still
  // runs, alone.
  std::uint64_t max_bytes_in_flight = 1ULL << 30;
  std::size_t thumbnails = 0;  // items, spread over the run, whose first page gets a thumbnail
  // How long a destination may stay unreachable before the run gives it up (outage_gate.hpp).
  std::chrono::milliseconds outage_limit = store::default_outage_limit;
};

// One input as the run plans it: what to read and the name its outputs take.
struct planned_item {
  convert::input_file input;
  std::filesystem::path output_name;  // relative; see convert::instance_output
};

struct pipeline_hooks {
  // True when an earlier run finished this input with this content: it is skipped.
  std::function<bool(const std::string& key, const std::string& content_sha256)> already_done;
  // Called once per item in the serial finish node, never concurrently; `index` is its
  // place in the list. `skipped`: the record holds only the key and hash. Returning a
  // failure stops the run (the journal cannot record: going on would lose work).
  std::function<result<void>(item_record& record, std::size_t index, bool skipped)> on_finished;
  // Called in the serial admission node as an item is let in to be decoded (its key and
  // content hash known): the journal marks it in flight. A failure stops the run.
  std::function<result<void>(const item_record& record)> on_admitted;
  // Polled before each new item starts: true stops the run cleanly (items in flight
  // finish and are recorded; the rest are not started).
  std::function<bool()> stop_requested;
};

// Does an input go through LibreOffice? Decided by its bytes: a Word, OpenDocument, RTF or
// WordPerfect file whatever its name; a .txt or .html name only when the bytes are not an
// image or PDF (a PNG named .txt is an image).
[[nodiscard]] bool goes_through_office(const std::filesystem::path& file);

// Runs the graph to the end on the current TBB arena. Fails only when the run itself had
// to stop (on_finished failed); item failures are in the records.
[[nodiscard]] result<void> run_pipeline(std::span<const planned_item> items, const pipeline_options& options,
                                        const pipeline_hooks& hooks);

// The common case for commands without a journal: one record per input, in input order.
// `on_each` (optional) sees each record as its item finishes, never concurrently.
[[nodiscard]] std::vector<item_record> run_to_records(std::span<const planned_item> items,
                                                      const pipeline_options& options,
                                                      const std::function<void(const item_record&)>& on_each = {});

// Plans a list: output names unique in input order (the same list always gives the same names).
[[nodiscard]] std::vector<planned_item> plan(std::span<const convert::input_file> inputs);

}  // namespace dcmflow::graph
