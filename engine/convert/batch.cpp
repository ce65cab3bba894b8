#include "convert/batch.hpp"

#include <tbb/parallel_for.h>

#include <unistd.h>

#include <atomic>
#include <exception>
#include <mutex>
#include <string>

#include "convert/output_naming.hpp"

namespace dcmflow::convert {

namespace {

// An archive entry as a file of its own while its item runs, under its own name (loaders
// and LibreOffice go by the extension).
result<void> with_entry_extracted(const input_file& input, const std::filesystem::path& scratch, std::size_t index,
                                  const archive_limits& limits, std::atomic<std::uint64_t>& extracted,
                                  const std::function<result<void>(const input_file&)>& work) {
  const std::filesystem::path file =
      scratch / std::to_string(index) / std::filesystem::path(input.entry).filename();
  std::error_code error;
  std::filesystem::create_directories(file.parent_path(), error);
  result<void> outcome = extract_entry(input, file, limits, extracted);
  if (outcome) {
    input_file local = input;
    local.path = file;
    local.entry.clear();
    outcome = work(local);
  }
  std::filesystem::remove_all(file.parent_path(), error);
  return outcome;
}

}  // namespace

std::vector<item_record> run_batch(std::span<const input_file> inputs, const item_work& work,
                                   const item_finished& on_finished, const archive_limits& limits) {
  const std::vector<std::filesystem::path> item_names = name_outputs(inputs);
  std::vector<item_record> records(inputs.size());
  std::mutex finished_mutex;
  std::atomic<std::uint64_t> extracted{0};
  const std::filesystem::path scratch =
      std::filesystem::temp_directory_path() / ("dcmflow-entries-" + std::to_string(getpid()));

  tbb::parallel_for(std::size_t{0}, inputs.size(), [&](std::size_t index) {
    item_record& record = records[index];
    record.input = inputs[index].name;
    result<void> outcome = failure{"not converted"};
    try {
      const input_file& input = inputs[index];
      if (!input.problem.empty()) {
        outcome = failure{input.problem};
      } else if (!input.entry.empty()) {
        outcome = with_entry_extracted(input, scratch, index, limits, extracted, [&](const input_file& local) {
          return work(local, item_names[index], record);
        });
      } else {
        outcome = work(input, item_names[index], record);
      }
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
  std::error_code ignored;
  std::filesystem::remove_all(scratch, ignored);
  return records;
}

}  // namespace dcmflow::convert
