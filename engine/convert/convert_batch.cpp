#include "convert/convert_batch.hpp"

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>

#include "convert/output_naming.hpp"
#include "core/digest.hpp"
#include "dicom/dicom_reader.hpp"
#include "dicom/encapsulated_pdf.hpp"
#include "dicom/secondary_capture.hpp"
#include "dicom/uid.hpp"
#include "raster/image_loader.hpp"

namespace dcmflow::convert {
namespace {

// The compress and write stages every instance goes through.
result<void> compress_and_write(dicom::instance& object, const batch_options& options,
                                const std::filesystem::path& output, item_record& record) {
  if (options.codec) {
    if (auto compressed = object.compress(*options.codec); !compressed) return compressed.error();
  }
  std::error_code error;
  std::filesystem::create_directories((options.output_folder / output).parent_path(), error);
  if (auto written = object.write_file(options.output_folder / output); !written) return written.error();
  record.outputs.push_back(output);
  return {};
}

std::string value_of(const std::vector<dicom::attribute_assignment>& attributes, std::string_view keyword) {
  std::string value;
  for (const auto& assignment : attributes) {
    if (assignment.keyword == keyword) value = assignment.value;  // the last one wins, as in the dataset
  }
  return value;
}

// One study per patient and accession number, or without one, per patient, study date
// and description; an input with no PatientID is a study of its own.
std::string study_uid_for(const std::vector<dicom::attribute_assignment>& attributes, const std::string& content,
                          const batch_options& options) {
  const std::string patient = value_of(attributes, "PatientID");
  if (patient.empty()) return dicom::derived_uid(options.uid_root, options.uid_namespace, {"study-of", content});
  const std::string accession = value_of(attributes, "AccessionNumber");
  if (!accession.empty()) {
    return dicom::derived_uid(options.uid_root, options.uid_namespace, {"study", patient, "accession", accession});
  }
  return dicom::derived_uid(options.uid_root, options.uid_namespace,
                            {"study", patient, "date", value_of(attributes, "StudyDate"), "description",
                             value_of(attributes, "StudyDescription")});
}

result<void> convert_input(const input_file& input, const std::filesystem::path& item_name,
                           const batch_options& options, item_record& record) {
  std::vector<dicom::attribute_assignment> attributes;
  if (options.item_attributes) {
    auto own = options.item_attributes(input);
    if (!own) return own.error();
    attributes = std::move(own).value();
  }
  attributes.insert(attributes.end(), options.attributes.begin(), options.attributes.end());

  auto content = sha256_of_file(input.path);
  if (!content) return failure{"cannot read image: " + content.error().message};

  // Office documents become a PDF first (removed when the item is done), then pages.
  std::filesystem::path source = input.path;
  std::filesystem::path converted;
  const struct remove_converted {
    const std::filesystem::path& file;
    ~remove_converted() {
      std::error_code ignored;
      if (!file.empty()) std::filesystem::remove(file, ignored);
    }
  } cleanup{converted};
  if (office::is_office_document(input.path)) {
    if (!options.office) return failure{"Office documents need LibreOffice, which this run does not use"};
    converted = options.office->scratch_folder() / (item_name.stem().string() + ".pdf");
    if (auto pdf = options.office->to_pdf(input.path, converted); !pdf) {
      return failure{"cannot convert document: " + pdf.error().message};
    }
    source = converted;
  }
  auto images = raster::load_image(source, options.rasterise);
  if (!images) return images.error();
  if (options.per_page) *images = raster::split_pages(std::move(images).value());

  // One series per source document; several instances only when its pages differ in size.
  const std::string study_uid = study_uid_for(attributes, content.value(), options);
  const std::string series_uid = dicom::derived_uid(options.uid_root, options.uid_namespace, {"series", *content});
  const auto created = std::chrono::system_clock::now();
  const bool with_pdf = options.also_pdf && raster::is_pdf(source);
  const std::size_t count = images->size() + (with_pdf ? 1 : 0);
  for (std::size_t index = 0; index < images->size(); ++index) {
    raster::raster& image = (*images)[index];
    record.notes.insert(record.notes.end(), image.notes.begin(), image.notes.end());
    const dicom::secondary_capture_request request{
        .study_instance_uid = study_uid,
        .series_instance_uid = series_uid,
        .sop_instance_uid = dicom::derived_uid(options.uid_root, options.uid_namespace,
                                               {"instance", *content, std::to_string(index)}),
        .instance_number = static_cast<std::uint32_t>(index + 1),
        .created = created,
        .attributes = attributes,
        .character_set = options.character_set,
    };
    auto object = dicom::build_secondary_capture(std::move(image), request);
    if (!object) return object.error();
    if (auto done = compress_and_write(*object, options, instance_output(item_name, index, count), record); !done) {
      return done.error();
    }
  }
  if (with_pdf) {
    std::ifstream file(source, std::ios::binary);
    std::vector<char> pdf((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    const dicom::encapsulated_pdf_request request{
        .study_instance_uid = study_uid,
        .series_instance_uid = dicom::derived_uid(options.uid_root, options.uid_namespace, {"pdf-series", *content}),
        .sop_instance_uid = dicom::derived_uid(options.uid_root, options.uid_namespace, {"pdf", *content}),
        .document_title = input.path.filename().string(),
        .created = created,
        .attributes = attributes,
        .character_set = options.character_set,
    };
    auto document = dicom::build_encapsulated_pdf(std::move(pdf), request);
    if (!document) return document.error();
    if (auto done = compress_and_write(*document, options, instance_output(item_name, count - 1, count), record);
        !done) {
      return done.error();
    }
  }
  return {};
}

result<void> transcode_file(const input_file& input, const std::filesystem::path& item_name,
                            const batch_options& options, item_record& record) {
  auto object = dicom::read_decoded(input.path);
  if (!object) return object.error();
  if (options.recode_text_to || options.assume_character_set) {
    const dicom::character_set target = options.recode_text_to.value_or(*options.assume_character_set);
    const std::string assumed = options.assume_character_set
                                    ? std::string(dicom::specific_character_set(*options.assume_character_set))
                                    : std::string();
    if (auto recoded = object->recode_text(target, assumed); !recoded) return recoded.error();
  }
  if (options.codec && options.codec->description().lossy && object->has_pixels()) {
    // Lossy compression makes a new image (PS3.3 C.7.6.1.1.5): it gets a new identity,
    // derived so that transcoding twice gives the same one.
    object->set_sop_instance_uid(dicom::derived_uid(
        options.uid_root, options.uid_namespace,
        {"lossy", object->sop_instance_uid(), options.codec->description().transfer_syntax_uid}));
    record.notes.emplace_back("lossy compression: new SOP Instance UID");
  }
  return compress_and_write(*object, options, item_name, record);
}

// One item function over every input, with the batch's options.
using item_function = result<void> (*)(const input_file&, const std::filesystem::path&, const batch_options&,
                                       item_record&);

std::vector<item_record> run_each(std::span<const input_file> inputs, const batch_options& options,
                                  const item_finished& on_finished, item_function function) {
  return run_batch(
      inputs,
      [&](const input_file& input, const std::filesystem::path& name, item_record& record) {
        return function(input, name, options, record);
      },
      on_finished, options.archives);
}

}  // namespace

std::vector<item_record> convert_images(std::span<const input_file> inputs, const batch_options& options,
                                        const item_finished& on_finished) {
  return run_each(inputs, options, on_finished, convert_input);
}

std::vector<item_record> transcode_files(std::span<const input_file> inputs, const batch_options& options,
                                         const item_finished& on_finished) {
  return run_each(inputs, options, on_finished, transcode_file);
}

}  // namespace dcmflow::convert
