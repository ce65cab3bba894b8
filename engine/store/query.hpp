#pragma once
// Finding what a PACS holds: C-FIND (Study Root) for dicom:// and dicoms:// peers, QIDO-RS
// for DICOMweb roots; both answer as DICOM JSON (PS3.18 F.2), an array of objects keyed by
// tag, text in UTF-8 whatever character set the peer used.

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/result.hpp"
#include "store/destination.hpp"

namespace dcmflow::store {

enum class query_level { study, series, instance };

struct query_request {
  query_level level = query_level::study;
  std::vector<std::pair<std::string, std::string>> match;  // keyword -> value (wildcards, ranges)
  std::size_t limit = 0;                                   // 0: every match
};

// The return keys asked for at each level, in the order a table shows them.
[[nodiscard]] const std::vector<std::string>& return_keys(query_level level);

[[nodiscard]] result<nlohmann::json> find(const std::string& url, const query_request& request,
                                          const network_options& options);

}  // namespace dcmflow::store
