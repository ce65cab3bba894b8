#include "store/dimse_destination.hpp"

#include <dcmtk/config/osconfig.h>  // first, as DCMTK asks
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/scu.h>
#include <dcmtk/dcmtls/tlslayer.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "store/c_store.hpp"
#include "store/dcmtk_scu.hpp"
#include "store/dimse_association.hpp"
#include "store/dimse_status.hpp"

namespace dcmflow::store {
namespace {

constexpr std::string_view explicit_little = UID_LittleEndianExplicitTransferSyntax;
constexpr std::string_view implicit_little = UID_LittleEndianImplicitTransferSyntax;

bool uncompressed(std::string_view syntax) { return syntax == explicit_little || syntax == implicit_little; }

}  // namespace

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
    const auto rank = [&](std::size_t i) { return slots_[i]->live ? 0 : slots_[i]->resting_until <= now ? 1 : 2; };
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
      scu.addPresentationContext(sop_class, one);
    }
    scu.addPresentationContext(sop_class, plain);
  }
  if (wanted.empty()) scu.addPresentationContext(UID_VerificationSOPClass, plain);
  // TLS goes on the network initNetwork() made, before negotiating.
  auto opened = open_association(
      scu, where_, [&] { return tls_ ? slot.scu->secure(tls_.get()) : EC_Normal; }, tls_.get());
  if (!opened) return opened.error();
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
      const bool others_live = std::any_of(slots_.begin(), slots_.end(),
                                           [&](const auto& other) { return other.get() != &slot && other->live; });
      return others_live ? attempt_result::elsewhere : attempt_result::retry;
    }
  }
  T_ASC_PresentationContextID id =
      slot.scu->findPresentationContextID(object.sop_class_uid, object.transfer_syntax_uid);
  DcmDataset* dataset = &as_is;
  std::unique_ptr<DcmFileFormat> converted;
  if (id == 0) {
    const T_ASC_PresentationContextID plain_id =
        std::max(slot.scu->findPresentationContextID(object.sop_class_uid, UID_LittleEndianExplicitTransferSyntax),
                 slot.scu->findPresentationContextID(object.sop_class_uid, UID_LittleEndianImplicitTransferSyntax));
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
  const std::string comment = sent.comment.empty() ? std::string() : " (" + sent.comment + ")";
  const c_store_status meaning = classify_c_store_status(sent.status);
  if (meaning == c_store_status::success) return attempt_result::stored;
  if (meaning == c_store_status::warning) {
    done.notes.push_back(url_ + ": stored with warning status " + status_hex(sent.status) + comment);
    return attempt_result::stored;
  }
  why = "C-STORE refused by " + url_ + ": status " + status_hex(sent.status) + comment;
  return meaning == c_store_status::out_of_resources ? attempt_result::retry : attempt_result::failed;
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

}  // namespace dcmflow::store
