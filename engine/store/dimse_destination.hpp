#pragma once
// dicom://CALLED@host:port (dicoms:// over TLS): C-STORE over DCMTK's dcmnet (the stack Orthanc itself uses),
// with a pool of associations, each reused for many instances.
//
// Presentation contexts: for every SOP class met so far, one context with the instance's own
// transfer syntaxes and one with Explicit and Implicit VR Little Endian, so a peer that
// refuses a compressed syntax can still take the object uncompressed (see
// transcode_policy). A SOP class or syntax not yet proposed renegotiates the association.
//
// Status handling (PS3.4 Annex B): success and the warnings B000, B007, B006 count as
// stored (warnings reported); A7xx (out of resources) and transport failures (connection
// refused or reset, A-ABORT, timeouts) are retried with exponential backoff up to
// max_attempts, on a fresh association, then reported as transient (outage_gate.hpp waits
// for the peer); an association rejected permanently or a TLS failure is permanent; every
// other status (A9xx, Cxxx...) refuses the instance with the status and the peer's Error
// Comment. The transport error and the DIMSE status
// are kept apart, as dcmnet's own SCU does.

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "store/destination.hpp"
#include "store/dicom_url.hpp"
#include "store/storage_commitment.hpp"

class DcmDataset;  // DCMTK's, seen only by the implementation
class DcmTLSTransportLayer;

namespace dcmflow::store {

class dimse_destination final : public destination, public commits_storage {
 public:
  dimse_destination(dicom_url where, std::string url);
  ~dimse_destination() override;
  dimse_destination(const dimse_destination&) = delete;
  dimse_destination& operator=(const dimse_destination&) = delete;

  [[nodiscard]] const std::string& url() const override { return url_; }
  [[nodiscard]] const dicom_url& where() const { return where_; }
  [[nodiscard]] store_result store(const outgoing_instance& object) override;
  // C-ECHO on a fresh association; a rejection or TLS failure is permanent.
  [[nodiscard]] std::optional<refusal> probe() override;
  [[nodiscard]] std::size_t concurrency() const override { return slots_.size(); }
  [[nodiscard]] bool reads_files() const override { return true; }

  // C-FIND, Study Root, IMAGE level, on an association of its own.
  [[nodiscard]] bool queryable() const override { return true; }
  [[nodiscard]] result<std::set<std::string>> held_instances(const std::string& study_instance_uid,
                                                             const std::string& series_instance_uid) override;

  // Storage Commitment: an N-ACTION on an association of its own (storage_commitment.hpp).
  [[nodiscard]] commits_storage* storage_commitment() override { return this; }
  [[nodiscard]] result<commitment_result> commit(const commitment_request& request) override {
    return request_commitment(where_, request);
  }

  // What it accepts, asked before anything is sent (capabilities.cpp).
  [[nodiscard]] result<automatic_codec> choose_automatic_codec(
      std::span<const codec_choice> by_preference) const override;

  struct association;  // one DCMTK SCU and what it proposed

 private:
  // elsewhere: another association can take it; refused_us: the peer refuses the association
  enum class attempt_result { stored, retry, failed, elsewhere, refused_us };
  // `as_is`: the object's dataset, parsed before an association was taken.
  attempt_result try_store(association& slot, const outgoing_instance& object, DcmDataset& as_is, delivery& done,
                           std::string& why);
  result<void, refusal> connect(association& slot, const std::set<std::pair<std::string, std::string>>& wanted);
  association& acquire();
  void release(association& slot);

  dicom_url where_;
  std::string url_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<association>> slots_;
  std::vector<bool> busy_;
  // (SOP class, transfer syntax) pairs met so far: every new association proposes them all.
  std::set<std::pair<std::string, std::string>> known_;
  std::mutex query_mutex_;
  std::unique_ptr<association> query_;         // for C-FIND
  std::unique_ptr<DcmTLSTransportLayer> tls_;  // shared by every association of a dicoms:// peer
  std::string tls_error_;                      // why TLS could not be set up: every store fails with it
};

}  // namespace dcmflow::store
