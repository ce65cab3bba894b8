#include "manifest/manifest.hpp"

#include <csv.h>
#include <fnmatch.h>
#include <glob.h>

#include <ctime>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "dicom/character_set.hpp"
#include "dicom/value_rules.hpp"

namespace dcmflow::manifest {
namespace {

using table = std::vector<std::vector<std::string>>;  // records of fields; record 0 is the header

std::string read_whole(const std::filesystem::path& file, bool& ok) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  ok = static_cast<bool>(in) || in.eof();
  return text.str();
}

// CSV through libcsv (RFC 4180: quoted fields, doubled quotes, newlines inside quotes).
result<table> parse_csv(const std::string& text, const std::string& name) {
  struct collector {
    table records;
    std::vector<std::string> current;
  } state;
  csv_parser parser{};
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) return failure{name + ": cannot start the CSV parser"};
  const auto on_field = [](void* field, std::size_t size, void* data) {
    static_cast<collector*>(data)->current.emplace_back(static_cast<const char*>(field), size);
  };
  const auto on_record = [](int, void* data) {
    auto* into = static_cast<collector*>(data);
    into->records.push_back(std::move(into->current));
    into->current.clear();
  };
  const std::string_view body = text;  // a byte order mark was dropped with the encoding
  const std::size_t parsed = csv_parse(&parser, body.data(), body.size(), on_field, on_record, &state);
  const bool complete = parsed == body.size() && csv_fini(&parser, on_field, on_record, &state) == 0;
  const std::string error = complete ? std::string() : csv_strerror(csv_error(&parser));
  csv_free(&parser);
  if (!complete) {
    return failure{name + ":" + std::to_string(state.records.size() + 1) + ": not valid CSV: " + error};
  }
  return state.records;
}

// A JSON array of objects becomes the same table: the union of keys is the header.
result<table> parse_json(const std::string& text, const std::string& name) {
  nlohmann::json document;
  // A key twice in one object would silently keep the last value: refused instead.
  std::vector<std::set<std::string>> keys_by_depth;
  std::string repeated;
  std::size_t object_number = 0;
  const auto watch_keys = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    const auto level = static_cast<std::size_t>(depth);
    if (event == nlohmann::json::parse_event_t::object_start) {
      if (level == 1) ++object_number;
      if (keys_by_depth.size() <= level) keys_by_depth.resize(level + 1);
      keys_by_depth[level].clear();
    } else if (event == nlohmann::json::parse_event_t::key && level > 0 && level - 1 < keys_by_depth.size()) {
      if (!keys_by_depth[level - 1].insert(parsed.get<std::string>()).second && repeated.empty()) {
        repeated = name + ":" + std::to_string(object_number) + ": key \"" + parsed.get<std::string>() +
                   "\" appears twice in one object";
      }
    }
    return true;
  };
  try {
    document = nlohmann::json::parse(text, watch_keys);
  } catch (const nlohmann::json::parse_error& error) {
    return failure{name + ": not valid JSON: " + error.what()};
  }
  if (!repeated.empty()) return failure{repeated};
  if (!document.is_array()) return failure{name + ": a JSON manifest is an array of objects"};
  std::vector<std::string> header;
  for (std::size_t i = 0; i < document.size(); ++i) {
    if (!document[i].is_object()) return failure{name + ":" + std::to_string(i + 1) + ": not a JSON object"};
    for (const auto& [key, value] : document[i].items()) {
      if (std::find(header.begin(), header.end(), key) == header.end()) header.push_back(key);
    }
  }
  table records{header};
  for (const auto& object : document) {
    std::vector<std::string> record;
    for (const auto& key : header) {
      const auto found = object.find(key);
      if (found == object.end() || found->is_null()) {
        record.emplace_back();
      } else {
        record.push_back(found->is_string() ? found->get<std::string>() : found->dump());
      }
    }
    records.push_back(std::move(record));
  }
  return records;
}

