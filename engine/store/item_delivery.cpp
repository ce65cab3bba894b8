#include "store/item_delivery.hpp"

namespace dcmflow::store {

void item_delivery::refused(const outage_gate& gate, const refusal& why) {
  refused_.emplace(&gate, why.message);
  // An instance refused for what it is decides: the item fails, even when another
  // destination was given up first (a rerun would be refused again).
  const bool decides = !why_not_ || (why.kind == refusal_kind::instance && why_not_->kind != refusal_kind::instance);
  if (decides) why_not_ = why;
}

void item_delivery::send(std::span<const std::unique_ptr<outage_gate>> gates, const instance_for& as_taken_by,
                         instance_record& record, std::vector<std::string>& notes) {
  for (std::size_t index = 0; index < gates.size(); ++index) {
    outage_gate& gate = *gates[index];
    const std::string& label = gate.target().url();
    if (const auto earlier = refused_.find(&gate); earlier != refused_.end()) {
      record.deliveries.push_back({label, delivery_state::failed,
                                   "not sent: an earlier instance of this item was not stored: " + earlier->second});
      continue;
    }
    const result<outgoing_instance>& outgoing = as_taken_by(index);
    if (!outgoing) {
      record.deliveries.push_back({label, delivery_state::failed, "not sent: " + outgoing.error().message});
      refused(gate, refusal{refusal_kind::instance, outgoing.error().message});
      continue;
    }
    auto delivered = gate.store(*outgoing);
    if (!delivered) {
      record.deliveries.push_back({label, delivery_state::failed, delivered.error().message});
      refused(gate, delivered.error());
      continue;
    }
    record.deliveries.push_back({label, delivery_state::stored, {}});
    notes.insert(notes.end(), delivered->notes.begin(), delivered->notes.end());
  }
}

item_status item_delivery::status() const {
  if (!why_not_) return item_status::converted;
  return why_not_->kind == refusal_kind::instance ? item_status::failed : item_status::pending;
}

}  // namespace dcmflow::store
