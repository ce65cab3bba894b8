#include "store/query.hpp"

#include <dcmtk/config/osconfig.h>  // first, as DCMTK asks
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcjson.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/scu.h>

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdio>
#include <sstream>

#include "store/dcmtk_scu.hpp"
#include "store/dimse_destination.hpp"
#include "store/http_exchange.hpp"
#include "store/stow_destination.hpp"

namespace dcmflow::store {
namespace {

const char* level_name(query_level level) {
  return level == query_level::study ? "STUDY" : level == query_level::series ? "SERIES" : "IMAGE";
}

bool is_ascii(const std::string& text) {
  for (const unsigned char c : text) {
    if (c >= 0x80) return false;
  }
  return true;
}

result<nlohmann::json> find_dimse(const dicom_url& peer, const query_request& request) {
  DcmDataset keys;
  keys.putAndInsertOFStringArray(DCM_QueryRetrieveLevel, level_name(request.level));
  bool unicode = false;
  for (const auto& keyword : return_keys(request.level)) {
    DcmTag tag;
    if (DcmTag::findTagFromName(keyword.c_str(), tag).good()) keys.insertEmptyElement(tag);
  }
  for (const auto& [keyword, value] : request.match) {
    DcmTag tag;
    if (DcmTag::findTagFromName(keyword.c_str(), tag).bad()) return failure{"no DICOM keyword " + keyword};
    keys.putAndInsertOFStringArray(tag, value);
    unicode = unicode || !is_ascii(value);
  }
  // Keys in UTF-8 say so; a PACS answers in its own set, converted below.
  if (unicode) keys.putAndInsertOFStringArray(DCM_SpecificCharacterSet, "ISO_IR 192");

  std::unique_ptr<DcmTLSTransportLayer> tls;  // outlives the association
  peer_scu scu;
  configure_scu(scu, peer);
  scu.addPresentationContext(UID_FINDStudyRootQueryRetrieveInformationModel, uncompressed_syntaxes());
  if (auto opened = open_peer_association(scu, peer, tls); !opened) return failure{opened.error().message};
  const T_ASC_PresentationContextID context =
      scu.findAnyPresentationContextID(UID_FINDStudyRootQueryRetrieveInformationModel, "");
  if (context == 0) {
    scu.releaseAssociation();
    return failure{"the peer does not accept C-FIND (Study Root)"};
  }
  OFList<QRResponse*> responses;
  const OFCondition status = scu.sendFINDRequest(context, &keys, &responses);
  scu.releaseAssociation();
  nlohmann::json matches = nlohmann::json::array();
  std::uint16_t final_status = 0;
  for (QRResponse* response : responses) {
    final_status = response->m_status;
    if (response->m_dataset != nullptr && (request.limit == 0 || matches.size() < request.limit)) {
      DcmDataset& found = *response->m_dataset;
      found.convertToUTF8();  // whatever set the peer answered in
      found.findAndDeleteElement(DCM_SpecificCharacterSet);
      found.findAndDeleteElement(DCM_QueryRetrieveLevel);
      std::ostringstream text;
      DcmJsonFormatCompact format(OFFalse);
      // DcmDataset::writeJson writes the members; the object's braces are ours.
      if (found.writeJson(text, format).good()) {
        nlohmann::json object = nlohmann::json::parse("{" + text.str() + "}", nullptr, false);
        if (object.is_object()) matches.push_back(std::move(object));
      }
    }
    delete response;
  }
  if (status.bad()) {
    return failure{std::string("C-FIND broke off: ") + status.text() + " (a PACS that does not know our AE title " +
                   peer.options.calling_ae + " may refuse queries: add it to the PACS's configuration)"};
  }
  if (final_status != STATUS_Success) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "%04X", final_status);
    return failure{std::string("C-FIND failed: status ") + hex};
  }
  return matches;
}

result<nlohmann::json> find_qido(const stow_url& root, const query_request& request) {
  // Percent-encoded as RFC 3986 asks, except '*': some servers (Orthanc) match a wildcard
  // only when it arrives as itself.
  const auto escape = [](const std::string& text) {
    std::string out;
    for (const char c : text) {
      const auto byte = static_cast<unsigned char>(c);
      if (std::isalnum(byte) != 0 || c == '-' || c == '.' || c == '_' || c == '~' || c == '*') {
        out += c;
      } else {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", byte);
        out += hex;
      }
    }
    return out;
  };
  std::string target = root.root + (request.level == query_level::study    ? "/studies"
                                    : request.level == query_level::series ? "/series"
                                                                           : "/instances");
  char separator = '?';
  for (const auto& [keyword, value] : request.match) {
    target += separator + escape(keyword) + "=" + escape(value);
    separator = '&';
  }
  for (const auto& keyword : return_keys(request.level)) {
    target += separator + std::string("includefield=") + escape(keyword);
    separator = '&';
  }
  if (request.limit > 0) target += separator + std::string("limit=") + std::to_string(request.limit);
  const http_response got = http_exchange(root, target, "application/dicom+json", nullptr, {});
  if (got.transport != CURLE_OK) return failure{"QIDO-RS broke off: " + got.transport_error};
  if (got.status == 204) return nlohmann::json::array();
  if (got.status != 200) return failure{"QIDO-RS: HTTP " + std::to_string(got.status)};
  nlohmann::json matches = nlohmann::json::parse(got.body, nullptr, false);
  if (!matches.is_array()) return failure{"QIDO-RS: the answer is not a DICOM JSON array"};
  return matches;
}

}  // namespace

const std::vector<std::string>& return_keys(query_level level) {
  static const std::vector<std::string> study = {"PatientName",     "PatientID",        "PatientBirthDate", "StudyDate",
                                                 "AccessionNumber", "StudyDescription", "StudyInstanceUID"};
  static const std::vector<std::string> series = {"PatientName",      "PatientID",        "StudyDate",
                                                  "Modality",         "SeriesNumber",     "SeriesDescription",
                                                  "StudyInstanceUID", "SeriesInstanceUID"};
  static const std::vector<std::string> instance = {"PatientName",       "PatientID",     "StudyDate",
                                                    "InstanceNumber",    "SOPClassUID",   "StudyInstanceUID",
                                                    "SeriesInstanceUID", "SOPInstanceUID"};
  return level == query_level::study ? study : level == query_level::series ? series : instance;
}

result<nlohmann::json> find(const std::string& url, const query_request& request, const network_options& options) {
  if (url.starts_with("http://") || url.starts_with("https://")) {
    auto root = parse_stow_url(url);
    if (!root) return root.error();
    return find_qido(*root, request);
  }
  if (url.starts_with("dicom://") || url.starts_with("dicoms://")) {
    auto peer = parse_dicom_url(url, options);
    if (!peer) return peer.error();
    return find_dimse(*peer, request);
  }
  return failure{redacted_url(url) + ": a query goes to dicom://AE@host:port or http(s)://host/dicom-web"};
}

}  // namespace dcmflow::store
