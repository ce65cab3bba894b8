#include "cli/query_command.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "cli/exit_codes.hpp"
#include "store/query.hpp"
#include "store/retrieve.hpp"

namespace dcmflow::cli {
namespace {

// Keywords a query can match on, each an option of its own (--PatientID ...).
const std::vector<std::pair<std::string, std::string>> matching_keys = {
    {"PatientID", "Patient ID"},
    {"PatientName", "Patient's name; * and ? are wildcards (SMITH*, 张*)"},
    {"PatientBirthDate", "Birth date or range (19500101-19591231)"},
    {"StudyDate", "Study date or range (20130509-20130510, 20130509-)"},
    {"AccessionNumber", "Accession number"},
    {"StudyDescription", "Study description (wildcards)"},
    {"StudyInstanceUID", "Study Instance UID"},
    {"SeriesInstanceUID", "Series Instance UID"},
    {"Modality", "Modality (SC, CT, ...)"},
};

// Tags of the table's columns, by keyword (DICOM JSON is keyed by tag).
const std::map<std::string, std::string> tags = {
    {"PatientName", "00100010"},       {"PatientID", "00100020"},         {"PatientBirthDate", "00100030"},
    {"StudyDate", "00080020"},         {"AccessionNumber", "00080050"},   {"StudyDescription", "00081030"},
    {"StudyInstanceUID", "0020000D"},  {"Modality", "00080060"},          {"SeriesNumber", "00200011"},
    {"SeriesDescription", "0008103E"}, {"SeriesInstanceUID", "0020000E"}, {"InstanceNumber", "00200013"},
    {"SOPClassUID", "00080016"},       {"SOPInstanceUID", "00080018"},
};

// A value as text: names by their groups (Alphabetic=Ideographic), several values with '\'.
std::string text_of(const nlohmann::json& match, const std::string& keyword) {
  const auto tag = tags.find(keyword);
  if (tag == tags.end()) return {};
  const auto element = match.find(tag->second);
  if (element == match.end() || !element->contains("Value")) return {};
  std::string text;
  for (const auto& value : (*element)["Value"]) {
    std::string one;
    if (value.is_object()) {
      for (const char* group : {"Alphabetic", "Ideographic", "Phonetic"}) {
        if (value.contains(group)) one += (one.empty() ? "" : "=") + value[group].get<std::string>();
      }
    } else {
      one = value.is_string() ? value.get<std::string>() : value.dump();
    }
    text += (text.empty() ? "" : "\\") + one;
  }
  return text;
}

// Columns a terminal gives a UTF-8 string: East Asian wide characters take two.
std::size_t display_width(const std::string& text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    std::uint32_t code = length == 1 ? lead : lead & (0xFF >> (length + 1));
    for (std::size_t k = 1; k < length && i + k < text.size(); ++k) code = code << 6 | (text[i + k] & 0x3F);
    width += (code >= 0x1100 && (code <= 0x115F || (code >= 0x2E80 && code <= 0xA4CF) ||
                                 (code >= 0xAC00 && code <= 0xD7A3) || (code >= 0xF900 && code <= 0xFAFF) ||
                                 (code >= 0xFF00 && code <= 0xFF60) || (code >= 0x20000 && code <= 0x3FFFD)))
                 ? 2
                 : 1;
    i += length;
  }
  return width;
}

void print_table(const nlohmann::json& matches, store::query_level level) {
  const auto& columns = store::return_keys(level);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> widths;
  widths.reserve(columns.size());
  for (const auto& column : columns) widths.push_back(display_width(column));
  for (const auto& match : matches) {
    std::vector<std::string> row;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      row.push_back(text_of(match, columns[c]));
      widths[c] = std::max(widths[c], display_width(row.back()));
    }
    rows.push_back(std::move(row));
  }
  const auto print_row = [&](const std::vector<std::string>& cells) {
    for (std::size_t c = 0; c < cells.size(); ++c) {
      std::cout << cells[c];
      if (c + 1 < cells.size()) std::cout << std::string(widths[c] - display_width(cells[c]) + 2, ' ');
    }
    std::cout << '\n';
  };
  print_row(columns);
  for (const auto& row : rows) print_row(row);
  std::cout << matches.size() << (matches.size() == 1 ? " match\n" : " matches\n");
}

