#include "job/job_file.hpp"

#include <yaml-cpp/yaml.h>

#include <functional>
#include <set>
#include <string>
#include <system_error>
#include <utility>

#include <dcmflow/codecs/registry.hpp>

#include "convert/archive_reader.hpp"
#include "dicom/attribute.hpp"
#include "dicom/character_set.hpp"

namespace dcmflow::job {
namespace {

// A problem at a node: the message carries the node's line.
struct job_error {
  YAML::Mark mark;
  std::string message;
};

[[noreturn]] void fail_at(const YAML::Node& node, std::string message) {
  throw job_error{node.Mark(), std::move(message)};
}

std::string scalar(const YAML::Node& node, std::string_view key) {
  if (!node.IsScalar()) fail_at(node, std::string(key) + ": expected a single value");
  return node.Scalar();
}

template <class Number>
Number number(const YAML::Node& node, std::string_view key, Number low, Number high) {
  if (!node.IsScalar()) fail_at(node, std::string(key) + ": expected a number");
  Number value{};
  if (!YAML::convert<Number>::decode(node, value))
    fail_at(node, std::string(key) + ": '" + node.Scalar() + "' is not a number");
  if (value < low || value > high) {
    fail_at(node, std::string(key) + ": " + node.Scalar() + " is out of range (" + std::to_string(low) + " to " +
                      std::to_string(high) + ")");
  }
  return value;
}

bool boolean(const YAML::Node& node, std::string_view key) {
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value))
    fail_at(node, std::string(key) + ": expected true or false");
  return value;
}

std::string one_of(const YAML::Node& node, std::string_view key, std::initializer_list<std::string_view> allowed) {
  std::string value = scalar(node, key);
  for (const auto& each : allowed) {
    if (value == each) return value;
  }
  std::string list;
  for (const auto& each : allowed) list += (list.empty() ? "" : ", ") + std::string(each);
  fail_at(node, std::string(key) + ": '" + value + "' is not one of " + list);
}

std::vector<std::string> strings(const YAML::Node& node, std::string_view key) {
  if (node.IsScalar()) return {node.Scalar()};
  if (!node.IsSequence()) fail_at(node, std::string(key) + ": expected a list");
  std::vector<std::string> values;
  for (const auto& each : node) values.push_back(scalar(each, key));
  return values;
}

// Calls `handle` for each key of a mapping, refusing keys it does not know.
void each_key(const YAML::Node& map, std::string_view where, std::initializer_list<std::string_view> known,
              const std::function<void(const std::string&, const YAML::Node&)>& handle) {
  if (!map.IsMap()) fail_at(map, std::string(where) + ": expected keys and values");
  for (const auto& pair : map) {
    const std::string key = pair.first.as<std::string>();
    bool found = false;
    for (const auto& each : known) found = found || key == each;
    if (!found) {
      std::string list;
      for (const auto& each : known) list += (list.empty() ? "" : ", ") + std::string(each);
      fail_at(pair.first, std::string(where) + ": unknown key '" + key + "' (known: " + list + ")");
    }
    handle(key, pair.second);
  }
}

input_spec read_input(const YAML::Node& node) {
  if (node.IsScalar()) return {node.Scalar(), {}, {}};
  input_spec input;
  each_key(node, "inputs", {"path", "include", "exclude"}, [&](const std::string& key, const YAML::Node& value) {
    if (key == "path") input.path = scalar(value, "inputs.path");
    if (key == "include") input.include = strings(value, "inputs.include");
    if (key == "exclude") input.exclude = strings(value, "inputs.exclude");
  });
  if (input.path.empty()) fail_at(node, "inputs: an input needs a path");
  return input;
}

manifest::column_mapping read_column(const YAML::Node& node, const std::string& column) {
  const std::string where = "manifest.columns." + column;
  manifest::column_mapping mapping;
  if (node.IsScalar()) {
    mapping.keyword = node.Scalar();
  } else {
    each_key(node, where, {"keyword", "format"}, [&](const std::string& key, const YAML::Node& value) {
      if (key == "keyword") mapping.keyword = scalar(value, where + ".keyword");
      if (key == "format") mapping.format = scalar(value, where + ".format");
    });
  }
  if (mapping.keyword.empty()) fail_at(node, where + ": needs a keyword");
  if (mapping.keyword != "file") {
    auto entry = dicom::look_up_keyword(mapping.keyword);
    if (!entry) fail_at(node, where + ": " + entry.error().message);
    if (!mapping.format.empty() && entry->vr != "DA" && entry->vr != "TM" && entry->vr != "DT") {
      fail_at(node, where + ": " + mapping.keyword + " (" + entry->vr + "): a format applies to dates and times only");
    }
  }
  return mapping;
}

