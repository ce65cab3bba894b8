#pragma once
// Private to store/: what every DCMTK association dcmflow opens shares (store, echo,
// query, fetch, storage commitment): who talks to whom with which timeouts, the two
// uncompressed syntaxes, and opening it with one clear error.

#include <dcmtk/config/osconfig.h>  // first, as DCMTK asks
#include <dcmtk/dcmnet/scu.h>
#include <openssl/ssl.h>

#include "core/result.hpp"
#include "store/dimse_destination.hpp"

namespace dcmflow::store {

// AE titles, host, port and timeouts from the URL; non-blocking DIMSE; dcmnet quiet.
void configure_scu(DcmSCU& scu, const dicom_url& peer);

// Explicit and Implicit VR Little Endian.
[[nodiscard]] OFList<OFString> uncompressed_syntaxes();

// TLS: why the peer's certificate was refused, or the alert the peer ended the handshake
// with, is kept for the thread that negotiated, for open_association to say (dcmtls only
// says "certificate verify failed" or "Peer aborted Association").
void remember_tls_refusals(SSL_CTX* context);

// initNetwork, then `before_negotiating` (TLS goes there), then negotiateAssociation. A
// rejection is explained with the peer's result, source and reason and what to change;
// `permanent` (when given) says whether trying again cannot help: rejected permanently, or
// TLS refused (certificate, host name, protocol version).
[[nodiscard]] result<void> open_association(DcmSCU& scu, const dicom_url& peer,
                                            const std::function<OFCondition()>& before_negotiating = {},
                                            bool* permanent = nullptr, DcmTransportLayer* tls = nullptr);

}  // namespace dcmflow::store
