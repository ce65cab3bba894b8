#pragma once
// Converts a batch of image files into Secondary Capture files, items in parallel.
// (The oneTBB flow graph of the engine issue replaces this loop; the contract stays:
// every input comes back as exactly one record, in input order.)

#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include <dcmflow/codecs/codec.hpp>

#include "convert/input_listing.hpp"
#include "core/item.hpp"
#include "dicom/attribute.hpp"

namespace dcmflow::convert {

struct batch_options {
  std::filesystem::path output_folder;
  std::vector<dicom::attribute_assignment> attributes;
  // Null: uncompressed. Codecs are stateless; one is shared by every worker.
  std::shared_ptr<const codecs::codec> codec;
};

// Called once per item as it finishes, never concurrently.
using item_finished = std::function<void(const item_record&)>;

[[nodiscard]] std::vector<item_record> convert_images(std::span<const input_file> inputs,
                                                      const batch_options& options,
                                                      const item_finished& on_finished);

}  // namespace dcmflow::convert
