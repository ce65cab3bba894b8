#pragma once
// The two batch jobs of the command line: images to Secondary Capture, and existing DICOM
// recompressed. Both write under one output folder and return one record per input.

#include <filesystem>
#include <functional>
#include <string>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include <dcmflow/codecs/codec.hpp>

#include "convert/batch.hpp"
#include "convert/input_listing.hpp"
#include "core/item.hpp"
#include "dicom/attribute.hpp"
#include "dicom/character_set.hpp"
#include "office/office_pool.hpp"
#include "raster/image_loader.hpp"

namespace dcmflow::convert {

// An input's own attributes (a manifest row), or why it has none it can use.
using attribute_lookup = std::function<result<std::vector<dicom::attribute_assignment>>(const input_file&)>;

struct batch_options {
  std::filesystem::path output_folder;
  std::vector<dicom::attribute_assignment> attributes;  // convert: for every input, applied last
  attribute_lookup item_attributes;                     // convert: per input; null for none
  // Null: uncompressed. Codecs are stateless; one is shared by every worker.
  std::shared_ptr<const codecs::codec> codec;
  // Derived UIDs: the same input under the same namespace always gives the same UIDs.
  dicom::character_set character_set = dicom::character_set::utf8;  // convert: of the text written
  bool per_page = false;  // convert: one instance per page instead of one multi-frame instance
  bool also_pdf = false;  // convert: a PDF input also becomes an Encapsulated PDF in the same study
  raster::load_options rasterise;  // convert: PDF resolution and colour
  std::shared_ptr<office::office_pool> office;  // convert: Office documents to PDF; null: refused
  archive_limits archives;
  // transcode: re-encode text into this set (decoded from the file's own set, or from
  // `assume_character_set` when that is given, to repair a missing or wrong declaration).
  std::optional<dicom::character_set> recode_text_to;
  std::optional<dicom::character_set> assume_character_set;
  std::string uid_root = "2.25";
  std::string uid_namespace = "dcmflow";
};

[[nodiscard]] std::vector<item_record> convert_images(std::span<const input_file> inputs,
                                                      const batch_options& options,
                                                      const item_finished& on_finished);

[[nodiscard]] std::vector<item_record> transcode_files(std::span<const input_file> inputs,
                                                       const batch_options& options,
                                                       const item_finished& on_finished);

}  // namespace dcmflow::convert
