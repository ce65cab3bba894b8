#pragma once
// dicom://CALLED@host:port[?options] and dicoms:// (TLS): a DIMSE peer's address, parsed
// once into a typed value that every DIMSE service (store, echo, find, get, commitment,
// capabilities) takes.

#include <cstdint>
#include <string>

#include "core/result.hpp"
#include "store/destination.hpp"

namespace dcmflow::store {

struct dicom_url {
  std::string called_ae;
  std::string host;
  std::uint16_t port = 104;
  network_options options;
  // dicoms://: TLS (BCP 195 profile), the peer's certificate checked against `ca_file`;
  // our own certificate and key when the peer asks for one.
  bool tls = false;
  std::string ca_file;
  std::string certificate_file;
  std::string key_file;
  // The name the peer's certificate must carry (DNS name or IP address); empty: `host`.
  std::string verify_name;
};

// Options after '?': calling, associations, max_per_association, connect_timeout_s,
// dimse_timeout_s, max_attempts, transcode; for dicoms:// also ca, cert, key, verify_name.
[[nodiscard]] result<dicom_url> parse_dicom_url(const std::string& url, const network_options& defaults);

}  // namespace dcmflow::store