manifest_spec read_manifest(const YAML::Node& node) {
  if (node.IsScalar()) return {node.Scalar(), "auto", {}};
  manifest_spec spec;
  each_key(node, "manifest", {"file", "encoding", "columns"}, [&](const std::string& key, const YAML::Node& value) {
    if (key == "file") spec.file = scalar(value, "manifest.file");
    if (key == "encoding") spec.encoding = one_of(value, "manifest.encoding", {"auto", "utf8", "gb18030", "latin1"});
    if (key == "columns") {
      if (!value.IsMap()) fail_at(value, "manifest.columns: expected 'legacy column: Keyword' pairs");
      for (const auto& pair : value) {
        const std::string column = pair.first.as<std::string>();
        spec.columns[column] = read_column(pair.second, column);
      }
    }
  });
  if (spec.file.empty()) fail_at(node, "manifest: needs a file");
  return spec;
}

void read_rasterise(const YAML::Node& node, job_spec& job) {
  each_key(node, "rasterise",
           {"dpi", "color", "per_page", "frames_per_instance", "also_pdf", "office_workers", "office_timeout",
            "environment"},
           [&](const std::string& key, const YAML::Node& value) {
             if (key == "dpi") job.dpi = number<double>(value, "rasterise.dpi", 25, 1200);
             if (key == "color") job.colour = one_of(value, "rasterise.color", {"auto", "gray", "rgb"});
             if (key == "per_page") job.per_page = boolean(value, "rasterise.per_page");
             if (key == "frames_per_instance") {
               job.frames_per_instance = number<std::uint32_t>(value, "rasterise.frames_per_instance", 1, 100000);
             }
             if (key == "also_pdf") job.also_pdf = boolean(value, "rasterise.also_pdf");
             if (key == "environment") job.environment = scalar(value, "rasterise.environment");
             if (key == "office_workers")
               job.office_workers = number<std::size_t>(value, "rasterise.office_workers", 1, 64);
             if (key == "office_timeout")
               job.office_timeout_s = number<int>(value, "rasterise.office_timeout", 1, 3600);
           });
}

void read_limits(const YAML::Node& node, job_spec& job) {
  each_key(node, "limits",
           {"items_in_flight", "memory_mb", "max_entry_bytes", "max_expansion_ratio", "decode_memory_mb",
            "decode_timeout", "max_document_mb", "max_document_xml_mb", "outage_limit"},
           [&](const std::string& key, const YAML::Node& value) {
             if (key == "items_in_flight")
               job.items_in_flight = number<std::size_t>(value, "limits.items_in_flight", 1, 100000);
             if (key == "memory_mb") job.memory_mb = number<std::uint64_t>(value, "limits.memory_mb", 16, 1ULL << 30);
             if (key == "max_entry_bytes") {
               job.max_entry_bytes = number<std::uint64_t>(value, "limits.max_entry_bytes", 1, ~0ULL);
             }
             if (key == "max_expansion_ratio") {
               job.max_expansion_ratio = number<std::uint64_t>(value, "limits.max_expansion_ratio", 10, 1ULL << 40);
             }
             if (key == "decode_memory_mb") {
               job.decode_memory_mb = number<std::uint64_t>(value, "limits.decode_memory_mb", 256, 1ULL << 30);
             }
             if (key == "decode_timeout") job.decode_timeout_s = number<int>(value, "limits.decode_timeout", 1, 86400);
             if (key == "outage_limit") job.outage_limit_s = number<int>(value, "limits.outage_limit", 1, 7 * 86400);
             if (key == "max_document_mb") {
               job.max_document_mb = number<std::uint64_t>(value, "limits.max_document_mb", 1, 1ULL << 20);
             }
             if (key == "max_document_xml_mb") {
               job.max_document_xml_mb = number<std::uint64_t>(value, "limits.max_document_xml_mb", 1, 1ULL << 20);
             }
           });
}

void read_uid(const YAML::Node& node, job_spec& job) {
  each_key(node, "uid", {"root", "namespace"}, [&](const std::string& key, const YAML::Node& value) {
    if (key == "root") {
      job.uid_root = scalar(value, "uid.root");
      const std::string& root = job.uid_root;
      const bool valid = !root.empty() && root.size() <= 40 && root.front() != '.' && root.back() != '.' &&
                         root.find_first_not_of("0123456789.") == std::string::npos &&
                         root.find("..") == std::string::npos;
      if (!valid) fail_at(value, "uid.root: a UID root is digits and dots, at most 40 characters");
    }
    if (key == "namespace") job.uid_namespace = scalar(value, "uid.namespace");
  });
}

