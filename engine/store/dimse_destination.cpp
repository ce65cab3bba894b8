#include "store/dimse_destination.hpp"

#include "store/dcmtk_scu.hpp"
#include "store/url_options.hpp"

#include <dcmtk/config/osconfig.h>  // first, as DCMTK asks
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/scu.h>
#include <dcmtk/dcmtls/tlslayer.h>
#include <dcmtk/oflog/oflog.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

namespace dcmflow::store {
namespace {

constexpr std::string_view explicit_little = UID_LittleEndianExplicitTransferSyntax;
constexpr std::string_view implicit_little = UID_LittleEndianImplicitTransferSyntax;

bool uncompressed(std::string_view syntax) { return syntax == explicit_little || syntax == implicit_little; }

std::string hex_status(std::uint16_t status) {
  char text[8];
  std::snprintf(text, sizeof text, "%04X", status);
  return text;
}

// A C-STORE whose response keeps what DcmSCU::sendSTORERequest drops: the status detail
// with the peer's Error Comment.
class store_scu : public DcmSCU {
 public:
  OFCondition secure(DcmTransportLayer* layer) { return useSecureConnection(layer); }

  struct outcome {
    OFCondition transport;  // bad: the association is unusable
    std::uint16_t status = 0;
    std::string comment;
  };

  outcome store(T_ASC_PresentationContextID context, DcmDataset& dataset, const std::string& sop_class,
                const std::string& sop_instance) {
    T_DIMSE_Message request{};
    request.CommandField = DIMSE_C_STORE_RQ;
    T_DIMSE_C_StoreRQ& store = request.msg.CStoreRQ;
    store.MessageID = ++message_id_;
    OFStandard::strlcpy(store.AffectedSOPClassUID, sop_class.c_str(), sizeof store.AffectedSOPClassUID);
    OFStandard::strlcpy(store.AffectedSOPInstanceUID, sop_instance.c_str(), sizeof store.AffectedSOPInstanceUID);
    store.DataSetType = DIMSE_DATASET_PRESENT;
    store.Priority = DIMSE_PRIORITY_MEDIUM;
    outcome result;
    result.transport = sendDIMSEMessage(context, &request, &dataset);
    if (result.transport.bad()) return result;
    T_DIMSE_Message response{};
    T_ASC_PresentationContextID answered = 0;
    DcmDataset* detail = nullptr;
    result.transport = receiveDIMSECommand(&answered, &response, &detail);
    if (result.transport.good() && response.CommandField != DIMSE_C_STORE_RSP) {
      result.transport = makeOFCondition(0, 1, OF_error, "the peer answered a C-STORE with another message");
    }
    if (result.transport.good()) result.status = response.msg.CStoreRSP.DimseStatus;
    if (detail != nullptr) {
      OFString comment;
      if (detail->findAndGetOFString(DCM_ErrorComment, comment).good()) result.comment = comment.c_str();
      delete detail;
    }
    return result;
  }

 private:
  Uint16 message_id_ = 0;
};

// The dataset of a Part 10 file held in memory.
result<std::unique_ptr<DcmFileFormat>> parse_part10(const std::string& bytes) {
  auto file = std::make_unique<DcmFileFormat>();
  DcmInputBufferStream stream;
  stream.setBuffer(bytes.data(), static_cast<offile_off_t>(bytes.size()));
  stream.setEos();
  file->transferInit();
  const OFCondition read = file->read(stream, EXS_Unknown, EGL_noChange, DCM_MaxReadLength);
  file->transferEnd();
  if (read.bad()) return failure{std::string("cannot read the object for sending: ") + read.text()};
  return file;
}

// An existing Part 10 file, as storescu reads it: values longer than 4 KiB (the pixels)
// stay in the file until they are sent.
result<std::unique_ptr<DcmFileFormat>> load_part10(const std::filesystem::path& path) {
  auto file = std::make_unique<DcmFileFormat>();
  const OFCondition read = file->loadFile(path.c_str());
  if (read.bad()) return failure{"cannot read " + path.string() + " for sending: " + read.text()};
  return file;
}

}  // namespace

void quiet_dcmtk() {
  // dcmnet logs through oflog at INFO and up by default; dcmflow reports itself.
  static std::once_flag once;
  std::call_once(once, [] {
    OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
    // Without Nagle: every C-STORE otherwise waits ~40 ms for a delayed ACK (PEERS.md).
    // dcmnet reads this variable when it opens a socket; a user's own setting wins.
    setenv("TCP_NODELAY", "1", 0);
  });
}

namespace {

int parse_number(std::string_view text, int low, int high, bool& ok) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  ok = ok && error == std::errc() && end == text.data() + text.size() && value >= low && value <= high;
  return value;
}

}  // namespace

