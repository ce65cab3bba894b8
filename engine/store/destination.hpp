#pragma once
// Where instances go. A destination takes one finished instance at a time -- its identity
// and its Part 10 bytes, encoded once for every destination -- and says whether it arrived;
// the store stage sends every instance of an item to every destination, and the item is
// stored only when all of them said yes.

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace dcmflow::store {

struct outgoing_instance {
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::string transfer_syntax_uid;
  std::filesystem::path name;  // its path under a folder destination
  std::string part10;          // the object's bytes; empty when `file` holds them
  // The same object in Explicit VR Little Endian, made only when a peer refuses its
  // syntax. Null when there is no way (the caller then fails the item).
  std::function<result<std::string>()> uncompressed;
  // An existing Part 10 file that holds the bytes (`dcmflow store`). Sent from the file
  // when `part10` is empty, which only happens for destinations that read files.
  std::filesystem::path file;
};

// What happened on the way that a user should know (a warning status, a transcoding).
struct delivery {
  std::vector<std::string> notes;
};

// Why a destination did not take an instance. The kind decides what happens next.
enum class refusal_kind {
  instance,   // this object was refused (DIMSE A9xx/Cxxx, a STOW Failure Reason...): the item fails
  transient,  // the peer is unreachable, busy or restarting (its own retries spent): wait for it
  permanent,  // the peer refuses us whatever we send (association rejected permanently,
              // 401/403, certificate or host name): stop sending to it
};

struct refusal {
  refusal_kind kind = refusal_kind::instance;
  std::string message;  // the peer's own words where it gave any; never a secret
  refusal() = default;
  refusal(refusal_kind how, std::string why) : kind(how), message(std::move(why)) {}
  // NOLINTNEXTLINE(google-explicit-constructor): a failure refuses the instance
  refusal(failure why) : message(std::move(why.message)) {}
};

using store_result = result<delivery, refusal>;

// A lossless codec `codec: auto` may choose, and the transfer syntax it writes. The caller
// lists them in its order of preference: the codec table lives above the store, which never
// links a codec library (`dcmflow store` starts without them).
struct codec_choice {
  std::string codec;            // a codec name: "jpegls", "none"...
  std::string transfer_syntax;  // its UID
};

// What `codec: auto` gives one destination (capabilities.hpp says how each kind is asked).
struct automatic_codec {
  std::string codec;                 // a codec name: "jpegls", "none"...
  std::vector<std::string> refused;  // SOP classes dcmflow writes that the peer refuses outright
};

class commits_storage;  // storage_commitment.hpp

// A URL as it may be shown and stored: a password in it ("http://alice:SECRET@host/...")
// replaced by "***". Secrets never reach logs, reports, file names or the journal.
[[nodiscard]] std::string redacted_url(std::string_view url);

class destination {
 public:
  virtual ~destination() = default;
  // As the user wrote it, less any password (redacted_url): the journal's, the reports' and
  // the hand-over lists' name for this destination, and what messages show.
  [[nodiscard]] virtual const std::string& url() const = 0;
  // Thread-safe: the store stage runs many items at once.
  [[nodiscard]] virtual store_result store(const outgoing_instance& object) = 0;
  // Is it there, and does it take us (C-ECHO, a QIDO-RS request)? Asked while an outage
  // pauses it (outage_gate.hpp); nothing when it answers.
  [[nodiscard]] virtual std::optional<refusal> probe() { return std::nullopt; }
  // How many stores it can usefully run at once (a network destination: its associations).
  [[nodiscard]] virtual std::size_t concurrency() const { return 1; }
  // Can it send an instance from its `file` alone (no bytes in memory)? Then the bytes are
  // read where and when it needs them, as DCMTK's storescu does, and never copied whole.
  [[nodiscard]] virtual bool reads_files() const { return false; }

  // Verification: can it be asked what it holds, and the SOP Instance UIDs it holds of one
  // series (C-FIND at IMAGE level, QIDO-RS). Thread-safe.
  [[nodiscard]] virtual bool queryable() const { return false; }
  [[nodiscard]] virtual result<std::set<std::string>> held_instances(const std::string& study_instance_uid,
                                                                     const std::string& series_instance_uid) {
    (void)study_instance_uid;
    (void)series_instance_uid;
    return failure{url() + " cannot be queried"};
  }

  // What else it can do, asked of the interface rather than of a concrete type:
  // - the folder it writes on this machine (a job never reads what it wrote as its input);
  [[nodiscard]] virtual const std::filesystem::path* local_folder() const { return nullptr; }
  // - Storage Commitment (DIMSE peers): null when it has none;
  [[nodiscard]] virtual commits_storage* storage_commitment() { return nullptr; }
  // - the first of `by_preference` it accepts for what dcmflow writes, asked of the peer
  //   (capabilities.hpp); "none" when it takes none of them. Fails when it cannot say.
  [[nodiscard]] virtual result<automatic_codec> choose_automatic_codec(
      std::span<const codec_choice> by_preference) const;
};

// file://DIR or a bare folder path: Part 10 files, written beside and renamed into place.
class folder_destination final : public destination {
 public:
  explicit folder_destination(std::filesystem::path folder, std::string url = {});
  [[nodiscard]] const std::string& url() const override { return url_; }
  [[nodiscard]] const std::filesystem::path& folder() const { return folder_; }
  [[nodiscard]] store_result store(const outgoing_instance& object) override;
  [[nodiscard]] bool reads_files() const override { return true; }
  [[nodiscard]] const std::filesystem::path* local_folder() const override { return &folder_; }
  // Takes anything: the first of the preference.
  [[nodiscard]] result<automatic_codec> choose_automatic_codec(
      std::span<const codec_choice> by_preference) const override;

 private:
  std::filesystem::path folder_;
  std::string url_;
};

// How a destination that cannot take an instance's transfer syntax is served.
enum class transcode_policy {
  lossless,  // decode and send in an accepted lossless syntax (reported): the default
  never,     // fail the item: some sites forbid silent transcoding
  any,       // any accepted syntax (dcmflow still never makes lossless data lossy)
};

// Options of network destinations, from the command line or the URL's query.
struct network_options {
  std::string calling_ae = "DCMFLOW";
  std::size_t associations = 4;
  std::size_t max_instances_per_association = 0;  // 0: no limit
  int connect_timeout_s = 10;
  int dimse_timeout_s = 60;
  int max_attempts = 5;
  transcode_policy transcode = transcode_policy::lossless;
};

// "file:///data/out", "file://out" (relative) or a plain path, resolved against `base`;
// "dicom://CALLED@host:port[?calling=AE&associations=N&max_per_association=N
// &connect_timeout_s=S&dimse_timeout_s=S&max_attempts=N&transcode=lossless|never|any]",
// "dicoms://..." the same over TLS (&ca=FILE, and &cert=FILE&key=FILE for our certificate),
// "http(s)://host:port/PATH[?batch=N&in_flight=N...]" a DICOMweb root (stow_destination.hpp).
// Options in the URL win over `defaults`. Other schemes fail with what is supported.
[[nodiscard]] result<std::shared_ptr<destination>> open_destination(const std::string& url,
                                                                    const std::filesystem::path& base,
                                                                    const network_options& defaults = {});

}  // namespace dcmflow::store
