#include "store/dcmtk_scu.hpp"

#include <dcmtk/dcmdata/dcuid.h>

namespace dcmflow::store {

void configure_scu(DcmSCU& scu, const dicom_url& peer) {
  quiet_dcmtk();
  scu.setAETitle(peer.options.calling_ae.c_str());
  scu.setPeerAETitle(peer.called_ae.c_str());
  scu.setPeerHostName(peer.host.c_str());
  scu.setPeerPort(peer.port);
  scu.setConnectionTimeout(peer.options.connect_timeout_s);
  scu.setACSETimeout(static_cast<Uint32>(peer.options.connect_timeout_s));
  scu.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
  scu.setDIMSETimeout(static_cast<Uint32>(peer.options.dimse_timeout_s));
  scu.setMaxReceivePDULength(ASC_MAXIMUMPDUSIZE);
}

OFList<OFString> uncompressed_syntaxes() {
  OFList<OFString> plain;
  plain.push_back(UID_LittleEndianExplicitTransferSyntax);
  plain.push_back(UID_LittleEndianImplicitTransferSyntax);
  return plain;
}

result<void> open_association(DcmSCU& scu, const dicom_url& peer, const std::function<OFCondition()>& before_negotiating) {
  OFCondition status = scu.initNetwork();
  if (status.good() && before_negotiating) status = before_negotiating();
  if (status.good()) status = scu.negotiateAssociation();
  if (status.bad()) {
    return failure{"cannot open an association with " + peer.called_ae + "@" + peer.host + ":" +
                   std::to_string(peer.port) + ": " + status.text()};
  }
  return {};
}

}  // namespace dcmflow::store
