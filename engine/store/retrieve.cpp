#include "store/retrieve.hpp"

#include <dcmtk/config/osconfig.h>  // first, as DCMTK asks
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/scu.h>

#include <cstdint>
#include <fstream>
#include <set>

#include "store/dcmtk_scu.hpp"
#include "store/dimse_destination.hpp"
#include "store/http_exchange.hpp"
#include "store/part10_identity.hpp"
#include "store/stow_destination.hpp"

namespace dcmflow::store {
namespace {

// <SOP Instance UID>.dcm for a file just received under another name.
result<std::filesystem::path> name_by_uid(const std::filesystem::path& received, const std::filesystem::path& folder) {
  auto identity = read_part10_file_identity(received);
  if (!identity) return failure{"received something that is not DICOM: " + identity.error().message};
  const std::filesystem::path named = folder / (identity->sop_instance_uid + ".dcm");
  std::error_code error;
  std::filesystem::rename(received, named, error);
  if (error) return failure{"cannot write " + named.string() + ": " + error.message()};
  return named;
}

result<std::vector<std::filesystem::path>> retrieve_cget(const dicom_url& peer, const retrieve_request& request,
                                                         const std::filesystem::path& folder) {
  const std::filesystem::path incoming = folder / ".incoming";
  std::error_code error;
  std::filesystem::create_directories(incoming, error);
  std::unique_ptr<DcmTLSTransportLayer> tls;  // outlives the association
  peer_scu scu;
  configure_scu(scu, peer);
  scu.setStorageMode(DCMSCU_STORAGE_DISK);
  scu.setStorageDir(incoming.c_str());
  scu.addPresentationContext(UID_GETStudyRootQueryRetrieveInformationModel, uncompressed_syntaxes());
  // The C-STORE sub-operations come back on this association, with us as the SCP: one
  // context per storage SOP class, offering the stored syntaxes so nothing is transcoded.
  OFList<OFString> any;
  for (const char* syntax :
       {UID_JPEGLSLosslessTransferSyntax, UID_JPEG2000LosslessOnlyTransferSyntax, UID_RLELosslessTransferSyntax,
        UID_JPEGProcess1TransferSyntax, UID_JPEGProcess14SV1TransferSyntax, UID_JPEG2000TransferSyntax,
        UID_DeflatedExplicitVRLittleEndianTransferSyntax, UID_LittleEndianExplicitTransferSyntax,
        UID_LittleEndianImplicitTransferSyntax}) {
    any.emplace_back(syntax);
  }
  // The classes dcmflow writes get one context per syntax, so the peer can send each
  // object in the syntax it holds it in (an acceptor picks one syntax per context); other
  // classes one context offering every syntax. 128 contexts at most.
  const std::set<std::string> own = {UID_SecondaryCaptureImageStorage,
                                     UID_MultiframeGrayscaleByteSecondaryCaptureImageStorage,
                                     UID_MultiframeGrayscaleWordSecondaryCaptureImageStorage,
                                     UID_MultiframeTrueColorSecondaryCaptureImageStorage, UID_EncapsulatedPDFStorage};
  std::size_t contexts = 1;
  for (const auto& sop_class : own) {
    for (const auto& syntax : any) {
      OFList<OFString> one;
      one.push_back(syntax);
      scu.addPresentationContext(sop_class, one, ASC_SC_ROLE_SCP);
      ++contexts;
    }
  }
  for (int i = 0; i < numberOfDcmLongSCUStorageSOPClassUIDs && contexts < 128; ++i) {
    if (own.contains(dcmLongSCUStorageSOPClassUIDs[i])) continue;
    scu.addPresentationContext(dcmLongSCUStorageSOPClassUIDs[i], any, ASC_SC_ROLE_SCP);
    ++contexts;
  }
  if (auto opened = open_peer_association(scu, peer, tls); !opened) return failure{opened.error().message};
  const T_ASC_PresentationContextID context =
      scu.findAnyPresentationContextID(UID_GETStudyRootQueryRetrieveInformationModel, "");
  if (context == 0) {
    scu.releaseAssociation();
    return failure{"the peer does not accept C-GET (Study Root)"};
  }
  DcmDataset keys;
  const char* level = !request.sop_instance_uid.empty()      ? "IMAGE"
                      : !request.series_instance_uid.empty() ? "SERIES"
                                                             : "STUDY";
  keys.putAndInsertOFStringArray(DCM_QueryRetrieveLevel, level);
  keys.putAndInsertOFStringArray(DCM_StudyInstanceUID, request.study_instance_uid);
  if (!request.series_instance_uid.empty()) {
    keys.putAndInsertOFStringArray(DCM_SeriesInstanceUID, request.series_instance_uid);
  }
  if (!request.sop_instance_uid.empty()) keys.putAndInsertOFStringArray(DCM_SOPInstanceUID, request.sop_instance_uid);
  OFList<RetrieveResponse*> responses;
  const OFCondition status = scu.sendCGETRequest(context, &keys, &responses);
  std::uint16_t final_status = 0;
  std::uint16_t failed = 0;
  for (RetrieveResponse* response : responses) {
    final_status = response->m_status;
    failed = response->m_numberOfFailedSubops;
    delete response;
  }
  scu.releaseAssociation();
  std::vector<std::filesystem::path> written;
  for (const auto& entry : std::filesystem::directory_iterator(incoming, error)) {
    auto named = name_by_uid(entry.path(), folder);
    if (!named) return named.error();
    written.push_back(std::move(named).value());
  }
  std::filesystem::remove_all(incoming, error);
  if (status.bad()) {
    return failure{std::string("C-GET broke off: ") + status.text() + " (a PACS that does not know our AE title " +
                   peer.options.calling_ae + " may refuse retrievals: add it to the PACS's configuration)"};
  }
  if (final_status != STATUS_Success) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "%04X", final_status);
    return failure{std::string("C-GET ended with status ") + hex + " (" + std::to_string(failed) +
                   " sub-operations failed)"};
  }
  return written;
}