struct dimse_destination::association {
  // A DcmSCU negotiates once: a new set of presentation contexts takes a new one.
  std::unique_ptr<store_scu> scu = std::make_unique<store_scu>();
  std::set<std::pair<std::string, std::string>> proposed;
  std::size_t sent = 0;
  // A peer may take fewer associations than we open (Orthanc: DicomThreadsCount, 4 by
  // default): a slot whose association was refused rests a while, and the others carry on.
  std::chrono::steady_clock::time_point resting_until{};
  // Whether it held an open association when last released; read by other threads under
  // the pool's mutex (the SCU itself belongs to whoever holds the slot).
  bool live = false;
};

result<dicom_url> parse_dicom_url(const std::string& url, const network_options& defaults) {
  const auto bad = [&](const std::string& why) { return failure{url + ": " + why}; };
  std::string_view rest(url);
  dicom_url parsed;
  parsed.tls = rest.starts_with("dicoms://");
  rest.remove_prefix(parsed.tls ? std::string_view("dicoms://").size() : std::string_view("dicom://").size());
  parsed.options = defaults;
  const auto query_at = rest.find('?');
  const std::string_view query = query_at == std::string_view::npos ? std::string_view() : rest.substr(query_at + 1);
  rest = rest.substr(0, query_at);
  const auto at = rest.find('@');
  if (at == std::string_view::npos || at == 0) return bad("expected dicom://CALLED_AE@host:port (or dicoms://)");
  parsed.called_ae = std::string(rest.substr(0, at));
  if (parsed.called_ae.size() > 16) return bad("an AE title has at most 16 characters");
  rest.remove_prefix(at + 1);
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return bad("expected a host and a port (host:port)");
  parsed.host = std::string(rest.substr(0, colon));
  bool ok = true;
  parsed.port = static_cast<std::uint16_t>(parse_number(rest.substr(colon + 1), 1, 65535, ok));
  if (!ok) return bad("the port is a number from 1 to 65535");
  for (const auto& [key, value] : url_options(query)) {
    network_options& o = parsed.options;
    if (key == "calling") {
      if (value.empty() || value.size() > 16) return bad("calling: an AE title of 1 to 16 characters");
      o.calling_ae = std::string(value);
    } else if (key == "associations") {
      o.associations = static_cast<std::size_t>(parse_number(value, 1, 64, ok));
    } else if (key == "max_per_association") {
      o.max_instances_per_association = static_cast<std::size_t>(parse_number(value, 0, 1000000, ok));
    } else if (key == "connect_timeout_s") {
      o.connect_timeout_s = parse_number(value, 1, 3600, ok);
    } else if (key == "dimse_timeout_s") {
      o.dimse_timeout_s = parse_number(value, 1, 3600, ok);
    } else if (key == "max_attempts") {
      o.max_attempts = parse_number(value, 1, 100, ok);
    } else if (key == "ca" || key == "cert" || key == "key") {
      if (!parsed.tls) return bad("option '" + std::string(key) + "' is for dicoms:// (TLS) only");
      std::string& file = key == "ca" ? parsed.ca_file : key == "cert" ? parsed.certificate_file : parsed.key_file;
      file = std::string(value);
      std::error_code missing;
      if (!std::filesystem::is_regular_file(file, missing)) return bad(std::string(key) + ": no such file " + file);
    } else if (key == "verify_name") {
      if (!parsed.tls) return bad("option 'verify_name' is for dicoms:// (TLS) only");
      if (value.empty()) return bad("verify_name: a host name or address");
      parsed.verify_name = std::string(value);
    } else if (key == "transcode") {
      if (value == "lossless") o.transcode = transcode_policy::lossless;
      else if (value == "never") o.transcode = transcode_policy::never;
      else if (value == "any") o.transcode = transcode_policy::any;
      else return bad("transcode: lossless, never or any");
    } else {
      return bad("unknown option '" + std::string(key) +
                 "' (calling, associations, max_per_association, connect_timeout_s, dimse_timeout_s, "
                 "max_attempts, transcode; for dicoms:// ca, cert, key, verify_name)");
    }
    if (!ok) return bad("option '" + std::string(key) + "' is out of range");
  }
  if (parsed.tls && parsed.ca_file.empty()) return bad("dicoms:// needs ca=FILE (the CA that signed the peer)");
  if (parsed.certificate_file.empty() != parsed.key_file.empty()) return bad("cert and key go together");
  return parsed;
}

dimse_destination::dimse_destination(dicom_url where, std::string url)
    : where_(std::move(where)), url_(std::move(url)) {
  quiet_dcmtk();
  const std::size_t count = std::max<std::size_t>(1, where_.options.associations);
  for (std::size_t i = 0; i < count; ++i) slots_.push_back(std::make_unique<association>());
  busy_.assign(count, false);
  if (where_.tls) {
    auto layer = make_tls_layer(where_);
    if (layer) {
      tls_ = std::move(layer).value();
    } else {
      tls_error_ = url_ + ": " + layer.error().message;
    }
  }
}

