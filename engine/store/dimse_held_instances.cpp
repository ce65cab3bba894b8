// C-FIND for verification: which instances of one series a DIMSE peer holds.
#include "store/dimse_destination.hpp"

#include <dcmtk/config/osconfig.h>  // first, as DCMTK asks
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/scu.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "store/c_store.hpp"
#include "store/dimse_association.hpp"
#include "store/dimse_status.hpp"

namespace dcmflow::store {

result<std::set<std::string>> dimse_destination::held_instances(const std::string& study_instance_uid,
                                                                const std::string& series_instance_uid) {
  const std::lock_guard lock(query_mutex_);
  std::string why;
  for (int attempt = 1; attempt <= std::max(1, where_.options.max_attempts); ++attempt) {
    if (!query_ || !query_->scu->isConnected()) {
      query_ = std::make_unique<association>();
      if (auto connected = connect(*query_, {{UID_FINDStudyRootQueryRetrieveInformationModel, ""}}); !connected) {
        why = connected.error().message;
        if (connected.error().kind == refusal_kind::permanent) return failure{why};
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(10000, 200 << std::min(attempt - 1, 6))));
        continue;
      }
    }
    const T_ASC_PresentationContextID context =
        query_->scu->findAnyPresentationContextID(UID_FINDStudyRootQueryRetrieveInformationModel, "");
    if (context == 0) return failure{url_ + " does not accept C-FIND (Study Root) queries"};
    DcmDataset keys;
    keys.putAndInsertOFStringArray(DCM_QueryRetrieveLevel, "IMAGE");
    keys.putAndInsertOFStringArray(DCM_StudyInstanceUID, study_instance_uid);
    keys.putAndInsertOFStringArray(DCM_SeriesInstanceUID, series_instance_uid);
    keys.putAndInsertOFStringArray(DCM_SOPInstanceUID, "");
    OFList<QRResponse*> responses;
    const OFCondition status = query_->scu->sendFINDRequest(context, &keys, &responses);
    std::set<std::string> held;
    std::uint16_t final_status = 0;
    for (QRResponse* response : responses) {
      if (response->m_dataset != nullptr) {
        OFString uid;
        if (response->m_dataset->findAndGetOFString(DCM_SOPInstanceUID, uid).good() && !uid.empty()) {
          held.insert(uid.c_str());
        }
      }
      final_status = response->m_status;
      delete response;
    }
    if (status.bad()) {
      why = std::string("C-FIND to ") + url_ + " broke off: " + status.text() +
            " (a PACS that does not know our AE title may refuse queries)";
      query_->scu->abortAssociation();
      continue;
    }
    if (final_status != STATUS_Success) {
      return failure{"C-FIND to " + url_ + " failed: status " + status_hex(final_status)};
    }
    return held;
  }
  return failure{why};
}

}  // namespace dcmflow::store
