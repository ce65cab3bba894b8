#pragma once
// Private to store/: what every DCMTK association dcmflow opens shares (store, echo,
// query, fetch, storage commitment): who talks to whom with which timeouts, the two
// uncompressed syntaxes, and opening it with one clear error.

#include <dcmtk/config/osconfig.h>  // first, as DCMTK asks
#include <dcmtk/dcmnet/scu.h>
#include <dcmtk/dcmtls/tlslayer.h>
#include <openssl/ssl.h>

#include <memory>

#include "core/result.hpp"
#include "store/dimse_destination.hpp"

namespace dcmflow::store {

// dcmnet quiet (dcmflow reports itself) and Nagle off for every DIMSE connection; once.
void quiet_dcmtk();

// AE titles, host, port and timeouts from the URL; non-blocking DIMSE; dcmnet quiet.
void configure_scu(DcmSCU& scu, const dicom_url& peer);

// Explicit and Implicit VR Little Endian.
[[nodiscard]] OFList<OFString> uncompressed_syntaxes();

// dicoms://: a TLS layer for one peer (BCP 195 profile), its certificate checked against the
// URL's CA and required to name the peer (as https:// checks it); our certificate and key
// when the URL gives them.
[[nodiscard]] result<std::unique_ptr<DcmTLSTransportLayer>> make_tls_layer(const dicom_url& peer);

// TLS: why the peer's certificate was refused, or the alert the peer ended the handshake
// with, is kept for the thread that negotiated, for open_association to say (dcmtls only
// says "certificate verify failed" or "Peer aborted Association").
void remember_tls_refusals(SSL_CTX* context);

// initNetwork, then `before_negotiating` (TLS goes there), then negotiateAssociation. A
// rejection is explained with the peer's result, source and reason and what to change. The
// refusal is permanent when trying again cannot help (rejected permanently; TLS refused:
// certificate, host name, protocol version), transient otherwise.
[[nodiscard]] result<void, refusal> open_association(DcmSCU& scu, const dicom_url& peer,
                                                     const std::function<OFCondition()>& before_negotiating = {},
                                                     DcmTransportLayer* tls = nullptr);

// A DcmSCU that can be put on TLS (DcmSCU keeps useSecureConnection to its subclasses).
class peer_scu : public DcmSCU {
 public:
  OFCondition secure(DcmTransportLayer* layer) { return useSecureConnection(layer); }
};

// open_association for any DIMSE service: over TLS for dicoms://, with a layer made here for
// this peer and kept in `tls`, which must outlive the association (declare it before `scu`).
[[nodiscard]] result<void, refusal> open_peer_association(peer_scu& scu, const dicom_url& peer,
                                                          std::unique_ptr<DcmTLSTransportLayer>& tls);

// An association through dcmnet's ASC_ functions, for a caller that needs every
// presentation context's answer (DcmSCU keeps them to itself): `propose` adds the contexts
// to the request, `answered` reads the peer's answers from it before the association is
// released. A rejection or TLS failure is explained as open_association explains it.
[[nodiscard]] result<void> with_raw_association(const dicom_url& peer, DcmTransportLayer* tls,
                                                const std::function<void(T_ASC_Parameters*)>& propose,
                                                const std::function<void(T_ASC_Parameters*)>& answered);

}  // namespace dcmflow::store
