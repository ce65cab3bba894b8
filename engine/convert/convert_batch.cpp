#include "convert/convert_batch.hpp"

#include <tbb/parallel_for.h>

#include <chrono>
#include <exception>
#include <mutex>

#include "convert/output_naming.hpp"
#include "dicom/secondary_capture.hpp"
#include "dicom/uid.hpp"
#include "raster/image_loader.hpp"

namespace dcmflow::convert {
namespace {

result<void> convert_one(const input_file& input, const std::filesystem::path& output_name,
                         const batch_options& options, item_record& record) {
  auto image = raster::load_image(input.path);
  if (!image) return image.error();
  record.notes = image->notes;

  const dicom::secondary_capture_request request{
      .study_instance_uid = dicom::random_uid(),
      .series_instance_uid = dicom::random_uid(),
      .sop_instance_uid = dicom::random_uid(),
      .created = std::chrono::system_clock::now(),
      .attributes = options.attributes,
  };
  auto object = dicom::build_secondary_capture(image.value(), request);
  if (!object) return object.error();
  if (auto written = object->write_file(options.output_folder / output_name); !written) {
    return written.error();
  }
  record.outputs.push_back(output_name);
  return {};
}

}  // namespace

std::vector<item_record> convert_images(std::span<const input_file> inputs,
                                        const batch_options& options,
                                        const item_finished& on_finished) {
  const std::vector<std::filesystem::path> output_names = name_outputs(inputs);
  std::vector<item_record> records(inputs.size());
  std::mutex finished_mutex;

  tbb::parallel_for(std::size_t{0}, inputs.size(), [&](std::size_t index) {
    item_record& record = records[index];
    record.input = inputs[index].name;
    result<void> outcome = failure{"not converted"};
    try {
      outcome = convert_one(inputs[index], output_names[index], options, record);
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
