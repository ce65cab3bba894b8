#include "graph/stages.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "convert/output_naming.hpp"
#include "core/clock.hpp"
#include "core/digest.hpp"
#include "core/file_bytes.hpp"
#include "dicom/dicom_reader.hpp"
#include "dicom/encapsulated_pdf.hpp"
#include "dicom/identity.hpp"
#include "dicom/secondary_capture.hpp"
#include "dicom/uid.hpp"
#include "dicom/value_rules.hpp"
#include "office/document_inspection.hpp"
#include "render/thumbnail.hpp"

namespace dcmflow::graph {
namespace {

// Runs one stage's work on an active item; anything thrown becomes the item's failure.
template <class Work>
item_handle guarded(item_handle item, Work&& work) {
  if (!item->active()) return item;
  try {
    work(*item);
  } catch (const std::exception& error) {
    item->fail(failure{std::string("internal error: ") + error.what()});
  } catch (...) {
    item->fail(failure{"internal error"});
  }
  if (!item->active()) {
    // A failed item keeps nothing: its memory goes back at once.
    item->pages.clear();
    item->instances.clear();
  }
  return item;
}

// What shapes the pixels of an input besides its bytes (dicom/identity.hpp).
dicom::rendering_recipe recipe_of(const pipeline_options& options, bool document, std::uint32_t source_pages) {
  const bool lossy = options.codec && options.codec->syntax().lossy;
  return {.per_page = options.per_page,
          // Where a long source is cut into instances decides what each instance holds.
          .frames_per_instance = source_pages > options.frames_per_instance ? options.frames_per_instance : 0U,
          .lossy_codec = lossy ? std::string_view(options.codec_spec) : std::string_view(),
          .document = document,
          .dpi = options.rasterise.dpi,
          .colour = static_cast<int>(options.rasterise.colour)};
}

// The pages one part of a source holds (work_item.hpp), from `first`.
raster::load_options part_options(const pipeline_options& options, std::uint32_t first) {
  raster::load_options part = options.rasterise;
  part.first_page = first;
  part.page_limit = options.frames_per_instance;
  return part;
}

result<raster::image_probe> probe(const pipeline_options& options, const std::filesystem::path& file) {
  const raster::load_options first_part = part_options(options, 0);
  return options.decoder ? options.decoder->probe_image(file, first_part) : raster::probe_image(file, first_part);
}

// Before decoding, what it will take: one part of a paged source; Office documents are
// counted as two A4 pages in colour at the resolution (their page count is known only
// after LibreOffice). Notes the source's pages on the way.
std::uint64_t estimate_decoded_bytes(work_item& item, const pipeline_options& options) {
  std::error_code error;
  const std::uint64_t file_bytes = std::filesystem::file_size(item.local_file, error);
  if (item.dicom_input) return file_bytes * 4;  // compressed legacy pixels expand a few times
  if (goes_through_office(item.local_file)) {
    const double inches = 8.27 * 11.69;
    return static_cast<std::uint64_t>(2 * 3 * inches * options.rasterise.dpi * options.rasterise.dpi);
  }
  auto probed = probe(options, item.local_file);
  if (!probed) return file_bytes;  // produce says why
  item.source_pages = probed->pages;
  return probed->decoded_bytes;
}

}  // namespace

item_handle identify_stage::operator()(item_handle item) const {
  return guarded(std::move(item), [this](work_item& each) { identify(each); });
}

void identify_stage::identify(work_item& item) const {
  const convert::input_file& input = item.plan->input;
  if (!input.problem.empty()) return item.fail(failure{input.problem});
  item.local_file = input.path;
  if (!input.entry.empty()) {
    // An archive entry becomes a file of its own while its item runs, under its own name
    // (loaders and LibreOffice go by the extension).
    item.scratch = scratch_ / std::to_string(item.index);
    item.local_file = item.scratch / std::filesystem::path(input.entry).filename();
    std::error_code error;
    std::filesystem::create_directories(item.scratch, error);
    if (auto extracted = convert::extract_entry(input, item.local_file, options_.archives, extracted_); !extracted) {
      return item.fail(extracted.error());
    }
  }
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(item.local_file, error);
  if (error) return item.fail(failure{"cannot read: " + error.message()});
  item.record.input_bytes = size;
  if (size == 0) return item.fail(failure{"empty file"});  // never a blank page
  // The content hash names the item (its UIDs, its journal row); a file transcoded (it
  // keeps its UIDs), with no journal asking, needs none.
  if (options_.mode != input_mode::transcode || hooks_.already_done) {
    auto content = sha256_of_file(item.local_file);
    if (!content) return item.fail(failure{"cannot read: " + content.error().message});
    item.record.content_sha256 = std::move(content).value();
  }
  if (hooks_.already_done && hooks_.already_done(item.record.input, item.record.content_sha256)) {
    item.skipped = true;
    return;
  }
  item.dicom_input = options_.mode == input_mode::transcode ||
                     (options_.mode == input_mode::automatic && is_part10_file(item.local_file));
  if (!item.dicom_input) {
    if (options_.item_attributes) {
      auto own = options_.item_attributes(input);
      if (!own) return item.fail(own.error());
      item.attributes = std::move(own).value();
    }
    item.attributes.insert(item.attributes.end(), options_.attributes.begin(), options_.attributes.end());
    // The manifest's row and the job's attributes together: one object's dates must agree.
    // A day ahead of UTC: dates are local, and east of Greenwich today starts before UTC's.
    const std::string today = iso8601_utc(std::chrono::system_clock::now() + std::chrono::hours(24));
    const std::string today_da = today.substr(0, 4) + today.substr(5, 2) + today.substr(8, 2);
    if (auto plausible = dicom::check_plausible_dates(item.attributes, today_da); !plausible) {
      return item.fail(plausible.error());
    }
  }
  item.estimated_bytes = estimate_decoded_bytes(item, options_);
}

item_handle produce_stage::operator()(item_handle item) const {
  return guarded(std::move(item), [this](work_item& each) { produce(each); });
}

void produce_stage::produce(work_item& item) const {
  if (item.dicom_input) {
    auto object =
        options_.decoder ? options_.decoder->read_decoded(item.local_file) : dicom::read_decoded(item.local_file);
    if (!object) return item.fail(object.error());
    item.instances.push_back(std::move(object).value());
    return;
  }
  // An Office document arrives here as the PDF the office stage made of it.
  const std::filesystem::path source = item.converted_pdf.empty() ? item.local_file : item.converted_pdf;
  if (item.source_pages == 0) {
    auto probed = probe(options_, source);
    if (!probed) return item.fail(probed.error());
    item.source_pages = probed->pages;
  }
  const raster::load_options part = part_options(options_, item.next_page);
  auto images = options_.decoder ? options_.decoder->load_image(source, part) : raster::load_image(source, part);
  if (!images) return item.fail(images.error());
  // Every page of this part arrives, or the item fails (the decoder is trusted no further).
  const std::uint32_t expected = std::min(options_.frames_per_instance, item.source_pages - item.next_page);
  std::uint64_t frames = 0;
  for (const raster::raster& image : *images) frames += image.frame_count;
  if (frames != expected) {
    return item.fail(failure{"the source has " + std::to_string(item.source_pages) + " pages; pages " +
                             std::to_string(item.next_page + 1) + "-" + std::to_string(item.next_page + expected) +
                             " gave " + std::to_string(frames) + " frames"});
  }
  item.next_page += expected;
  item.pages = options_.per_page ? raster::split_pages(std::move(images).value()) : std::move(images).value();
}

bool office_stage::wanted(const work_item& item) const {
  return item.active() && !item.dicom_input && goes_through_office(item.local_file);
}

item_handle office_stage::operator()(item_handle item) const {
  return guarded(std::move(item), [this](work_item& each) {
    if (!wanted(each)) return;
    if (!options_.office) return each.fail(failure{"Office documents need LibreOffice, which this run does not use"});
    // Bombs and links to outside content never reach LibreOffice.
    auto inspected = options_.decoder ? options_.decoder->inspect_document(each.local_file)
                                      : office::inspect_document(each.local_file);
    if (!inspected) return each.fail(inspected.error());
    each.converted_pdf = options_.office->scratch_folder() /
                         (std::to_string(each.index) + "-" + each.plan->output_name.stem().string() + ".pdf");
    if (auto pdf = options_.office->to_pdf(each.local_file, each.converted_pdf); !pdf) {
      return each.fail(failure{"cannot convert document: " + pdf.error().message});
    }
  });
}

item_handle tag_stage::operator()(item_handle item) const {
  return guarded(std::move(item), [this](work_item& each) {
    if (each.dicom_input) {
      tag_transcoded(each);
    } else {
      tag(each);
    }
  });
}

void tag_stage::tag(work_item& item) const {
  const std::string& content = item.record.content_sha256;
  const std::filesystem::path source = item.converted_pdf.empty() ? item.local_file : item.converted_pdf;
  const bool rendered = raster::is_pdf(source);  // a PDF, or an Office document's
  const bool last_part = !item.more_pages();
  const bool with_pdf = options_.also_pdf && rendered && last_part;  // after the last page's instance
  const bool only_instance = item.instances_made == 0 && last_part && item.pages.size() + (with_pdf ? 1 : 0) == 1;
  if (item.wants_thumbnail && item.instances_made == 0 && !item.pages.empty()) {
    // A thumbnail is a sample for the report; not having one never fails the item.
    if (auto png = render::thumbnail_png(item.pages.front(), 0, 160))
      item.record.thumbnail_png = std::move(png).value();
  }

  // One series per source document; several instances only when its pages differ in size.
  // Their UIDs: dicom/identity.hpp (whose input, which attributes, rendered how).
  const dicom::derived_uids uids(
      dicom::source_identity{
          .input_key = item.plan->input.identity.empty() ? item.record.input : item.plan->input.identity,
          .content_sha256 = content,
          .attributes = item.attributes,
          .rendering = recipe_of(options_, rendered, item.source_pages)},
      {options_.uid_root, options_.uid_namespace});
  const auto created = std::chrono::system_clock::now();
  for (raster::raster& image : item.pages) {
    const std::size_t index = item.instances_made++;
    item.record.notes.insert(item.record.notes.end(), image.notes.begin(), image.notes.end());
    const dicom::secondary_capture_request request{
        .study_instance_uid = uids.study(),
        .series_instance_uid = uids.series(),
        .sop_instance_uid = uids.instance(index),
        .instance_number = static_cast<std::uint32_t>(index + 1),
        .created = created,
        .attributes = item.attributes,
        .character_set = options_.character_set,
    };
    auto object = dicom::build_secondary_capture(std::move(image), request);
    if (!object) return item.fail(object.error());
    item.instances.push_back(std::move(object).value());
    item.instance_names.push_back(convert::instance_output(item.plan->output_name, index, only_instance));
  }
  item.pages.clear();
  if (with_pdf) {
    std::ifstream file(source, std::ios::binary);
    std::vector<char> pdf((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    const dicom::encapsulated_pdf_request request{
        .study_instance_uid = uids.study(),
        .series_instance_uid = uids.pdf_series(),
        .sop_instance_uid = uids.pdf_instance(),
        .document_title = item.plan->input.path.filename().string(),
        .created = created,
        .attributes = item.attributes,
        .character_set = options_.character_set,
    };
    auto document = dicom::build_encapsulated_pdf(std::move(pdf), request);
    if (!document) return item.fail(document.error());
    item.instances.push_back(std::move(document).value());
    item.instance_names.push_back(convert::instance_output(item.plan->output_name, item.instances_made++, false));
  }
}

void tag_stage::tag_transcoded(work_item& item) const {
  dicom::instance& object = item.instances.front();
  item.instance_names.push_back(item.plan->output_name);
  item.record.notes.insert(item.record.notes.end(), object.notes().begin(), object.notes().end());
  if (options_.recode_text_to || options_.assume_character_set) {
    const dicom::character_set target = options_.recode_text_to.value_or(*options_.assume_character_set);
    const std::string assumed = options_.assume_character_set
                                    ? std::string(dicom::specific_character_set(*options_.assume_character_set))
                                    : std::string();
    if (auto recoded = object.recode_text(target, assumed); !recoded) return item.fail(recoded.error());
  }
  if (options_.codec && options_.codec->syntax().lossy && object.has_pixels()) {
    // Lossy compression makes a new image: it gets a new identity (dicom/identity.hpp).
    object.set_sop_instance_uid(dicom::lossy_successor_uid({options_.uid_root, options_.uid_namespace},
                                                           object.sop_instance_uid(), options_.codec->syntax().uid));
    item.record.notes.emplace_back("lossy compression: new SOP Instance UID");
  }
}

item_handle compress_stage::operator()(item_handle item) const {
  return guarded(std::move(item), [this](work_item& each) {
    if (!options_.codec) return;
    for (auto& object : each.instances) {
      if (auto compressed = object.compress(*options_.codec); !compressed) return each.fail(compressed.error());
    }
  });
}

item_handle store_stage::operator()(item_handle item) const {
  return guarded(std::move(item), [this](work_item& each) { store(each); });
}

// The object's bytes as made, with a way to send it uncompressed to a peer that refuses them.
result<store::outgoing_instance> outgoing_of(dicom::instance& object, const std::filesystem::path& name) {
  auto part10 = object.to_part10();
  if (!part10) return part10.error();
  store::outgoing_instance outgoing{object.sop_class_uid(),
                                    object.sop_instance_uid(),
                                    object.transfer_syntax_uid(),
                                    name,
                                    std::move(part10).value(),
                                    {},
                                    {}};
  outgoing.uncompressed = [&object]() -> result<std::string> {
    if (auto plain = object.decompress(); !plain) return plain.error();
    return object.to_part10();
  };
  return outgoing;
}

const result<store::outgoing_instance>& store_stage::as_destination_takes(
    std::size_t index, dicom::instance& object, const result<store::outgoing_instance>& primary,
    recodings& recoded) const {
  const codecs::encoder* own = index < codecs_.size() ? codecs_[index].get() : nullptr;
  if (own == nullptr || !primary || own->syntax().uid == primary->transfer_syntax_uid) {
    return primary;
  }
  auto found = recoded.find(own);
  if (found == recoded.end()) {
    // Lossless both ways (codec: auto chooses only lossless codecs): the same pixels.
    result<store::outgoing_instance> made = failure{"not recoded"};
    if (auto plain = object.decompress(); !plain) {
      made = plain.error();
    } else if (auto compressed = object.compress(*own); !compressed) {
      made = compressed.error();
    } else {
      made = outgoing_of(object, primary->name);
    }
    found = recoded.emplace(own, std::move(made)).first;
  }
  return found->second;
}

void store_stage::store(work_item& item) const {
  // Every instance goes to every destination that has not failed one of them (in its own
  // codec under codec: auto): each destination's answer for each instance is what the
  // journal and the lists record.
  for (std::size_t index = 0; index < item.instances.size(); ++index) {
    dicom::instance& object = item.instances[index];
    instance_record record{
        .sop_instance_uid = object.sop_instance_uid(),
        .sop_class_uid = object.sop_class_uid(),
        .study_instance_uid = object.study_instance_uid(),
        .series_instance_uid = object.series_instance_uid(),
        .transfer_syntax_uid = object.transfer_syntax_uid(),
        .frames = object.has_pixels() ? object.frame_count() : 0,
        .native_bytes = object.native_pixel_data_bytes(),
        .stored_bytes = object.pixel_data_bytes(),
        .output = item.instance_names[index],
        .deliveries = {},  // item_delivery fills them
    };
    const auto primary = outgoing_of(object, record.output);
    if (!primary) {
      item.fail(primary.error());
      break;
    }
    recodings recoded;
    item.delivery.send(
        gates_,
        [&](std::size_t destination) -> const auto& {
          return as_destination_takes(destination, object, primary, recoded);
        },
        record, item.record.notes);
    const bool stored_everywhere = std::all_of(record.deliveries.begin(), record.deliveries.end(),
                                               [](const delivery_outcome& delivery) { return delivery.stored(); });
    item.record.instances.push_back(std::move(record));
    if (stored_everywhere) item.record.outputs.push_back(item.instance_names[index]);
  }
  if (const auto& why = item.delivery.why_not_stored(); why && item.record.error.empty()) {
    item.fail(failure{why->message});
    item.waits_for_destination = item.delivery.status() == item_status::pending;
  }
  item.instances.clear();  // this part is sent: its memory goes before the next part is made
  item.instance_names.clear();
}

}  // namespace dcmflow::graph
