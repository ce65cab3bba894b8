#include "dicom/identity.hpp"

#include <map>
#include <utility>

#include "core/digest.hpp"
#include "dicom/uid.hpp"

namespace dcmflow::dicom {
namespace {

// Keyword -> value as the dataset ends up (the last assignment wins), in keyword order.
std::map<std::string_view, std::string_view> resolved(std::span<const attribute_assignment> attributes) {
  std::map<std::string_view, std::string_view> values;
  for (const auto& assignment : attributes) values[assignment.keyword] = assignment.value;
  return values;
}

// Length-prefixed, so no value can forge a boundary ("a=b", "c" vs "a", "b=c").
void append_field(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
}

std::string value_or_empty(const std::map<std::string_view, std::string_view>& values, std::string_view keyword) {
  const auto found = values.find(keyword);
  return found == values.end() ? std::string() : std::string(found->second);
}

}  // namespace

std::string rendering_recipe::text() const {
  std::string recipe = per_page ? "per_page=1" : "per_page=0";
  if (frames_per_instance > 0) recipe += " frames_per_instance=" + std::to_string(frames_per_instance);
  // A lossless codec keeps the pixels, so the object; a lossy one makes other pixels.
  if (!lossy_codec.empty()) recipe += " lossy=" + std::string(lossy_codec);
  if (document) recipe += " dpi=" + std::to_string(dpi) + " colour=" + std::to_string(colour);
  return recipe;
}

std::string lossy_successor_uid(const uid_scheme& scheme, std::string_view original_uid,
                                std::string_view transfer_syntax_uid) {
  return derived_uid(scheme.root, scheme.name_space, {"lossy", original_uid, transfer_syntax_uid});
}

derived_uids::derived_uids(const source_identity& source, uid_scheme scheme) : scheme_(std::move(scheme)) {
  const auto values = resolved(source.attributes);
  std::string attributes;
  for (const auto& [keyword, value] : values) {
    append_field(attributes, keyword);
    append_field(attributes, value);
  }
  object_ = to_hex(sha256_of_parts({source.input_key, source.content_sha256, attributes, source.rendering.text()}));

  std::string patient;
  for (const std::string_view keyword : {"PatientID", "IssuerOfPatientID", "PatientName", "PatientBirthDate"}) {
    append_field(patient, value_or_empty(values, keyword));
  }
  const std::string patient_id = value_or_empty(values, "PatientID");
  const std::string accession = value_or_empty(values, "AccessionNumber");
  if (patient_id.empty()) {
    study_ = derived_uid(scheme_.root, scheme_.name_space, {"study-of", object_});
  } else if (!accession.empty()) {
    study_ = derived_uid(scheme_.root, scheme_.name_space, {"study", patient, "accession", accession});
  } else {
    study_ = derived_uid(scheme_.root, scheme_.name_space,
                         {"study", patient, "date", value_or_empty(values, "StudyDate"), "description",
                          value_or_empty(values, "StudyDescription")});
  }
}

std::string derived_uids::series() const { return derived_uid(scheme_.root, scheme_.name_space, {"series", object_}); }

std::string derived_uids::instance(std::size_t index) const {
  return derived_uid(scheme_.root, scheme_.name_space, {"instance", object_, std::to_string(index)});
}

std::string derived_uids::pdf_series() const {
  return derived_uid(scheme_.root, scheme_.name_space, {"pdf-series", object_});
}

std::string derived_uids::pdf_instance() const {
  return derived_uid(scheme_.root, scheme_.name_space, {"pdf", object_});
}

}  // namespace dcmflow::dicom
