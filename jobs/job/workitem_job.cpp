#include "job/workitem_job.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <optional>
#include <set>

#include <dcmflow/codecs/registry.hpp>

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
result<std::string, import_problem> listed_web_peer(const std::string& url, const std::vector<std::string>& listed) {
  if (!url.starts_with("http://") && !url.starts_with("https://"))
    return failure{"a STOW-RS Storage URL that is not http(s)"};
  if (url.find_first_of("?@#") != std::string::npos) {
    return failure{"a STOW-RS Storage URL with options or credentials (the performer's --peer gives those)"};
  }
  const auto root_of = [](std::string text) {
    text = text.substr(0, text.find('?'));
    const auto scheme_end = text.find("://") + 3;
    const auto at = text.find('@', scheme_end);  // the operator's credentials are not part of where
    if (at != std::string::npos && at < text.find('/', scheme_end)) text.erase(scheme_end, at + 1 - scheme_end);
    while (text.ends_with('/')) text.pop_back();
    return text;
  };
  for (const auto& peer : listed) {
    if (root_of(peer) == root_of(url)) return peer;
  }
  return import_problem("a STOW-RS Storage URL this performer does not list (--peer URL)", true);
}

// The workitem's patient attribute `key` as `Keyword=Value`, or nothing when absent. One
// value only, and a name by its alphabetic group alone: anything else would be a guess
// about whose objects these are.
result<std::optional<std::string>> patient_value(const worklist::workitem& item, const char* key,
                                                 std::string_view keyword) {
  const auto& attributes = item.attributes();
  const auto found = attributes.find(key);
  if (found == attributes.end() || !found->is_object() || !found->contains("Value"))
    return std::optional<std::string>{};
  const auto& values = (*found)["Value"];
  if (!values.is_array() || values.empty()) return std::optional<std::string>{};
  if (values.size() > 1)
    return failure{"the workitem's " + std::string(keyword) + " has " + std::to_string(values.size()) + " values"};
  const std::string value = item.text(key);
  if (keyword == "PatientName") {
    const auto& name = values.front();
    if (name.is_object() && (name.contains("Ideographic") || name.contains("Phonetic"))) {
      return failure{
          "the workitem's PatientName has ideographic or phonetic groups: give the name in its alphabetic group only"};
    }
    if (value.empty() || value.find('=') != std::string::npos) {
      return failure{"the workitem's PatientName has no alphabetic group, or an '=' in it"};
    }
  }
  for (const unsigned char c : value) {
    if (c < 0x20 || c == 0x7F) return failure{"the workitem's " + std::string(keyword) + " holds control characters"};
  }
  return std::optional<std::string>(std::string(keyword) + "=" + value);
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

result<import_request, import_problem> read_import_request(const worklist::workitem& item,
                                                           const performer_settings& settings) {
  import_request request;
  std::size_t inputs = 0;
  std::size_t attributes = 0;
  bool codec_given = false;
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
      const std::string which = "DCMFLOW-INPUT #" + std::to_string(++inputs);
      auto inside = inside_root(value, settings.input_root, which);
      if (!inside) return inside.error();
      std::error_code error;
      if (!std::filesystem::exists(*inside, error)) {
        return import_problem(which + " is not there (below this performer's input root)", true);
      }
      request.inputs.push_back(std::move(inside).value());
    } else if (name == "DCMFLOW-SET") {
      if (auto added = add_attribute(value, "DCMFLOW-SET #" + std::to_string(++attributes)); !added)
        return added.error();
    } else if (name == "DCMFLOW-CODEC") {
      if (codec_given) return failure{"DCMFLOW-CODEC is given twice"};
      codec_given = true;
      std::error_code error;
      const auto codec = value == "auto" ? nullptr : codecs::make_encoder(value, error);
      if (value != "auto" && !codec) return failure{"DCMFLOW-CODEC: " + error.message()};
      // A workitem does not decide to lose pixels: lossy codecs are the operator's choice, in a job file.
      if (codec && (codec->syntax().lossy || value.find(':') != std::string::npos)) {
        return failure{"DCMFLOW-CODEC: a lossy codec; a workitem may ask only for a lossless one or auto"};
      }
      request.codec = value;
    } else {
      return failure{"unknown processing parameter (" + name.substr(0, 16) + ", " + scheme + ")"};
    }
  }
  if (request.inputs.empty()) return failure{"the workitem names no input (DCMFLOW-INPUT, 99DCMFLOW)"};
  // The workitem's patient is the objects' patient.
  for (const auto& [key, keyword] :
       {std::pair{tag::patient_name, "PatientName"}, std::pair{tag::patient_id, "PatientID"},
        std::pair{"00100021", "IssuerOfPatientID"}, std::pair{tag::patient_birth_date, "PatientBirthDate"},
        std::pair{tag::patient_sex, "PatientSex"}}) {
    auto assignment = patient_value(item, key, keyword);
    if (!assignment) return assignment.error();
    if (!*assignment) continue;
    if (auto added = add_attribute(**assignment, "the workitem's " + std::string(keyword)); !added)
      return added.error();
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
        return import_problem("a Destination AE this performer does not list (--peer AE=dicom://...)", true);
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
    out << YAML::Key << assignment.substr(0, equals) << YAML::Value << YAML::DoubleQuoted
        << assignment.substr(equals + 1);
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
