#pragma once
// One item's instances on their way to every destination: the rule `dcmflow run` (the
// graph's store stage) and `dcmflow store` (send/) share.
//
// - Every destination is asked for every instance whatever the others answered, and each
//   answer is recorded on its own (instance_record::deliveries): what a PACS holds, and what
//   it refused, is journalled whatever became of the item.
// - A destination that did not take one instance of the item is not asked for the item's
//   others (each ask would spend its retries): they are recorded as not sent, and why.
// - The item is stored only when every destination took every instance. It fails when an
//   instance was refused for what it is (or could not be made as a destination takes it); it
//   is pending when a destination was given up for the run (outage_gate.hpp) and none
//   refused it.

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/item.hpp"
#include "core/result.hpp"
#include "store/destination.hpp"
#include "store/outage_gate.hpp"

namespace dcmflow::store {

class item_delivery {
 public:
  // The instance as destination `index` takes it (the same object for all, or recoded into a
  // destination's own codec); a failure when it could not be made so.
  using instance_for = std::function<const result<outgoing_instance>&(std::size_t index)>;

  // Sends one instance of the item to every gate (one per destination, in order), adding one
  // delivery per destination to `record` and what is worth knowing to `notes`.
  void send(std::span<const std::unique_ptr<outage_gate>> gates, const instance_for& as_taken_by,
            instance_record& record, std::vector<std::string>& notes);

  // Why the item is not stored (so far): nothing when every destination took every instance.
  // Of kind `instance` when one was refused (the item fails), else the reason a destination
  // was given up (the item is pending).
  [[nodiscard]] const std::optional<refusal>& why_not_stored() const { return why_not_; }
  [[nodiscard]] item_status status() const;

 private:
  void refused(const outage_gate& gate, const refusal& why);

  std::map<const outage_gate*, std::string> refused_;  // destinations that did not take one, and why
  std::optional<refusal> why_not_;
};

}  // namespace dcmflow::store
