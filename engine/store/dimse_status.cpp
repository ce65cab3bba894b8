#include "store/dimse_status.hpp"

#include <cstdio>

namespace dcmflow::store {

std::string status_hex(std::uint16_t status) {
  char text[8];
  std::snprintf(text, sizeof text, "%04X", status);
  return text;
}

c_store_status classify_c_store_status(std::uint16_t status) {
  if (status == 0x0000) return c_store_status::success;
  if (status == 0xB000 || status == 0xB007 || status == 0xB006) return c_store_status::warning;
  if ((status & 0xFF00) == 0xA700) return c_store_status::out_of_resources;
  return c_store_status::refused;
}

}  // namespace dcmflow::store