// The parts of a multipart/related body (RFC 2046): what lies between the boundaries,
// after each part's headers.
result<std::vector<std::string_view>> multipart_parts(const std::string& content_type, const std::string& body) {
  const auto at = content_type.find("boundary=");
  if (at == std::string::npos) return failure{"WADO-RS: the answer is not multipart (" + content_type + ")"};
  std::string boundary = content_type.substr(at + 9);
  boundary = boundary.substr(0, boundary.find(';'));
  if (boundary.size() >= 2 && boundary.front() == '"') boundary = boundary.substr(1, boundary.size() - 2);
  const std::string delimiter = "--" + boundary;
  std::vector<std::string_view> parts;
  std::size_t position = body.find(delimiter);
  while (position != std::string::npos) {
    position += delimiter.size();
    if (body.compare(position, 2, "--") == 0) break;  // the closing delimiter
    const std::size_t headers_end = body.find("\r\n\r\n", position);
    if (headers_end == std::string::npos) break;
    const std::size_t next = body.find("\r\n" + delimiter, headers_end + 4);
    if (next == std::string::npos) return failure{"WADO-RS: a part is cut short"};
    parts.emplace_back(body.data() + headers_end + 4, next - headers_end - 4);
    position = next + 2;
  }
  return parts;
}

result<std::vector<std::filesystem::path>> retrieve_wado(const stow_url& root, const retrieve_request& request,
                                                         const std::filesystem::path& folder) {
  std::string target = root.root + "/studies/" + request.study_instance_uid;
  if (!request.series_instance_uid.empty()) target += "/series/" + request.series_instance_uid;
  if (!request.sop_instance_uid.empty()) target += "/instances/" + request.sop_instance_uid;
  std::vector<std::filesystem::path> written;
  if (request.rendered) {
    if (request.series_instance_uid.empty() || request.sop_instance_uid.empty()) {
      return failure{"--rendered fetches one instance: give --series and --instance"};
    }
    const http_response answer = http_exchange(root, target + "/rendered", "image/png", nullptr, {});
    if (answer.transport != CURLE_OK) return failure{"WADO-RS broke off: " + answer.transport_error};
    if (answer.status != 200) return failure{"WADO-RS rendered: HTTP " + std::to_string(answer.status)};
    const std::filesystem::path png = folder / (request.sop_instance_uid + ".png");
    std::ofstream(png, std::ios::binary) << answer.body;
    written.push_back(png);
    return written;
  }
  const http_response answer = http_exchange(
      root, target, "multipart/related; type=\"application/dicom\"; transfer-syntax=*", nullptr, {}, nullptr,
      SIZE_MAX);  // a study's instances: as large as the study
  if (answer.transport != CURLE_OK) return failure{"WADO-RS broke off: " + answer.transport_error};
  if (answer.status != 200) return failure{"WADO-RS: HTTP " + std::to_string(answer.status)};
  auto parts = multipart_parts(answer.content_type, answer.body);
  if (!parts) return parts.error();
  std::size_t index = 0;
  for (const std::string_view part : *parts) {
    const std::filesystem::path received = folder / (".part-" + std::to_string(index++));
    std::ofstream(received, std::ios::binary).write(part.data(), static_cast<std::streamsize>(part.size()));
    auto named = name_by_uid(received, folder);
    if (!named) return named.error();
    written.push_back(std::move(named).value());
  }
  return written;
}

}  // namespace

result<std::vector<std::filesystem::path>> retrieve(const std::string& url, const retrieve_request& request,
                                                    const std::filesystem::path& folder,
                                                    const network_options& options) {
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error) return failure{"cannot create " + folder.string() + ": " + error.message()};
  if (url.starts_with("http://") || url.starts_with("https://")) {
    auto root = parse_stow_url(url);
    if (!root) return root.error();
    return retrieve_wado(*root, request, folder);
  }
  if (request.rendered) return failure{"--rendered asks a DICOMweb server (http(s)://)"};
  if (url.starts_with("dicom://") || url.starts_with("dicoms://")) {
    auto peer = parse_dicom_url(url, options);
    if (!peer) return peer.error();
    return retrieve_cget(*peer, request, folder);
  }
  return failure{redacted_url(url) + ": fetch from dicom://AE@host:port or http(s)://host/dicom-web"};
}

}  // namespace dcmflow::store