// Which legacy encoding text that is not UTF-8 is in. Chinese exports (GB18030, GBK, GB2312)
// write most characters as two high bytes (or four: high, digit, high, digit); Western ones
// (Windows-1252) write one high byte between ASCII letters. GB18030 decodes almost any bytes
// ("Am\xE9lie" reads as "Am閘ie"), so decoding is no test: the shape is. GBK's own
// characters (traditional ones, 東 = 96 7C) also pair a high byte with an ASCII one, so a few
// of those among many Chinese pairs still read as Chinese; and Western text can put two
// accented letters together (Gräßle), so Chinese also needs a run of two characters or more,
// Western none longer than two bytes. Anything less clear is not guessed.
std::optional<text_encoding> guess_legacy_encoding(std::string_view bytes) {
  const auto at = [&](std::size_t i) { return i < bytes.size() ? static_cast<unsigned char>(bytes[i]) : 0U; };
  const auto high = [](unsigned byte) { return byte >= 0x81 && byte <= 0xFE; };
  const auto digit = [](unsigned byte) { return byte >= 0x30 && byte <= 0x39; };
  std::size_t chinese = 0;      // high-high pairs and four-byte sequences
  std::size_t single_high = 0;  // a high byte next to ASCII: é in "Amélie", or a GBK character
  std::size_t run = 0;          // consecutive high bytes
  std::size_t longest_run = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    run = at(i) >= 0x80 ? run + 1 : 0;
    longest_run = std::max(longest_run, run);
  }
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (at(i) < 0x80) continue;
    if (high(at(i)) && at(i + 1) >= 0x80 && at(i + 1) <= 0xFE) {
      ++chinese;
      ++i;
    } else if (high(at(i)) && digit(at(i + 1)) && high(at(i + 2)) && digit(at(i + 3))) {
      ++chinese;
      i += 3;
    } else {
      ++single_high;
    }
  }
  if (chinese > 0 && chinese >= 4 * single_high && longest_run >= 4) return text_encoding::gb18030;
  if (single_high > 0 && chinese <= single_high && longest_run <= 2) return text_encoding::latin1;
  return std::nullopt;
}

// The manifest's bytes as UTF-8, in the encoding asked for or the one they show.
result<std::string> to_utf8(std::string text, text_encoding encoding, const std::string& name) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.erase(0, 3);  // a UTF-8 byte order mark, from spreadsheets
  const bool utf8 = dicom::utf8_length(text).has_value();
  if (encoding == text_encoding::utf8 || (encoding == text_encoding::detect && utf8)) {
    if (!utf8) return failure{name + ": not UTF-8 text (try --manifest-encoding gb18030 or latin1)"};
    return text;
  }
  if (text.substr(0, 4) == "\x84\x31\x95\x33") {  // GB18030's byte order mark
    text.erase(0, 4);
    if (encoding == text_encoding::detect) encoding = text_encoding::gb18030;
  }
  if (encoding == text_encoding::detect) {
    const auto guessed = guess_legacy_encoding(text);
    if (!guessed) {
      return failure{name +
                     ": not UTF-8, and its bytes could be Chinese (GB18030) or Western (Windows-1252) "
                     "text: say which with --manifest-encoding gb18030|latin1 (job files: manifest.encoding)"};
    }
    encoding = *guessed;
  }
  auto decoded = encoding == text_encoding::gb18030 ? dicom::gb18030_to_utf8(text) : dicom::windows1252_to_utf8(text);
  if (!decoded) {
    return failure{name + ": not " + (encoding == text_encoding::gb18030 ? "GB18030" : "Windows-1252") + " text"};
  }
  return decoded;
}

std::vector<std::filesystem::path> expand(const std::filesystem::path& folder, const std::string& pattern) {
  const std::filesystem::path named(pattern);
  const std::filesystem::path full = named.is_absolute() ? named : folder / named;
  std::vector<std::filesystem::path> files;
  glob_t found{};
  if (glob(full.c_str(), GLOB_NOSORT, nullptr, &found) == 0) {
    for (std::size_t i = 0; i < found.gl_pathc; ++i) files.emplace_back(found.gl_pathv[i]);
  }
  globfree(&found);
  std::error_code error;
  for (auto& file : files) file = std::filesystem::weakly_canonical(file, error);
  return files;
}

std::string value_of(const manifest_row& row, std::string_view keyword) {
  for (const auto& assignment : row.attributes) {
    if (assignment.keyword == keyword) return assignment.value;
  }
  return {};
}

// Rows that give one PatientID two names or birth dates fail together: a PACS would merge
// them into one patient. (Messages name rows, never the values.)
void mark_conflicting_demographics(std::vector<manifest_row>& rows, const std::string& name) {
  std::map<std::string, std::vector<std::size_t>> by_patient;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::string id = value_of(rows[i], "PatientID");
    if (!id.empty()) by_patient[id].push_back(i);
  }
  for (const auto& [id, members] : by_patient) {
    for (const std::string_view keyword : {"PatientName", "PatientBirthDate"}) {
      std::set<std::string> values;
      for (const std::size_t i : members) {
        if (const std::string value = value_of(rows[i], keyword); !value.empty()) values.insert(value);
      }
      if (values.size() < 2) continue;
      std::string row_list;
      for (const std::size_t i : members) row_list += (row_list.empty() ? "" : ", ") + std::to_string(rows[i].row);
      for (const std::size_t i : members) {
        rows[i].problems.push_back(name + ":" + std::to_string(rows[i].row) + ": conflicting demographics: rows " +
                                   row_list + " give one PatientID different " + std::string(keyword) + " values");
      }
    }
  }
}

