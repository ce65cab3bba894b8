#pragma once
// What a DICOMweb server offers, asked without storing anything (`dcmflow capabilities
// http(s)://...`, and `codec: auto` for a STOW-RS destination). PS3.18's Capabilities
// transaction (OPTIONS on the root, a WADL document) is rarely served (Orthanc answers 404),
// so each service is also tried the cheapest way it can be:
//   QIDO-RS   GET  {root}/studies?limit=1
//   WADO-RS   GET  {root}/studies/{a study QIDO found}/metadata, and an instance's /rendered
//   STOW-RS   POST {root}/studies with an empty multipart body (nothing to store)
//   UPS-RS    GET  {root}/workitems?limit=1
// and a known vendor endpoint says which transfer syntaxes it accepts (Orthanc's
// /tools/accepted-transfer-syntaxes). Each answer comes with its evidence: the request and
// the status it met.

#include <string>
#include <vector>

#include "core/result.hpp"
#include "store/stow_destination.hpp"

namespace dcmflow::store {

enum class support { yes, no, unknown };

struct web_service_answer {
  std::string service;  // "QIDO-RS"...
  support offered = support::unknown;
  std::string evidence;  // "GET /studies?limit=1: 200 application/dicom+json"
};

struct web_capabilities {
  std::vector<web_service_answer> services;
  std::vector<std::string> wadl_resources;     // paths the WADL lists, when the root serves one
  std::vector<std::string> transfer_syntaxes;  // accepted, from a vendor endpoint; empty: not known
  std::string transfer_syntaxes_evidence;      // where they came from
};

[[nodiscard]] std::string_view words_of(support offered);

// Fails only when the server cannot be reached at all.
[[nodiscard]] result<web_capabilities> probe_web_capabilities(const stow_url& root);

}  // namespace dcmflow::store
