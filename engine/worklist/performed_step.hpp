#pragma once
// What a performer writes into a workitem as it works: progress, and the attributes a
// workitem must hold before it may end (PS3.4 Table CC.2.5-3, "Final State" column), for
// COMPLETED (the UPS Performed Procedure Sequence with the instances made) and CANCELED
// (the cancellation's time and reason).

#include <optional>
#include <string>
#include <vector>

#include "worklist/workitem.hpp"

namespace dcmflow::worklist {

// One instance a performer stored, and where it can be fetched from.
struct output_instance {
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::string study_instance_uid;
  std::string series_instance_uid;
  std::string retrieve_ae;   // set for a DIMSE destination
  std::string retrieve_url;  // set for a DICOMweb destination: its root
};

// The Procedure Step Progress Information Sequence with `percent` and `description`, the
// other values of its item (contacts, a cancellation's reason) kept.
[[nodiscard]] workitem progress_update(const workitem& current, double percent, const std::string& description);

// The Final State attributes for COMPLETED: UPS Performed Procedure Sequence with start and
// end, the station that performed it (`station`, an AE title, as a code of scheme
// 99DCMFLOW), the performed workitem code (the scheduled one; without one, "work done with
// dcmflow"), and one Output Information item per series stored.
[[nodiscard]] workitem completion_update(const workitem& current, const std::string& station,
                                         const std::string& started, const std::vector<output_instance>& outputs);

// The Final State attributes for CANCELED: the cancellation's time, reason and a
// discontinuation reason code (`reason_code`; without one, DCM 110513 "Discontinued for
// unspecified reason", CID 9300).
[[nodiscard]] workitem cancellation_update(const workitem& current, const std::string& reason,
                                           const std::optional<code>& reason_code = std::nullopt);

}  // namespace dcmflow::worklist