// Rows that give one StudyInstanceUID or SeriesInstanceUID to two patients fail together:
// a PACS would file one patient's objects in another's study. A row without a PatientID
// counts as a patient of its own.
void mark_uids_shared_by_patients(std::vector<manifest_row>& rows, const std::string& name) {
  for (const std::string_view keyword : {"StudyInstanceUID", "SeriesInstanceUID"}) {
    std::map<std::string, std::vector<std::size_t>> by_uid;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (const std::string uid = value_of(rows[i], keyword); !uid.empty()) by_uid[uid].push_back(i);
    }
    for (const auto& [uid, members] : by_uid) {
      std::set<std::string> patients;
      for (const std::size_t i : members) {
        const std::string id = value_of(rows[i], "PatientID");
        patients.insert(id.empty() ? "\n row " + std::to_string(i) : id);
      }
      if (patients.size() < 2) continue;
      std::string row_list;
      for (const std::size_t i : members) row_list += (row_list.empty() ? "" : ", ") + std::to_string(rows[i].row);
      for (const std::size_t i : members) {
        rows[i].problems.push_back(name + ":" + std::to_string(rows[i].row) + ": rows " + row_list + " give one " +
                                   std::string(keyword) + " to " + std::to_string(patients.size()) + " patients");
      }
    }
  }
}

// A date or time written another way, to DICOM's form: "%d/%m/%Y" reads "31/12/1950" as
// 19501231. The whole value must match.
result<std::string> reformat(const std::string& value, const std::string& format, const std::string& vr) {
  if (value.empty()) return value;
  std::tm parsed{};
  const char* end = strptime(value.c_str(), format.c_str(), &parsed);
  if (end == nullptr || *end != '\0') return failure{"does not match the format " + format};
  const char* dicom = vr == "DA" ? "%Y%m%d" : vr == "TM" ? "%H%M%S" : "%Y%m%d%H%M%S";
  char text[32];
  return std::string(text, std::strftime(text, sizeof text, dicom, &parsed));
}

}  // namespace

std::optional<text_encoding> parse_text_encoding(std::string_view name) {
  if (name == "auto") return text_encoding::detect;
  if (name == "utf8") return text_encoding::utf8;
  if (name == "gb18030") return text_encoding::gb18030;
  if (name == "latin1") return text_encoding::latin1;
  return std::nullopt;
}

