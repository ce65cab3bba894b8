#include "job/workitem_job.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>

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

// `path` strictly below `root`, both resolved (symbolic links and ".." cannot leave it).
// Reasons name the input by its place, never by its path.
result<std::filesystem::path> inside_root(const std::string& path, const std::filesystem::path& root,
                                          const std::string& which) {
  if (root.empty()) return failure{"the performer has no --input-root: it reads no workitem's inputs"};
  if (path.empty()) return failure{which + " is empty"};
  std::error_code error;
  const auto base = std::filesystem::weakly_canonical(root, error);
  if (error) return failure{"cannot resolve the performer's input root: " + error.message()};
  const std::filesystem::path given(path);
  const auto resolved = std::filesystem::weakly_canonical(given.is_absolute() ? given : base / given, error);
  if (error) return failure{"cannot resolve " + which + ": " + error.message()};
  const auto relative = resolved.lexically_relative(base);
  if (relative.empty() || *relative.begin() == ".." || relative == ".") {
    // The root itself would be every workitem's files, given this workitem's patient.
    return failure{which + " is outside the performer's input root, or is the root itself"};
  }
  return resolved;
}

// The operator's own URL for a DICOMweb root a workitem names: options (tokens, CA files)
// come from the operator, never from a workitem.
result<std::string> listed_web_peer(const std::string& url, const std::vector<std::string>& listed) {
  if (!url.starts_with("http://") && !url.starts_with("https://")) return failure{"a STOW-RS Storage URL that is not http(s)"};
  if (url.find_first_of("?@#") != std::string::npos) {
    return failure{"a STOW-RS Storage URL with options or credentials (the performer's --peer gives those)"};
  }
  const auto root_of = [](std::string text) {
    text = text.substr(0, text.find('?'));
    while (text.ends_with('/')) text.pop_back();
    return text;
  };
  for (const auto& peer : listed) {
    if (root_of(peer) == root_of(url)) return peer;
  }
  return failure{"a STOW-RS Storage URL this performer does not list (--peer URL)"};
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
  std::size_t inputs = 0;
  std::size_t attributes = 0;
  std::set<std::string> keywords;  // each attribute once: two values for one would be a guess
  const auto add_attribute = [&](const std::string& text, const std::string& which) -> result<void> {
    if (text.find('=') == std::string::npos) return failure{which + ": expected Keyword=Value"};
    auto parsed = dicom::parse_assignment(text);
    if (!parsed) return failure{which + ": " + parsed.error().message};
    if (!keywords.insert(parsed->keyword).second) return failure{which + ": " + parsed->keyword + " is given twice"};
    request.attributes.push_back(parsed->keyword + "=" + parsed->value);
    return {};
  };
  for (const auto& [name, value] : our_parameters(item)) {
    if (name == "DCMFLOW-INPUT") {
      auto inside = inside_root(value, settings.input_root, "DCMFLOW-INPUT #" + std::to_string(++inputs));
      if (!inside) return inside.error();
      request.inputs.push_back(std::move(inside).value());
    } else if (name == "DCMFLOW-ATTRIBUTE") {
      if (auto added = add_attribute(value, "DCMFLOW-ATTRIBUTE #" + std::to_string(++attributes)); !added) {
        return added.error();
      }
    } else if (name == "DCMFLOW-CODEC") {
      request.codec = value;
    } else {
      return failure{"unknown processing parameter (" + name.substr(0, 16) + ", " + scheme + ")"};
    }
  }
  if (request.inputs.empty()) return failure{"the workitem names no input (DCMFLOW-INPUT, 99DCMFLOW)"};
  // The workitem's patient is the objects' patient.
  for (const auto& [key, keyword] : {std::pair{tag::patient_name, "PatientName"}, std::pair{tag::patient_id, "PatientID"},
                                     std::pair{tag::patient_birth_date, "PatientBirthDate"},
                                     std::pair{tag::patient_sex, "PatientSex"}}) {
    const std::string value = item.text(key);
    if (value.empty()) continue;
    if (auto added = add_attribute(std::string(keyword) + "=" + value, "the workitem's " + std::string(keyword)); !added) {
      return added.error();
    }
  }
  for (const auto& destination : item.items(tag::output_destination_sequence)) {
    for (const auto& stow : worklist::workitem(destination).items(tag::stow_storage_sequence)) {
      auto listed = listed_web_peer(worklist::text_in(stow, tag::storage_url), settings.web_peers);
      if (!listed) return listed.error();
      request.destinations.push_back(std::move(listed).value());
    }
    for (const auto& dimse : worklist::workitem(destination).items(tag::dicom_storage_sequence)) {
      const std::string ae = worklist::text_in(dimse, tag::destination_ae);
      const auto peer = settings.peers.find(ae);
      if (peer == settings.peers.end()) {
        return failure{"a Destination AE this performer does not list (--peer AE=dicom://...)"};
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
