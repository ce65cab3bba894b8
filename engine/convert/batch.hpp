#pragma once
// Runs one piece of work per input, items in parallel, and turns every outcome into a
// record: converted, or failed with its reason. (The oneTBB flow graph of the engine issue
// replaces this loop; the contract stays: one record per input, in input order.)

#include <filesystem>
#include <functional>
#include <span>
#include <vector>

#include "convert/archive_reader.hpp"
#include "convert/input_listing.hpp"
#include "core/item.hpp"
#include "core/result.hpp"

namespace dcmflow::convert {

// Does an input's work; adds the outputs it wrote (and notes) to the record.
using item_work = std::function<result<void>(const input_file& input, const std::filesystem::path& item_name,
                                             item_record& record)>;
// Called once per item as it finishes, never concurrently.
using item_finished = std::function<void(const item_record&)>;

// Archive entries are extracted one at a time, just before their work, and removed after.
[[nodiscard]] std::vector<item_record> run_batch(std::span<const input_file> inputs, const item_work& work,
                                                 const item_finished& on_finished, const archive_limits& limits = {});

}  // namespace dcmflow::convert
