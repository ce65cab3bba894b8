#include "store/dcmtk_scu.hpp"

#include <dcmtk/dcmdata/dcerror.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dcmtrans.h>
#include <dcmtk/dcmtls/tlscond.h>
#include <dcmtk/oflog/oflog.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <string>

namespace dcmflow::store {

void quiet_dcmtk() {
  // dcmnet logs through oflog at INFO and up by default; dcmflow reports itself.
  static std::once_flag once;
  std::call_once(once, [] {
    OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
    // Nagle is turned off by the process runtime (core/process_runtime.hpp).
  });
}

namespace {

// dcmnet bounds each blocking read by a process-wide receive timeout (60 s by default), and
// the TLS handshake is such a read: a peer that accepts TCP and never answers cost a minute
// per attempt whatever connect_timeout_s said. It is lowered to the longest connect timeout
// any peer of this process asks for. DIMSE waits for a message with its own timeout
// (non-blocking mode) before reading it, so only a peer that falls silent in the middle of
// a message meets this one.
void bound_blocking_reads(int seconds) {
  static std::mutex guard;
  static int longest = 0;
  const std::lock_guard lock(guard);
  longest = std::max(longest, seconds);
  dcmSocketReceiveTimeout.set(longest);
}

// What this thread's last TLS handshake met: why OpenSSL refused the peer's certificate
// ("certificate has expired", "hostname mismatch"), or the fatal alert the peer sent
// ("protocol version", "certificate required": TLS 1.3 sends that one after the handshake).
thread_local std::string certificate_refusal;
thread_local std::string peer_alert;

int note_certificate_refusal(int verified, X509_STORE_CTX* store) {
  if (verified == 0) certificate_refusal = X509_verify_cert_error_string(X509_STORE_CTX_get_error(store));
  return verified;
}

void note_peer_alert(const SSL* /*connection*/, int where, int alert) {
  if ((where & SSL_CB_READ_ALERT) == 0 || (alert >> 8) != SSL3_AL_FATAL) return;
  // OpenSSL 3.0 has no words for TLS 1.3's certificate_required (116).
  const int code = alert & 0xFF;
  peer_alert = code == 116 ? "certificate required" : SSL_alert_desc_string_long(alert);
  if (peer_alert == "unknown") peer_alert = "number " + std::to_string(code);
}

// What to change, by the alert.
std::string alert_advice(const std::string& alert) {
  if (alert == "protocol version" || alert == "handshake failure" || alert == "insufficient security" ||
      alert == "decode error") {
    // A TLS-1.0-only peer (OpenSSL 3) answers the BCP 195 ClientHello with "decode error".
    return ": it may speak no TLS version or cipher suite the BCP 195 profile allows (TLS 1.2 or 1.3)";
  }
  if (alert == "certificate required") return ": give our certificate with cert=FILE&key=FILE";
  if (alert == "unknown CA" || alert == "bad certificate" || alert == "certificate unknown") {
    return ": it does not trust our certificate";
  }
  return "";
}

}  // namespace

void remember_tls_refusals(SSL_CTX* context) {
  SSL_CTX_set_verify(context, SSL_CTX_get_verify_mode(context), note_certificate_refusal);
  SSL_CTX_set_info_callback(context, note_peer_alert);
}

void configure_scu(DcmSCU& scu, const dicom_url& peer) {
  quiet_dcmtk();
  bound_blocking_reads(peer.options.connect_timeout_s);
  scu.setAETitle(peer.options.calling_ae);
  scu.setPeerAETitle(peer.called_ae);
  scu.setPeerHostName(peer.host);
  scu.setPeerPort(peer.port);
  scu.setConnectionTimeout(peer.options.connect_timeout_s);
  scu.setACSETimeout(static_cast<Uint32>(peer.options.connect_timeout_s));
  scu.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
  scu.setDIMSETimeout(static_cast<Uint32>(peer.options.dimse_timeout_s));
  scu.setMaxReceivePDULength(ASC_MAXIMUMPDUSIZE);
}

OFList<OFString> uncompressed_syntaxes() {
  OFList<OFString> plain;
  plain.emplace_back(UID_LittleEndianExplicitTransferSyntax);
  plain.emplace_back(UID_LittleEndianImplicitTransferSyntax);
  return plain;
}

namespace {

std::string one_line(const OFString& text) {
  std::string line(text);
  std::replace(line.begin(), line.end(), '\n', ' ');
  while (line.ends_with(' ')) line.pop_back();
  return line;
}

// What to change, by the peer's reason (PS3.8 9.3.4).
std::string advice(const T_ASC_RejectParameters& rejection, const dicom_url& peer) {
  if (rejection.source == ASC_SOURCE_SERVICEUSER) {
    if (rejection.reason == ASC_REASON_SU_CALLINGAETITLENOTRECOGNIZED) {
      return "the peer does not know our AE title " + peer.options.calling_ae +
             ": add it to the peer's configuration, or give the one it knows (calling=AE)";
    }
    if (rejection.reason == ASC_REASON_SU_CALLEDAETITLENOTRECOGNIZED) {
      return "the peer is not " + peer.called_ae + ": give its own AE title in the URL (dicom://AE@host:port)";
    }
  }
  if (rejection.source == ASC_SOURCE_SERVICEPROVIDER_PRESENTATION_RELATED) {
    return "the peer is busy (too many associations): lower associations=N";
  }
  return "check the peer's configuration for our AE title " + peer.options.calling_ae;
}

// DcmSCU keeps the A-ASSOCIATE-RJ's parameters to itself: a second request through dcmnet's
// ASC_ functions, proposing only Verification, reads them.
std::optional<T_ASC_RejectParameters> ask_why_rejected(const dicom_url& peer, DcmTransportLayer* tls) {
  T_ASC_Network* network = nullptr;
  if (ASC_initializeNetwork(NET_REQUESTOR, 0, peer.options.connect_timeout_s, &network).bad()) return std::nullopt;
  std::optional<T_ASC_RejectParameters> answer;
  T_ASC_Parameters* parameters = nullptr;
  if ((tls == nullptr || ASC_setTransportLayer(network, tls, 0).good()) &&
      ASC_createAssociationParameters(&parameters, ASC_DEFAULTMAXPDU).good()) {
    const std::string address = peer.host + ":" + std::to_string(peer.port);
    const char* syntaxes[] = {UID_LittleEndianImplicitTransferSyntax};
    (void)ASC_setAPTitles(parameters, peer.options.calling_ae.c_str(), peer.called_ae.c_str(), nullptr);
    (void)ASC_setTransportLayerType(parameters, tls != nullptr ? OFTrue : OFFalse);
    (void)ASC_setPresentationAddresses(parameters, OFStandard::getHostName().c_str(), address.c_str());
    (void)ASC_addPresentationContext(parameters, 1, UID_VerificationSOPClass, syntaxes, 1);
    T_ASC_Association* association = nullptr;
    const OFCondition asked = ASC_requestAssociation(network, parameters, &association);
    T_ASC_RejectParameters rejection{};
    if (asked == DUL_ASSOCIATIONREJECTED && ASC_getRejectParameters(parameters, &rejection).good()) answer = rejection;
    if (asked.good()) (void)ASC_releaseAssociation(association);
    if (association != nullptr) {
      (void)ASC_destroyAssociation(&association);  // its parameters with it
    } else {
      (void)ASC_destroyAssociationParameters(&parameters);
    }
  }
  (void)ASC_dropNetwork(&network);
  return answer;
}

}  // namespace

result<std::unique_ptr<DcmTLSTransportLayer>> make_tls_layer(const dicom_url& peer) {
  auto layer = std::make_unique<DcmTLSTransportLayer>(NET_REQUESTOR, nullptr, OFTrue);
  layer->setCertificateVerification(DCV_requireCertificate);
  remember_tls_refusals(layer->getNativeHandle());
  if (!peer.certificate_file.empty()) {
    if (layer->setPrivateKeyFile(peer.key_file.c_str(), DCF_Filetype_PEM).bad() ||
        layer->setCertificateFile(peer.certificate_file.c_str(), DCF_Filetype_PEM).bad() ||
        !layer->checkPrivateKeyMatchesCertificate()) {
      return failure{"cannot use the certificate " + peer.certificate_file + " with the key " + peer.key_file};
    }
  }
  if (layer->addTrustedCertificateFile(peer.ca_file.c_str(), DCF_Filetype_PEM).bad()) {
    return failure{"cannot read the CA certificate " + peer.ca_file};
  }
  if (layer->setTLSProfile(TSP_Profile_BCP195).bad() || layer->activateCipherSuites().bad()) {
    return failure{"cannot set up TLS (BCP 195 profile)"};
  }
  // A certificate the CA signed for another host is refused.
  X509_VERIFY_PARAM* check = SSL_CTX_get0_param(layer->getNativeHandle());
  X509_VERIFY_PARAM_set_hostflags(check, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  const std::string& name = peer.verify_name.empty() ? peer.host : peer.verify_name;
  const bool address = X509_VERIFY_PARAM_set1_ip_asc(check, name.c_str()) == 1;
  if (!address && X509_VERIFY_PARAM_set1_host(check, name.c_str(), 0) != 1) {
    return failure{"cannot check the peer's certificate for the name " + name};
  }
  return layer;
}

namespace {

// Why an association was not opened, in words the user can act on: the peer's rejection
// (when known) with what to change, or what TLS met; permanent when trying again cannot help.
refusal association_failure(const OFCondition& status, const dicom_url& peer, const T_ASC_RejectParameters* rejection) {
  const std::string whom = peer.called_ae + "@" + peer.host + ":" + std::to_string(peer.port);
  if (rejection != nullptr) {
    OFString words;
    ASC_printRejectParameters(words, rejection);
    return refusal{
        rejection->result == ASC_RESULT_REJECTEDPERMANENT ? refusal_kind::permanent : refusal_kind::transient,
        whom + " rejected the association from " + peer.options.calling_ae + " (" + one_line(words) +
            "): " + advice(*rejection, peer)};
  }
  // TLS refused: a certificate, a host name or a protocol version (dcmtls' X.509 and TLS
  // alert codes) will not change by waiting; its I/O conditions (a read that timed out, a
  // connection closed) may.
  const bool tls_refused = status.module() == OFM_dcmtls && status.code() >= DCMTLS_EC_X509Verify_Offset;
  if (tls_refused && !certificate_refusal.empty()) {
    return refusal{refusal_kind::permanent, "cannot open an association with " + whom + ": " + status.text() +
                                                " (the peer's certificate: " + certificate_refusal + ")"};
  }
  if (!peer_alert.empty()) {  // the peer refuses our TLS
    return refusal{refusal_kind::permanent, "cannot open an association with " + whom +
                                                ": the peer ended TLS with the alert \"" + peer_alert + "\"" +
                                                alert_advice(peer_alert)};
  }
  // TLS 1.3 refuses a client without a certificate after the handshake: the peer's reset can
  // overtake its alert, and only the reset is seen.
  const std::string hint = peer.tls && peer.certificate_file.empty() && status.module() == OFM_dcmnet
                               ? " (if the peer requires a client certificate, give ours with cert=FILE&key=FILE)"
                               : "";
  return refusal{tls_refused ? refusal_kind::permanent : refusal_kind::transient,
                 "cannot open an association with " + whom + ": " + status.text() + hint};
}

}  // namespace

result<void, refusal> open_association(DcmSCU& scu, const dicom_url& peer,
                                       const std::function<OFCondition()>& before_negotiating, DcmTransportLayer* tls) {
  certificate_refusal.clear();
  peer_alert.clear();
  OFCondition status = scu.initNetwork();
  if (status.good() && before_negotiating) status = before_negotiating();
  if (status.good()) status = scu.negotiateAssociation();
  if (status.good()) return {};
  std::optional<T_ASC_RejectParameters> rejection;
  if (status == DUL_ASSOCIATIONREJECTED) rejection = ask_why_rejected(peer, tls);
  return association_failure(status, peer, rejection ? &*rejection : nullptr);
}

result<void, refusal> open_peer_association(peer_scu& scu, const dicom_url& peer,
                                            std::unique_ptr<DcmTLSTransportLayer>& tls) {
  if (peer.tls) {
    auto layer = make_tls_layer(peer);
    if (!layer) return refusal{refusal_kind::permanent, layer.error().message};
    tls = std::move(layer).value();
  }
  return open_association(
      scu, peer, [&] { return tls ? scu.secure(tls.get()) : EC_Normal; }, tls.get());
}

result<void> with_raw_association(const dicom_url& peer, DcmTransportLayer* tls,
                                  const std::function<void(T_ASC_Parameters*)>& propose,
                                  const std::function<void(T_ASC_Parameters*)>& answered) {
  quiet_dcmtk();
  bound_blocking_reads(peer.options.connect_timeout_s);
  certificate_refusal.clear();
  peer_alert.clear();
  T_ASC_Network* network = nullptr;
  OFCondition status = ASC_initializeNetwork(NET_REQUESTOR, 0, peer.options.connect_timeout_s, &network);
  if (status.good() && tls != nullptr) status = ASC_setTransportLayer(network, tls, 0);
  T_ASC_Parameters* parameters = nullptr;
  if (status.good()) status = ASC_createAssociationParameters(&parameters, ASC_MAXIMUMPDUSIZE);
  T_ASC_Association* association = nullptr;
  std::optional<T_ASC_RejectParameters> rejection;
  if (status.good()) {
    const std::string address = peer.host + ":" + std::to_string(peer.port);
    (void)ASC_setAPTitles(parameters, peer.options.calling_ae.c_str(), peer.called_ae.c_str(), nullptr);
    (void)ASC_setTransportLayerType(parameters, tls != nullptr ? OFTrue : OFFalse);
    (void)ASC_setPresentationAddresses(parameters, OFStandard::getHostName().c_str(), address.c_str());
    propose(parameters);
    status = ASC_requestAssociation(network, parameters, &association);
    T_ASC_RejectParameters rejected{};
    if (status == DUL_ASSOCIATIONREJECTED && ASC_getRejectParameters(parameters, &rejected).good()) {
      rejection = rejected;
    }
    if (status.good()) {
      answered(parameters);
      (void)ASC_releaseAssociation(association);
    }
  }
  if (association != nullptr) {
    (void)ASC_destroyAssociation(&association);  // its parameters with it
  } else if (parameters != nullptr) {
    (void)ASC_destroyAssociationParameters(&parameters);
  }
  (void)ASC_dropNetwork(&network);
  if (status.good()) return {};
  return failure{association_failure(status, peer, rejection ? &*rejection : nullptr).message};
}

}  // namespace dcmflow::store