result<manifest> manifest::load(const std::filesystem::path& file, const manifest_options& options) {
  const std::string name = options.shown_name.empty() ? file.string() : options.shown_name;
  bool readable = false;
  std::string text = read_whole(file, readable);
  if (!readable) return failure{name + ": cannot read the manifest"};
  auto decoded = to_utf8(std::move(text), options.encoding, name);
  if (!decoded) return decoded.error();
  text = std::move(decoded).value();
  const std::string extension = file.extension().string();
  auto records = extension == ".json" || extension == ".JSON" ? parse_json(text, name) : parse_csv(text, name);
  if (!records) return records.error();
  if (records->empty()) return failure{name + ": empty manifest"};

  // The header: `file`, then DICOM keywords resolved once (through the column mapping).
  manifest loaded;
  const std::vector<std::string>& header = records->front();
  std::size_t file_column = header.size();
  std::vector<dicom::dictionary_entry> entries(header.size());
  std::vector<std::string> keywords(header.size());
  std::vector<std::string> formats(header.size());
  std::set<std::string> mapped_found;
  for (std::size_t column = 0; column < header.size(); ++column) {
    const std::string where = name + ":1:" + std::to_string(column + 1) + ": ";
    std::string keyword = header[column];
    if (const auto mapping = options.columns.find(header[column]); mapping != options.columns.end()) {
      keyword = mapping->second.keyword;
      formats[column] = mapping->second.format;
      mapped_found.insert(header[column]);
    }
    if (keyword == "file") {
      file_column = column;
      continue;
    }
    auto entry = dicom::look_up_keyword(keyword);
    if (!entry && !options.columns.empty() && !options.columns.contains(header[column])) {
      loaded.ignored_columns_.push_back(header[column]);  // not mapped, not a keyword: not ours
      continue;
    }
    if (!entry) return failure{where + entry.error().message};
    auto probe = dicom::parse_assignment(keyword + "=");  // derived attributes, SQ...: refused here
    if (!probe) return failure{where + probe.error().message};
    const std::string& vr = entry->vr;
    if (!formats[column].empty() && vr != "DA" && vr != "TM" && vr != "DT") {
      return failure{where + keyword + " (" + vr + "): a format applies to dates and times only"};
    }
    entries[column] = entry.value();
    keywords[column] = keyword;
  }
  for (const auto& [column, mapping] : options.columns) {
    if (!mapped_found.contains(column)) return failure{name + ":1: no column '" + column + "' (named in the mapping)"};
  }
  if (file_column == header.size()) return failure{name + ":1: the manifest has no 'file' column"};

  loaded.name_ = name;
  const std::filesystem::path folder = file.parent_path().empty() ? "." : file.parent_path();
  for (std::size_t record = 1; record < records->size(); ++record) {
    const std::vector<std::string>& fields = (*records)[record];
    if (fields.size() == 1 && fields[0].empty()) continue;  // a blank line
    manifest_row row;
    row.row = record + 1;
    const std::string where = name + ":" + std::to_string(row.row);
    if (fields.size() != header.size()) {
      row.problems.push_back(where + ": " + std::to_string(fields.size()) + " fields, the header has " +
                             std::to_string(header.size()));
    }
    for (std::size_t column = 0; column < std::min(fields.size(), header.size()); ++column) {
      if (column == file_column) {
        row.file_pattern = fields[column];
        continue;
      }
      if (keywords[column].empty()) continue;  // an ignored column
      const dicom::dictionary_entry& entry = entries[column];
      const std::string& keyword = keywords[column];
      auto written = formats[column].empty() ? result<std::string>(fields[column])
                                             : reformat(fields[column], formats[column], entry.vr);
      auto value = written ? dicom::normalise_value({keyword, entry.vr, entry.vm}, *written) : written;
      if (!value) {
        row.problems.push_back(where + ":" + std::to_string(column + 1) + ": " + keyword + " (" + entry.vr +
                               "): " + value.error().message);
        continue;
      }
      row.attributes.push_back({entry.tag, keyword, entry.vr, std::move(value).value()});
    }
    if (row.file_pattern.empty()) row.problems.push_back(where + ": no file named");
    if (value_of(row, "PatientID").empty() && !options.patient_id_given_elsewhere &&
        !options.allow_missing_patient_id) {
      row.problems.push_back(where + ": no PatientID (or pass --allow-missing-patient-id)");
    }
    loaded.rows_.push_back(std::move(row));
  }
  mark_conflicting_demographics(loaded.rows_, name);
  mark_uids_shared_by_patients(loaded.rows_, name);

  for (std::size_t i = 0; i < loaded.rows_.size(); ++i) {
    const std::string& pattern = loaded.rows_[i].file_pattern;
    if (const auto bang = pattern.find('!'); bang != std::string::npos) {
      for (const auto& archive : expand(folder, pattern.substr(0, bang))) {
        loaded.entry_patterns_.push_back({archive, pattern.substr(bang + 1), i});
      }
      continue;
    }
    for (const auto& path : expand(folder, pattern)) loaded.rows_by_file_[path].push_back(i);
  }
  return loaded;
}

result<const manifest_row*> manifest::row_for(const std::filesystem::path& input, const std::string& entry) const {
  std::error_code error;
  const std::filesystem::path file = std::filesystem::weakly_canonical(input, error);
  std::vector<std::size_t> rows;
  if (!entry.empty()) {
    for (const auto& named : entry_patterns_) {
      if (named.archive == file && fnmatch(named.pattern.c_str(), entry.c_str(), 0) == 0) {
        rows.push_back(named.row_index);
      }
    }
  }
  if (rows.empty()) {
    // A plain file, or an entry no row names itself: the row naming the archive holds.
    if (const auto found = rows_by_file_.find(file); found != rows_by_file_.end()) rows = found->second;
  }
  if (rows.empty()) return failure{"no row of " + name_ + " names this file"};
  if (rows.size() > 1) {
    std::string list;
    for (const std::size_t i : rows) list += (list.empty() ? "" : ", ") + std::to_string(rows_[i].row);
    return failure{"rows " + list + " of " + name_ + " all name this file"};
  }
  return &rows_[rows.front()];
}

result<std::vector<dicom::attribute_assignment>> manifest::attributes_for(const std::filesystem::path& input,
                                                                          const std::string& entry) const {
  auto row = row_for(input, entry);
  if (!row) return row.error();
  const manifest_row& found = *row.value();
  if (!found.problems.empty()) {
    std::string all;
    for (const auto& problem : found.problems) all += (all.empty() ? "" : "; ") + problem;
    return failure{all};
  }
  return found.attributes;
}

}  // namespace dcmflow::manifest