struct query_arguments {
  std::string url;
  std::string level = "study";
  std::map<std::string, std::string> match;
  std::size_t limit = 0;
  bool json = false;
  store::network_options network;
};

int run_query(const query_arguments& args) {
  store::query_request request;
  request.level = args.level == "series"     ? store::query_level::series
                  : args.level == "instance" ? store::query_level::instance
                                             : store::query_level::study;
  for (const auto& [keyword, value] : args.match) request.match.emplace_back(keyword, value);
  request.limit = args.limit;
  auto matches = store::find(args.url, request, args.network);
  if (!matches) {
    std::cerr << "dcmflow query: " << matches.error().message << '\n';
    return exit_items_failed;
  }
  if (args.json) {
    std::cout << matches->dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  } else {
    print_table(*matches, request.level);
  }
  return exit_ok;
}

}  // namespace

std::function<int()> add_query_command(CLI::App& app) {
  auto args = std::make_shared<query_arguments>();
  CLI::App* command = app.add_subcommand("query", "Find studies, series or instances in a PACS (C-FIND, QIDO-RS)");
  command
      ->add_option("url", args->url,
                   "dicom://CALLED_AE@host:port (dicoms:// over TLS) or http(s)://host:port/dicom-web")
      ->required();
  command->add_option("--level", args->level, "study, series or instance")
      ->check(CLI::IsMember({"study", "series", "instance"}))
      ->capture_default_str();
  for (const auto& [keyword, help] : matching_keys) {
    command->add_option_function<std::string>(
        "--" + keyword, [args, keyword = keyword](const std::string& value) { args->match[keyword] = value; }, help);
  }
  command->add_option("--limit", args->limit, "At most this many matches");
  command->add_flag("--json", args->json, "DICOM JSON (PS3.18 F.2) instead of a table");
  command->add_option("--calling-ae", args->network.calling_ae, "Our AE title")->capture_default_str();
  return [command, args] { return command->parsed() ? run_query(*args) : -1; };
}

std::function<int()> add_fetch_command(CLI::App& app) {
  auto url = std::make_shared<std::string>();
  auto request = std::make_shared<store::retrieve_request>();
  auto folder = std::make_shared<std::filesystem::path>();
  auto network = std::make_shared<store::network_options>();
  CLI::App* command =
      app.add_subcommand("fetch", "Retrieve a study, series or instance as Part 10 files (C-GET, WADO-RS)");
  command->add_option("url", *url, "dicom://CALLED_AE@host:port (dicoms:// over TLS) or http(s)://host:port/dicom-web")
      ->required();
  command->add_option("--study", request->study_instance_uid, "Study Instance UID")->required();
  command->add_option("--series", request->series_instance_uid, "Series Instance UID");
  command->add_option("--instance", request->sop_instance_uid, "SOP Instance UID");
  command->add_option("-o,--output", *folder, "Folder the files go to (created if missing)")->required();
  command->add_flag("--rendered", request->rendered, "DICOMweb: the server's rendered PNG of one instance instead");
  command->add_option("--calling-ae", network->calling_ae, "Our AE title")->capture_default_str();
  return [command, url, request, folder, network] {
    if (!command->parsed()) return -1;
    if (!request->sop_instance_uid.empty() && request->series_instance_uid.empty()) {
      std::cerr << "dcmflow fetch: --instance needs --series\n";
      return static_cast<int>(exit_usage);
    }
    auto written = store::retrieve(*url, *request, *folder, *network);
    if (!written) {
      std::cerr << "dcmflow fetch: " << written.error().message << '\n';
      return static_cast<int>(exit_items_failed);
    }
    std::cout << "fetch: " << written->size() << " files in " << folder->string() << '\n';
    return static_cast<int>(written->empty() ? exit_items_failed : exit_ok);
  };
}

}  // namespace dcmflow::cli