dimse_destination::~dimse_destination() {
  for (auto& slot : slots_) {
    if (slot->scu->isConnected()) slot->scu->releaseAssociation();
  }
}

dimse_destination::association& dimse_destination::acquire() {
  std::unique_lock lock(mutex_);
  for (;;) {
    // A connected association first (the point of the pool is reuse), then one not resting,
    // then any.
    const auto now = std::chrono::steady_clock::now();
    const auto rank = [&](std::size_t i) {
      return slots_[i]->live ? 0 : slots_[i]->resting_until <= now ? 1 : 2;
    };
    std::size_t chosen = busy_.size();
    for (std::size_t i = 0; i < busy_.size(); ++i) {
      if (!busy_[i] && (chosen == busy_.size() || rank(i) < rank(chosen))) chosen = i;
    }
    const bool others_live = std::any_of(slots_.begin(), slots_.end(), [](const auto& slot) { return slot->live; });
    if (chosen < busy_.size() && rank(chosen) == 2 && others_live) chosen = busy_.size();  // wait for those
    if (chosen < busy_.size()) {
      busy_[chosen] = true;
      return *slots_[chosen];
    }
    freed_.wait(lock);
  }
}

void dimse_destination::release(association& slot) {
  {
    const std::lock_guard lock(mutex_);
    slot.live = slot.scu->isConnected();
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].get() == &slot) busy_[i] = false;
    }
  }
  freed_.notify_one();
}

result<void, refusal> dimse_destination::connect(association& slot,
                                                 const std::set<std::pair<std::string, std::string>>& wanted) {
  if (slot.scu->isConnected()) slot.scu->releaseAssociation();
  slot.scu = std::make_unique<store_scu>();
  DcmSCU& scu = *slot.scu;
  configure_scu(scu, where_);
  if (!tls_error_.empty()) return refusal{refusal_kind::permanent, tls_error_};
  std::map<std::string, OFList<OFString>> compressed;
  for (const auto& [sop_class, syntax] : wanted) {
    if (!syntax.empty() && !uncompressed(syntax)) compressed[sop_class].push_back(syntax.c_str());
    compressed.try_emplace(sop_class);
  }
  const OFList<OFString> plain = uncompressed_syntaxes();
  for (const auto& [sop_class, syntaxes] : compressed) {
    // One context per compressed syntax: a peer accepts or rejects each on its own.
    for (const auto& syntax : syntaxes) {
      OFList<OFString> one;
      one.push_back(syntax);
      scu.addPresentationContext(sop_class.c_str(), one);
    }
    scu.addPresentationContext(sop_class.c_str(), plain);
  }
  if (wanted.empty()) scu.addPresentationContext(UID_VerificationSOPClass, plain);
  // TLS goes on the network initNetwork() made, before negotiating.
  bool permanent = false;
  auto opened = open_association(scu, where_, [&] { return tls_ ? slot.scu->secure(tls_.get()) : EC_Normal; },
                                 &permanent, tls_.get());
  if (!opened) return refusal{permanent ? refusal_kind::permanent : refusal_kind::transient, opened.error().message};
  slot.proposed = wanted;
  slot.sent = 0;
  return {};
}

