#pragma once
// http(s)://host:port/PATH: a DICOMweb root; instances go by STOW-RS (PS3.18 10.5) through
// libcurl, `multipart/related; type="application/dicom"` bodies of `batch` instances, with
// `in_flight` requests at once.
//
// Callers (the threads that send: the graph's store stage, `dcmflow store`'s senders) each bring one instance: it joins
// the open batch; the caller that fills it sends it, and a batch that stays partly filled is sent after a short wait by
// whoever waited longest, so a trickle is not held back. The DICOM JSON response decides each instance: an item of the
// Failed SOP Sequence fails with its Failure Reason, an item of the Referenced SOP Sequence is stored. 429 and 503 are
// retried after Retry-After, transport failures and other 5xx with exponential backoff, then reported as transient
// (outage_gate.hpp waits for the server); 401, 403, 404 and 415 refuse us (permanent);
// other 4xx refuse the batch's instances with the status line.
//
// Options, in the URL's query: batch=N (10), in_flight=N (4), timeout_s=S (120),
// max_attempts=N (5), ca=FILE (TLS CA bundle), bearer_token_env=NAME (an environment
// variable holding a bearer token: tokens are not written in job files). Basic
// authentication: https://user:password@host/...

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/destination.hpp"

namespace dcmflow::store {

struct stow_verdicts;  // stow_response.hpp

struct stow_url {
  std::string root;  // without the query; ends without '/'
  std::size_t batch = 10;
  std::size_t in_flight = 4;
  int timeout_s = 120;
  int max_attempts = 5;
  std::string ca_file;
  std::string bearer_token;
  bool allow_insecure = false;  // credentials over plain http:// (allow_insecure=1)
};

[[nodiscard]] result<stow_url> parse_stow_url(const std::string& url);

class stow_destination final : public destination {
 public:
  stow_destination(stow_url where, const std::string& url);
  ~stow_destination() override;
  stow_destination(const stow_destination&) = delete;
  stow_destination& operator=(const stow_destination&) = delete;

  [[nodiscard]] const std::string& url() const override { return url_; }
  [[nodiscard]] const stow_url& where() const { return where_; }
  // From its vendor's endpoint (capabilities.cpp).
  [[nodiscard]] result<automatic_codec> choose_automatic_codec(
      std::span<const codec_choice> by_preference) const override;
  [[nodiscard]] store_result store(const outgoing_instance& object) override;
  // A QIDO-RS request; 401/403 and certificate failures are permanent.
  [[nodiscard]] std::optional<refusal> probe() override;
  // Enough callers to fill every batch of every request in flight.
  [[nodiscard]] std::size_t concurrency() const override { return where_.batch * where_.in_flight; }

  // QIDO-RS: GET /studies/{study}/series/{series}/instances.
  [[nodiscard]] bool queryable() const override { return true; }
  [[nodiscard]] result<std::set<std::string>> held_instances(const std::string& study_instance_uid,
                                                             const std::string& series_instance_uid) override;

  struct batch;

 private:
  void send(batch& full);
  void send_part(batch& full, std::vector<std::size_t> pending);
  [[nodiscard]] std::vector<std::size_t> take_verdicts(batch& full, const std::vector<std::size_t>& pending,
                                                       const stow_verdicts& verdicts, long http_status, int attempt,
                                                       std::string& why) const;

  stow_url where_;
  std::string url_;
  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace dcmflow::store