void read_job(const YAML::Node& root, job_spec& job) {
  if (!root.IsMap()) fail_at(root, "a job file is a mapping of keys (inputs:, codec:, destinations:...)");
  each_key(root, "job",
           {"inputs", "manifest", "attributes", "allow_missing_patient_id", "mode", "codec", "charset", "rasterise",
            "destinations", "journal", "report", "threads", "limits", "uid", "thumbnails", "archive_encoding",
            "recode_charset", "assume_charset"},
           [&](const std::string& key, const YAML::Node& value) {
             if (key == "inputs") {
               if (value.IsScalar()) {
                 job.inputs.push_back(read_input(value));
               } else if (value.IsSequence()) {
                 for (const auto& each : value) job.inputs.push_back(read_input(each));
               } else {
                 fail_at(value, "inputs: expected a list of paths or of {path, include, exclude}");
               }
             }
             if (key == "manifest") job.manifest = read_manifest(value);
             if (key == "attributes") {
               if (!value.IsMap()) fail_at(value, "attributes: expected 'Keyword: value' pairs");
               for (const auto& pair : value) {
                 const std::string text = pair.first.as<std::string>() + "=" + scalar(pair.second, "attributes");
                 auto parsed = dicom::parse_assignment(text);
                 if (!parsed) fail_at(pair.first, "attributes: " + parsed.error().message);
                 job.attributes.push_back(text);
               }
             }
             if (key == "allow_missing_patient_id") job.allow_missing_patient_id = boolean(value, key);
             if (key == "mode") job.mode = one_of(value, "mode", {"auto", "convert", "transcode"});
             if (key == "codec") {
               job.codec = scalar(value, "codec");
               std::error_code error;
               if (job.codec != "auto" && !codecs::make_encoder(job.codec, error)) {  // auto: job/automatic_codec.hpp
                 fail_at(value, "codec: " + job.codec + ": " + error.message());
               }
             }
             if (key == "charset") {
               job.charset = scalar(value, "charset");
               if (auto set = dicom::parse_character_set(job.charset); !set)
                 fail_at(value, "charset: " + set.error().message);
             }
             // Transcoding (`dcmflow transcode --charset`, `--assume-charset`): text re-encoded
             // into one set; text read as one set whatever the file declares.
             for (auto [name, field] : {std::pair{"recode_charset", &job.recode_charset},
                                        std::pair{"assume_charset", &job.assume_charset}}) {
               if (key != name) continue;
               *field = scalar(value, name);
               if (auto set = dicom::parse_character_set(*field); !set) {
                 fail_at(value, std::string(name) + ": " + set.error().message);
               }
             }
             if (key == "rasterise") read_rasterise(value, job);
             if (key == "destinations") {
               job.destinations = strings(value, "destinations");
               if (job.destinations.empty()) fail_at(value, "destinations: name at least one (file://DIR)");
             }
             if (key == "journal") job.journal = scalar(value, "journal");
             if (key == "report") job.report_folder = scalar(value, "report");
             if (key == "threads") job.threads = number<int>(value, "threads", 1, 1024);
             if (key == "limits") read_limits(value, job);
             if (key == "uid") read_uid(value, job);
             if (key == "thumbnails") job.thumbnails = number<std::size_t>(value, "thumbnails", 0, 1000);
             if (key == "archive_encoding") {
               job.archive_encoding = scalar(value, "archive_encoding");
               if (!convert::is_known_name_encoding(job.archive_encoding)) {
                 fail_at(value, "archive_encoding: unknown code page " + job.archive_encoding + " (e.g. CP437, GBK)");
               }
             }
           });
  if (job.inputs.empty()) fail_at(root, "inputs: the job names no inputs");
}

}  // namespace

result<job_spec> load_job_file(const std::filesystem::path& file) {
  job_spec job;
  job.file = file;
  job.folder = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error)) return failure{file.string() + ": no such job file"};
  try {
    read_job(YAML::LoadFile(file.string()), job);
  } catch (const job_error& problem) {
    return failure{file.string() + ":" + std::to_string(problem.mark.line + 1) + ": " + problem.message};
  } catch (const YAML::Exception& problem) {
    return failure{file.string() + ":" + std::to_string(problem.mark.line + 1) + ": not valid YAML: " + problem.msg};
  }
  if (job.destinations.empty()) job.destinations = {"file://output"};
  if (job.journal.empty()) job.journal = file.stem().string() + ".journal.sqlite";
  return job;
}

}  // namespace dcmflow::job
