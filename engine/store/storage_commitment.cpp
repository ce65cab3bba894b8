#include "store/storage_commitment.hpp"

#include "store/dcmtk_scu.hpp"
#include "store/dimse_status.hpp"

#include <dcmtk/config/osconfig.h>  // first, as DCMTK asks
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/scp.h>
#include <dcmtk/dcmnet/scu.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace dcmflow::store {
namespace {

// The N-EVENT-REPORT's lists, read from its Event Information.
void read_report(DcmDataset& report, commitment_result& into) {
  DcmSequenceOfItems* sequence = nullptr;
  if (report.findAndGetSequence(DCM_ReferencedSOPSequence, sequence).good() && sequence != nullptr) {
    for (unsigned long i = 0; i < sequence->card(); ++i) {
      OFString uid;
      if (sequence->getItem(i)->findAndGetOFString(DCM_ReferencedSOPInstanceUID, uid).good()) {
        into.committed.insert(uid.c_str());
      }
    }
  }
  sequence = nullptr;
  if (report.findAndGetSequence(DCM_FailedSOPSequence, sequence).good() && sequence != nullptr) {
    for (unsigned long i = 0; i < sequence->card(); ++i) {
      DcmItem* item = sequence->getItem(i);
      OFString uid;
      Uint16 reason = 0;
      item->findAndGetOFString(DCM_ReferencedSOPInstanceUID, uid);
      const bool given = item->findAndGetUint16(DCM_FailureReason, reason).good();
      into.failed[uid.c_str()] = given ? "Failure Reason " + status_hex(reason) : "no Failure Reason given";
    }
  }
}

// Listens for the peer's N-EVENT-REPORT; answers each one, keeps the one for our transaction.
class report_listener : public DcmSCP {
 public:
  explicit report_listener(std::string transaction_uid) : transaction_uid_(std::move(transaction_uid)) {}

  // True once the report for our transaction arrived.
  bool wait_for_report(std::chrono::seconds wait) {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, wait, [this] { return received_; });
  }
  void stop() { stopping_ = true; }
  commitment_result take() {
    const std::lock_guard lock(mutex_);
    return result_;
  }

 protected:
  OFCondition handleIncomingCommand(T_DIMSE_Message* message, const DcmPresentationContextInfo& context) override {
    if (message->CommandField != DIMSE_N_EVENT_REPORT_RQ) return DcmSCP::handleIncomingCommand(message, context);
    const T_DIMSE_N_EventReportRQ& request = message->msg.NEventReportRQ;
    T_ASC_PresentationContextID id = context.presentationContextID;
    DcmDataset* report = nullptr;
    OFCondition status = receiveDIMSEDataset(&id, &report);
    if (status.bad()) return status;
    OFString transaction;
    if (report != nullptr) report->findAndGetOFString(DCM_TransactionUID, transaction);
    if (report != nullptr && transaction == transaction_uid_) {
      const std::lock_guard lock(mutex_);
      result_.transaction_uid = transaction_uid_;
      read_report(*report, result_);
      received_ = true;
      arrived_.notify_all();
    }
    delete report;
    T_DIMSE_Message response{};
    response.CommandField = DIMSE_N_EVENT_REPORT_RSP;
    T_DIMSE_N_EventReportRSP& answer = response.msg.NEventReportRSP;
    answer.MessageIDBeingRespondedTo = request.MessageID;
    OFStandard::strlcpy(answer.AffectedSOPClassUID, request.AffectedSOPClassUID, sizeof answer.AffectedSOPClassUID);
    OFStandard::strlcpy(answer.AffectedSOPInstanceUID, request.AffectedSOPInstanceUID,
                        sizeof answer.AffectedSOPInstanceUID);
    answer.DimseStatus = STATUS_Success;
    answer.DataSetType = DIMSE_DATASET_NULL;
    answer.EventTypeID = request.EventTypeID;
    answer.opts =
        O_NEVENTREPORT_AFFECTEDSOPCLASSUID | O_NEVENTREPORT_AFFECTEDSOPINSTANCEUID | O_NEVENTREPORT_EVENTTYPEID;
    return sendDIMSEMessage(id, &response, nullptr);
  }
  OFBool stopAfterConnectionTimeout() override { return stopping_.load(); }
  OFBool stopAfterCurrentAssociation() override { return stopping_.load(); }

 private:
  std::string transaction_uid_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  bool received_ = false;
  commitment_result result_;
  std::atomic<bool> stopping_{false};
};

}  // namespace

result<commitment_result> request_commitment(const dicom_url& peer, const commitment_request& request) {
  char uid[100];
  const std::string transaction_uid = dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT);

  // The listener first: a quick peer may report before the N-ACTION is even answered.
  report_listener listener(transaction_uid);
  listener.setAETitle(peer.options.calling_ae);
  listener.setPort(request.listen_port);
  listener.setConnectionBlockingMode(DUL_NOBLOCK);
  listener.setConnectionTimeout(1);  // wake every second to see whether to stop
  listener.setHostLookupEnabled(OFFalse);
  const OFList<OFString> plain = uncompressed_syntaxes();
  listener.addPresentationContext(UID_StorageCommitmentPushModelSOPClass, plain);
  listener.addPresentationContext(UID_VerificationSOPClass, plain);
  OFCondition listening = listener.openListenPort();
  if (listening.bad()) {
    return failure{"cannot listen on port " + std::to_string(request.listen_port) +
                   " for the storage commitment report: " + listening.text()};
  }
  std::thread accepting([&listener] { (void)listener.acceptAssociations(); });
  const struct stop_listening {
    report_listener& listener;
    std::thread& thread;
    ~stop_listening() {
      listener.stop();
      thread.join();
    }
  } stopper{listener, accepting};

  DcmSCU scu;
  configure_scu(scu, peer);
  scu.addPresentationContext(UID_StorageCommitmentPushModelSOPClass, plain);
  if (auto opened = open_association(scu, peer); !opened) {
    return failure{"cannot ask for storage commitment: " + opened.error().message};
  }
  const T_ASC_PresentationContextID context =
      scu.findAnyPresentationContextID(UID_StorageCommitmentPushModelSOPClass, "");
  if (context == 0) {
    scu.releaseAssociation();
    return failure{"the peer does not accept Storage Commitment Push Model"};
  }
  DcmDataset action;
  action.putAndInsertOFStringArray(DCM_TransactionUID, transaction_uid);
  for (const auto& [sop_class, sop_instance] : request.instances) {
    DcmItem* item = nullptr;
    if (action.findOrCreateSequenceItem(DCM_ReferencedSOPSequence, item, -2).good() && item != nullptr) {
      item->putAndInsertOFStringArray(DCM_ReferencedSOPClassUID, sop_class);
      item->putAndInsertOFStringArray(DCM_ReferencedSOPInstanceUID, sop_instance);
    }
  }
  Uint16 answer = 0;
  const OFCondition status =
      scu.sendACTIONRequest(context, UID_StorageCommitmentPushModelSOPInstance, 1, &action, answer);
  scu.releaseAssociation();
  if (status.bad()) return failure{std::string("storage commitment N-ACTION broke off: ") + status.text()};
  if (answer != STATUS_Success) return failure{"storage commitment N-ACTION refused: status " + status_hex(answer)};
  if (!listener.wait_for_report(request.wait)) {
    return failure{"no storage commitment report within " + std::to_string(request.wait.count()) + " s (is our AE " +
                   peer.options.calling_ae + " configured at the peer with port " +
                   std::to_string(request.listen_port) + "?)"};
  }
  return listener.take();
}

}  // namespace dcmflow::store
