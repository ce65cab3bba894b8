#include "store/web_capabilities.hpp"

#include <nlohmann/json.hpp>

#include <regex>
#include <string_view>

#include "store/http_exchange.hpp"

namespace dcmflow::store {
namespace {

constexpr const char* dicom_json = "application/dicom+json";

// "GET /studies?limit=1: 200 application/dicom+json", the path relative to the root.
std::string evidence_of(std::string_view request, const http_response& got) {
  if (got.transport != CURLE_OK) return std::string(request) + ": " + got.transport_error;
  std::string said = std::string(request) + ": " + std::to_string(got.status);
  if (!got.content_type.empty()) said += " " + got.content_type;
  return said;
}

// What a status says of a service that was asked something it would answer if it had it.
support support_of(const http_response& got, bool refusal_means_offered) {
  if (got.transport != CURLE_OK) return support::unknown;
  if (got.status >= 200 && got.status < 300) return support::yes;
  if (got.status == 404 || got.status == 405 || got.status == 501) return support::no;
  // 400, 409, 415: the service is there and refused what it was given (an empty STOW).
  if (refusal_means_offered && (got.status == 400 || got.status == 409 || got.status == 415)) return support::yes;
  return support::unknown;  // 401, 403 (credentials), 5xx...
}

// The first value of a tag in the first object of a DICOM JSON array ("0020000D").
std::string first_value(const std::string& body, const char* tag) {
  const auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (!parsed.is_array() || parsed.empty() || !parsed[0].is_object()) return {};
  const auto element = parsed[0].find(tag);
  if (element == parsed[0].end() || !element->contains("Value") || !(*element)["Value"].is_array() ||
      (*element)["Value"].empty() || !(*element)["Value"][0].is_string()) {
    return {};
  }
  return (*element)["Value"][0].get<std::string>();
}

// scheme://authority of the root (where a vendor's own endpoints are).
std::string origin_of(const std::string& root) {
  const auto scheme = root.find("://");
  const auto path = scheme == std::string::npos ? std::string::npos : root.find('/', scheme + 3);
  return path == std::string::npos ? root : root.substr(0, path);
}

}  // namespace

std::string_view words_of(support offered) {
  switch (offered) {
    case support::yes: return "supported";
    case support::no: return "not supported";
    case support::unknown: break;
  }
  return "unknown";
}

result<web_capabilities> probe_web_capabilities(const stow_url& root) {
  web_capabilities found;
  const http_response options =
      http_exchange(root, root.root, "application/vnd.sun.wadl+xml, */*", nullptr, {}, "OPTIONS");
  if (options.transport != CURLE_OK) return failure{redacted_url(root.root) + ": " + options.transport_error};
  found.services.push_back(
      {"Capabilities (OPTIONS, WADL)", support_of(options, false), evidence_of("OPTIONS /", options)});
  if (options.status == 200) {
    static const std::regex resource(R"re(<(?:\w+:)?resource\s[^>]*path="([^"]+)")re");
    for (auto match = std::sregex_iterator(options.body.begin(), options.body.end(), resource);
         match != std::sregex_iterator(); ++match) {
      found.wadl_resources.push_back((*match)[1].str());
    }
  }

  const http_response studies = http_exchange(root, root.root + "/studies?limit=1", dicom_json, nullptr, {});
  found.services.push_back({"QIDO-RS", support_of(studies, false), evidence_of("GET /studies?limit=1", studies)});

  // WADO-RS needs something to retrieve: the study QIDO found, and one of its instances.
  const std::string study = studies.status == 200 ? first_value(studies.body, "0020000D") : std::string();
  if (study.empty()) {
    found.services.push_back({"WADO-RS", support::unknown, "no study to retrieve (QIDO-RS found none)"});
    found.services.push_back({"WADO-RS rendered", support::unknown, "no study to retrieve (QIDO-RS found none)"});
  } else {
    const http_response metadata =
        http_exchange(root, root.root + "/studies/" + study + "/metadata", dicom_json, nullptr, {});
    found.services.push_back(
        {"WADO-RS", support_of(metadata, false), evidence_of("GET /studies/{found}/metadata", metadata)});
    const http_response instances =
        http_exchange(root, root.root + "/studies/" + study + "/instances?limit=1", dicom_json, nullptr, {});
    const std::string series = instances.status == 200 ? first_value(instances.body, "0020000E") : std::string();
    const std::string instance = instances.status == 200 ? first_value(instances.body, "00080018") : std::string();
    if (series.empty() || instance.empty()) {
      found.services.push_back(
          {"WADO-RS rendered", support::unknown, evidence_of("GET /studies/{found}/instances", instances)});
    } else {
      const http_response rendered = http_exchange(
          root, root.root + "/studies/" + study + "/series/" + series + "/instances/" + instance + "/rendered",
          "image/png", nullptr, {});
      found.services.push_back(
          {"WADO-RS rendered", support_of(rendered, false),
           evidence_of("GET /studies/{found}/series/{found}/instances/{found}/rendered", rendered)});
    }
  }

  // An empty multipart request: a STOW-RS service answers it without storing anything.
  const std::string nothing = "--dcmflow-probe--\r\n";
  const http_response stow = http_exchange(root, root.root + "/studies", dicom_json, &nothing,
                                           "multipart/related; type=\"application/dicom\"; boundary=dcmflow-probe");
  found.services.push_back({"STOW-RS", support_of(stow, true), evidence_of("POST /studies (no instances)", stow)});

  const http_response workitems = http_exchange(root, root.root + "/workitems?limit=1", dicom_json, nullptr, {});
  found.services.push_back({"UPS-RS", support_of(workitems, false), evidence_of("GET /workitems?limit=1", workitems)});

  // Orthanc says which transfer syntaxes it accepts, at its own root.
  const std::string vendor = origin_of(root.root) + "/tools/accepted-transfer-syntaxes";
  const http_response accepted = http_exchange(root, vendor, "application/json", nullptr, {});
  if (accepted.status == 200) {
    const auto parsed = nlohmann::json::parse(accepted.body, nullptr, false);
    if (parsed.is_array()) {
      for (const auto& syntax : parsed) {
        if (syntax.is_string()) found.transfer_syntaxes.push_back(syntax.get<std::string>());
      }
      found.transfer_syntaxes_evidence = "GET /tools/accepted-transfer-syntaxes (Orthanc): 200";
    }
  }
  return found;
}

}  // namespace dcmflow::store
