#pragma once
// Manifests: which patient and study each input belongs to. A CSV file with a header row,
// or a JSON array of objects. Column `file` names the input (relative to the manifest's
// folder; a glob is allowed); every other column is a DICOM keyword. Values are checked
// for their VR when the manifest is read; a bad row fails its inputs, never the run.

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "dicom/attribute.hpp"

namespace dcmflow::manifest {

enum class text_encoding {
  detect,  // UTF-8 when the bytes are UTF-8; else GB18030 (legacy Chinese HIS exports) when
           // every non-ASCII byte comes in GB pairs, Windows-1252 when each stands alone
           // between ASCII (Western names, "Am\xE9lie"); a mix is refused, never guessed
  utf8,
  gb18030,  // also GBK and GB2312
  latin1,   // Windows-1252, the superset of ISO 8859-1 that Western spreadsheets write
};

// "auto", "utf8", "gb18030", "latin1" (the spellings of --manifest-encoding and job files).
[[nodiscard]] std::optional<text_encoding> parse_text_encoding(std::string_view name);

// A legacy column read as a DICOM keyword (or as `file`), its values first parsed with a
// strptime(3) format when they are dates or times written another way ("%d/%m/%Y").
struct column_mapping {
  std::string keyword;
  std::string format;  // DA, TM and DT columns only; empty: values are already DICOM's
};

struct manifest_options {
  bool allow_missing_patient_id = false;
  bool patient_id_given_elsewhere = false;  // --set PatientID=... covers every row
  text_encoding encoding = text_encoding::detect;
  // Header name -> keyword. When given, columns it does not name are ignored unless their
  // header is a DICOM keyword (a legacy export has many columns nobody asked for).
  std::map<std::string, column_mapping> columns;
  // What messages call the file (a job names it relative to its own folder); empty: its path.
  std::string shown_name;
};

struct manifest_row {
  std::size_t row = 0;  // CSV record (header is row 1) or JSON object (from 1)
  std::string file_pattern;
  std::vector<dicom::attribute_assignment> attributes;
  std::vector<std::string> problems;  // "FILE:ROW:COLUMN: Keyword (VR): what is wrong"
};

class manifest {
 public:
  // Fails (a usage error) only when the manifest as a whole is unusable: unreadable, not
  // CSV or JSON, no `file` column, a column that is no DICOM keyword.
  [[nodiscard]] static result<manifest> load(const std::filesystem::path& file, const manifest_options& options);

  // The row naming an input (which may still carry problems), or why there is none. An
  // archive entry is named "archive.zip!inside/*.docx" (the part after '!' a glob), or
  // through its archive.
  [[nodiscard]] result<const manifest_row*> row_for(const std::filesystem::path& input,
                                                    const std::string& entry = {}) const;

  // The attributes of the row naming an input, or its problems as one message.
  [[nodiscard]] result<std::vector<dicom::attribute_assignment>> attributes_for(const std::filesystem::path& input,
                                                                                const std::string& entry = {}) const;

  [[nodiscard]] const std::vector<manifest_row>& rows() const { return rows_; }
  [[nodiscard]] const std::string& name() const { return name_; }
  // Header names read as nothing (with a column mapping): preflight lists them.
  [[nodiscard]] const std::vector<std::string>& ignored_columns() const { return ignored_columns_; }

 private:
  std::string name_;  // as given, for messages
  std::vector<manifest_row> rows_;
  std::map<std::filesystem::path, std::vector<std::size_t>> rows_by_file_;  // canonical path -> rows
  struct entry_pattern {
    std::filesystem::path archive;  // canonical
    std::string pattern;            // glob inside the archive
    std::size_t row_index;
  };
  std::vector<entry_pattern> entry_patterns_;
  std::vector<std::string> ignored_columns_;
};

}  // namespace dcmflow::manifest
