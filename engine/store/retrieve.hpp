#pragma once
// Fetching from a PACS into Part 10 files: C-GET (Study Root, the C-STORE sub-operations
// taken on the same association, so no port needs opening) for dicom:// peers, WADO-RS
// (multipart/related) for DICOMweb roots, or a DICOMweb server's rendered PNG.

#include <filesystem>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "store/destination.hpp"

namespace dcmflow::store {

struct retrieve_request {
  std::string study_instance_uid;  // required
  std::string series_instance_uid;
  std::string sop_instance_uid;
  bool rendered = false;  // DICOMweb: the server's rendered image (PNG) of one instance
};

// Files written into `folder` (<SOP Instance UID>.dcm, or .png when rendered).
[[nodiscard]] result<std::vector<std::filesystem::path>> retrieve(const std::string& url,
                                                                  const retrieve_request& request,
                                                                  const std::filesystem::path& folder,
                                                                  const network_options& options);

}  // namespace dcmflow::store
