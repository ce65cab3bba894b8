#pragma once
// What an import workitem asks dcmflow to do, read from the workitem, and the job file that
// does it. The conventions (jobs/README.md, "Worklists"):
//   Scheduled Workitem Code Sequence    (DCMFLOW-IMPORT, 99DCMFLOW, "Import with dcmflow")
//   Scheduled Processing Parameters Sequence, TEXT content items named (CODE, 99DCMFLOW):
//     DCMFLOW-INPUT      a file, folder or archive, below the performer's --input-root
//     DCMFLOW-SET        Keyword=Value set on every object (repeatable)
//     DCMFLOW-CODEC      a lossless codec, or auto (default: none)
//   Patient's Name, Patient ID, Issuer of Patient ID, Birth Date and Sex of the workitem:
//   set on every object (one value each; a name by its alphabetic group only)
//   Output Destination Sequence: STOW-RS Storage Sequence > Storage URL (a DICOMweb root
//     the performer lists with --peer URL), or DICOM Storage Sequence > Destination AE (one
//     it lists with --peer AE=dicom://...)
// A workitem that breaks them is refused with the reason (the performer cancels it so). A
// workitem is outside input: it names neither paths outside the input root nor peers the
// operator did not list, and reasons never quote its paths (they can hold patients' names).

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "worklist/workitem.hpp"

namespace dcmflow::job {

inline const worklist::code import_workitem_code{"DCMFLOW-IMPORT", "99DCMFLOW", "Import with dcmflow"};

struct import_request {
  std::vector<std::filesystem::path> inputs;  // absolute, inside the input root
  std::vector<std::string> attributes;        // Keyword=Value
  std::string codec = "none";
  std::vector<std::string> destinations;           // dcmflow destination URLs
  std::map<std::string, std::string> retrieve_ae;  // destination URL -> its AE (DIMSE)
};

struct performer_settings {
  std::filesystem::path input_root;          // workitems' inputs must be below it
  std::map<std::string, std::string> peers;  // AE title -> dicom://AE@host:port
  std::vector<std::string> web_peers;        // DICOMweb roots, with their options
};

// Is this workitem one dcmflow performs (its Scheduled Workitem Code)?
[[nodiscard]] bool is_import_workitem(const worklist::workitem& item);

// Why a workitem cannot be performed here: its own fault (the performer claims and cancels
// it, with this reason), or this performer's limits (it names a destination this
// performer does not list, an input not there: left SCHEDULED for another performer).
struct import_problem {
  std::string message;
  bool elsewhere = false;  // another performer may serve it

  import_problem(std::string text, bool other_performer) : message(std::move(text)), elsewhere(other_performer) {}
  // NOLINTNEXTLINE(google-explicit-constructor): the workitem's fault
  import_problem(failure why) : message(std::move(why.message)) {}
};

[[nodiscard]] result<import_request, import_problem> read_import_request(const worklist::workitem& item,
                                                                         const performer_settings& settings);

// The job file for a request, in `folder` (its journal and report beside it).
[[nodiscard]] result<std::filesystem::path> write_import_job(const import_request& request,
                                                             const std::filesystem::path& folder);

}  // namespace dcmflow::job
