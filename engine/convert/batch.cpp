#include "convert/batch.hpp"

#include <tbb/parallel_for.h>

#include <exception>
#include <mutex>
#include <string>

#include "convert/output_naming.hpp"

namespace dcmflow::convert {

std::vector<item_record> run_batch(std::span<const input_file> inputs, const item_work& work,
                                   const item_finished& on_finished) {
  const std::vector<std::filesystem::path> item_names = name_outputs(inputs);
  std::vector<item_record> records(inputs.size());
  std::mutex finished_mutex;

  tbb::parallel_for(std::size_t{0}, inputs.size(), [&](std::size_t index) {
    item_record& record = records[index];
    record.input = inputs[index].name;
    result<void> outcome = failure{"not converted"};
    try {
      outcome = work(inputs[index], item_names[index], record);
    } catch (const std::exception& error) {
      // Third-party code may throw (allocation, GDCM); the item fails, the batch goes on.
      outcome = failure{std::string("internal error: ") + error.what()};
    }
    record.status = outcome ? item_status::converted : item_status::failed;
    if (!outcome) {
      record.error = outcome.error().message;
      record.outputs.clear();
    }
    const std::lock_guard lock(finished_mutex);
    if (on_finished) on_finished(record);
  });
  return records;
}

}  // namespace dcmflow::convert