dimse_destination::attempt_result dimse_destination::try_store(association& slot, const outgoing_instance& object,
                                                               DcmDataset& as_is, delivery& done, std::string& why) {
  const std::pair<std::string, std::string> context{object.sop_class_uid, object.transfer_syntax_uid};
  const std::size_t limit = where_.options.max_instances_per_association;
  if (!slot.scu->isConnected() || !slot.proposed.contains(context) || (limit > 0 && slot.sent >= limit)) {
    std::set<std::pair<std::string, std::string>> wanted;
    {
      const std::lock_guard lock(mutex_);
      known_.insert(context);
      wanted = known_;
    }
    if (auto connected = connect(slot, wanted); !connected) {
      why = connected.error().message;
      if (connected.error().kind == refusal_kind::permanent) return attempt_result::refused_us;
      const std::lock_guard lock(mutex_);
      slot.resting_until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      const bool others_live = std::any_of(slots_.begin(), slots_.end(), [&](const auto& other) {
        return other.get() != &slot && other->live;
      });
      return others_live ? attempt_result::elsewhere : attempt_result::retry;
    }
  }
  T_ASC_PresentationContextID id = slot.scu->findPresentationContextID(object.sop_class_uid.c_str(),
                                                                      object.transfer_syntax_uid.c_str());
  DcmDataset* dataset = &as_is;
  std::unique_ptr<DcmFileFormat> converted;
  if (id == 0) {
    const T_ASC_PresentationContextID plain_id =
        std::max(slot.scu->findPresentationContextID(object.sop_class_uid.c_str(), UID_LittleEndianExplicitTransferSyntax),
                 slot.scu->findPresentationContextID(object.sop_class_uid.c_str(), UID_LittleEndianImplicitTransferSyntax));
    if (plain_id == 0) {
      why = "the peer accepts no transfer syntax for SOP class " + object.sop_class_uid;
      return attempt_result::failed;
    }
    if (!uncompressed(object.transfer_syntax_uid)) {
      if (where_.options.transcode == transcode_policy::never || !object.uncompressed) {
        why = "the peer does not accept transfer syntax " + object.transfer_syntax_uid +
              " and transcoding is off (--transcode never)";
        return attempt_result::failed;
      }
      auto plain = object.uncompressed();
      if (!plain) {
        why = plain.error().message;
        return attempt_result::failed;
      }
      auto file = parse_part10(*plain);
      if (!file) {
        why = file.error().message;
        return attempt_result::failed;
      }
      converted = std::move(file).value();
      dataset = converted->getDataset();
      done.notes.push_back(url_ + ": sent uncompressed: the peer does not accept " + object.transfer_syntax_uid);
    }
    id = plain_id;
  }
  const store_scu::outcome sent = slot.scu->store(id, *dataset, object.sop_class_uid, object.sop_instance_uid);
  if (sent.transport.bad()) {
    why = std::string("C-STORE to ") + url_ + " broke off: " + sent.transport.text();
    slot.scu->abortAssociation();
    return attempt_result::retry;
  }
  ++slot.sent;
  const std::uint16_t status = sent.status;
  const std::string comment = sent.comment.empty() ? std::string() : " (" + sent.comment + ")";
  if (status == STATUS_Success) return attempt_result::stored;
  if (status == 0xB000 || status == 0xB007 || status == 0xB006) {
    done.notes.push_back(url_ + ": stored with warning status " + hex_status(status) + comment);
    return attempt_result::stored;
  }
  why = "C-STORE refused by " + url_ + ": status " + hex_status(status) + comment;
  return (status & 0xFF00) == 0xA700 ? attempt_result::retry : attempt_result::failed;
}

store_result dimse_destination::store(const outgoing_instance& object) {
  // Parsed before an association is taken: with more senders than associations, parsing
  // one instance overlaps sending another.
  auto parsed = object.part10.empty() && !object.file.empty() ? load_part10(object.file) : parse_part10(object.part10);
  if (!parsed) return parsed.error();
  DcmDataset& dataset = *(*parsed)->getDataset();
  delivery done;
  std::string why;
  std::size_t detours = 0;
  const int attempts = std::max(1, where_.options.max_attempts);
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    // Rebinds each turn: a detour below takes another slot without spending an attempt.
    association& slot = acquire();
    attempt_result outcome = attempt_result::failed;
    try {
      outcome = try_store(slot, object, dataset, done, why);
    } catch (const std::exception& error) {
      why = std::string("internal error: ") + error.what();
    }
    release(slot);
    if (outcome == attempt_result::elsewhere && detours < slots_.size()) {
      ++detours;  // the peer takes fewer associations than the pool has: not the instance's fault
      --attempt;
      continue;
    }
    if (outcome == attempt_result::stored) {
      if (attempt > 1) done.notes.push_back(url_ + ": stored at attempt " + std::to_string(attempt));
      return done;
    }
    if (outcome == attempt_result::failed) return failure{why};
    if (outcome == attempt_result::refused_us) return refusal{refusal_kind::permanent, why};
    if (attempt < attempts) {
      // Exponential backoff: 0.2 s, 0.4 s... up to 10 s, for a peer that is restarting or busy.
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(10000, 200 << std::min(attempt - 1, 6))));
    }
  }
  return refusal{refusal_kind::transient, why + " (after " + std::to_string(attempts) + " attempts)"};
}

std::optional<refusal> dimse_destination::probe() {
  association& slot = acquire();
  auto connected = connect(slot, {});
  OFCondition status = connected ? slot.scu->sendECHORequest(0) : OFCondition();
  if (connected) slot.scu->releaseAssociation();
  release(slot);
  if (!connected) return connected.error();
  if (status.bad()) return refusal{refusal_kind::transient, "C-ECHO to " + url_ + " failed: " + status.text()};
  return std::nullopt;
}

result<void> dimse_destination::echo() {
  if (auto refused = probe()) return failure{refused->message};
  return {};
}

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
    keys.putAndInsertOFStringArray(DCM_StudyInstanceUID, study_instance_uid.c_str());
    keys.putAndInsertOFStringArray(DCM_SeriesInstanceUID, series_instance_uid.c_str());
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
      return failure{"C-FIND to " + url_ + " failed: status " + hex_status(final_status)};
    }
    return held;
  }
  return failure{why};
}

}  // namespace dcmflow::store
