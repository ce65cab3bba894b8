#include "job/workitem_job.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>

#include "dicom/attribute.hpp"

namespace dcmflow::job {
namespace {

using worklist::dataset;
namespace tag = worklist::tag;

constexpr const char* scheme = "99DCMFLOW";

// The (concept, text) pairs of the Scheduled Processing Parameters Sequence that are ours.
std::vector<std::pair<std::string, std::string>> our_parameters(const worklist::workitem& item) {
  std::vector<std::pair<std::string, std::string>> found;
  for (const auto& parameter : item.items(tag::scheduled_processing_parameters_sequence)) {
    const auto concept_name = parameter.find(tag::concept_name_code_sequence);
    if (concept_name == parameter.end()) continue;
    const auto named = worklist::first_code(*concept_name);
    if (!named || named->scheme != scheme) continue;
    found.emplace_back(named->value, worklist::text_in(parameter, tag::text_value));
  }
  return found;
}

// `path` below `root`, both resolved (symbolic links and ".." cannot leave it).
result<std::filesystem::path> inside_root(const std::string& path, const std::filesystem::path& root) {
  if (root.empty()) return failure{"the performer has no --input-root: it reads no workitem's inputs"};
  std::error_code error;
  const auto base = std::filesystem::weakly_canonical(root, error);
  if (error) return failure{"cannot resolve the input root: " + error.message()};
  const std::filesystem::path given(path);
  const auto resolved = std::filesystem::weakly_canonical(given.is_absolute() ? given : base / given, error);
  if (error) return failure{"cannot resolve the input '" + path + "': " + error.message()};
  const auto relative = resolved.lexically_relative(base);
  if (relative.empty() || *relative.begin() == "..") {
    return failure{"the input '" + path + "' is outside the performer's input root " + base.string()};
  }
  return resolved;
}

}  // namespace

bool is_import_workitem(const worklist::workitem& item) {
  for (const auto& coded : item.items(tag::scheduled_workitem_code_sequence)) {
    if (worklist::text_in(coded, tag::code_value) == import_workitem_code.value &&
        worklist::text_in(coded, tag::coding_scheme_designator) == import_workitem_code.scheme) {
      return true;
    }
  }
  return false;
}

result<import_request> read_import_request(const worklist::workitem& item, const performer_settings& settings) {
  import_request request;
  for (const auto& [name, value] : our_parameters(item)) {
    if (name == "DCMFLOW-INPUT") {
      auto inside = inside_root(value, settings.input_root);
      if (!inside) return inside.error();
      request.inputs.push_back(std::move(inside).value());
    } else if (name == "DCMFLOW-ATTRIBUTE") {
      auto parsed = dicom::parse_assignment(value);
      if (!parsed) return failure{"DCMFLOW-ATTRIBUTE: " + parsed.error().message};
      request.attributes.push_back(parsed->keyword + "=" + parsed->value);
    } else if (name == "DCMFLOW-CODEC") {
      request.codec = value;
    } else {
      return failure{"unknown processing parameter (" + name.substr(0, 40) + ", " + scheme + ")"};
    }
  }
  if (request.inputs.empty()) return failure{"the workitem names no input (DCMFLOW-INPUT, 99DCMFLOW)"};
  // The workitem's patient is the objects' patient.
  for (const auto& [key, keyword] : {std::pair{tag::patient_name, "PatientName"}, std::pair{tag::patient_id, "PatientID"},
                                     std::pair{tag::patient_birth_date, "PatientBirthDate"},
                                     std::pair{tag::patient_sex, "PatientSex"}}) {
    const std::string value = item.text(key);
    if (value.empty()) continue;
    auto parsed = dicom::parse_assignment(std::string(keyword) + "=" + value);
    if (!parsed) return failure{"the workitem's " + std::string(keyword) + ": " + parsed.error().message};
    request.attributes.push_back(parsed->keyword + "=" + parsed->value);
  }
  for (const auto& destination : item.items(tag::output_destination_sequence)) {
    for (const auto& stow : worklist::workitem(destination).items(tag::stow_storage_sequence)) {
      const std::string url = worklist::text_in(stow, tag::storage_url);
      if (!url.starts_with("http://") && !url.starts_with("https://")) {
        return failure{"a STOW-RS Storage URL that is not http(s)"};
      }
      request.destinations.push_back(url);
    }
    for (const auto& dimse : worklist::workitem(destination).items(tag::dicom_storage_sequence)) {
      const std::string ae = worklist::text_in(dimse, tag::destination_ae);
      const auto peer = settings.peers.find(ae);
      if (peer == settings.peers.end()) {
        return failure{"the Destination AE '" + ae.substr(0, 16) + "' is not one this performer knows (--peer AE=URL)"};
      }
      request.destinations.push_back(peer->second);
      request.retrieve_ae[peer->second] = ae;
    }
  }
  if (request.destinations.empty()) return failure{"the workitem names no destination (Output Destination Sequence)"};
  return request;
}

result<std::filesystem::path> write_import_job(const import_request& request, const std::filesystem::path& folder) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "inputs" << YAML::Value << YAML::BeginSeq;
  for (const auto& input : request.inputs) out << input.string();
  out << YAML::EndSeq;
  out << YAML::Key << "attributes" << YAML::Value << YAML::BeginMap;
  for (const auto& assignment : request.attributes) {
    const auto equals = assignment.find('=');
    out << YAML::Key << assignment.substr(0, equals) << YAML::Value << YAML::DoubleQuoted << assignment.substr(equals + 1);
  }
  out << YAML::EndMap;
  out << YAML::Key << "codec" << YAML::Value << request.codec;
  out << YAML::Key << "destinations" << YAML::Value << YAML::BeginSeq;
  for (const auto& destination : request.destinations) out << destination;
  out << YAML::EndSeq;
  out << YAML::EndMap;
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error) return failure{"cannot make " + folder.string() + ": " + error.message()};
  const auto file = folder / "job.yaml";
  const auto partial = folder / "job.yaml.partial";
  {
    std::ofstream written(partial, std::ios::binary | std::ios::trunc);
    written << "# Written by dcmflow work from a workitem; rewritten each time the workitem is run.\n"
            << out.c_str() << '\n';
    if (!written.flush()) return failure{"cannot write " + partial.string()};
  }
  std::filesystem::rename(partial, file, error);
  if (error) return failure{"cannot write " + file.string() + ": " + error.message()};
  return file;
}

}  // namespace dcmflow::job
