#pragma once
// DIMSE status codes (PS3.7 C) as values: how they are written, and what a C-STORE
// response status means for the instance (PS3.4 B.2.3). No DCMTK here: unit-tested alone.

#include <cstdint>
#include <string>

namespace dcmflow::store {

// "A700": four hexadecimal digits, as PS3.4 and PACS logs write a status.
[[nodiscard]] std::string status_hex(std::uint16_t status);

enum class c_store_status {
  success,           // 0000
  warning,           // B000 coercion, B007 elements discarded, B006 data set does not match: stored
  out_of_resources,  // A7xx: the peer is full or busy; the same instance may be taken later
  refused,           // anything else (A9xx, Cxxx, unknown): the peer refuses this instance
};

[[nodiscard]] c_store_status classify_c_store_status(std::uint16_t status);

}  // namespace dcmflow::store
