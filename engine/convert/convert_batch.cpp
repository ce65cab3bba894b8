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

result<void> convert_one(const input_file& input, const std::filesystem::path& item_name,
                         const batch_options& options, item_record& record) {
  auto images = raster::load_image(input.path);
  if (!images) return images.error();

  // One study and series per input; several instances only when its pages differ in size.
  const std::string study_uid = dicom::random_uid();
  const std::string series_uid = dicom::random_uid();
  const auto created = std::chrono::system_clock::now();
  const std::size_t count = images->size();
  for (std::size_t index = 0; index < count; ++index) {
    raster::raster& image = (*images)[index];
    record.notes.insert(record.notes.end(), image.notes.begin(), image.notes.end());
    const dicom::secondary_capture_request request{
        .study_instance_uid = study_uid,
        .series_instance_uid = series_uid,
        .sop_instance_uid = dicom::random_uid(),
        .instance_number = static_cast<std::uint32_t>(index + 1),
        .created = created,
        .attributes = options.attributes,
    };
    auto object = dicom::build_secondary_capture(std::move(image), request);
    if (!object) return object.error();
    if (options.codec) {
      if (auto compressed = object->compress(*options.codec); !compressed) return compressed.error();
    }
    const std::filesystem::path output = instance_output(item_name, index, count);
    std::error_code error;
    std::filesystem::create_directories((options.output_folder / output).parent_path(), error);
    if (auto written = object->write_file(options.output_folder / output); !written) {
      return written.error();
    }
    record.outputs.push_back(output);
  }
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
