#pragma once
// One HTTP request to a DICOMweb server through libcurl (STOW-RS, QIDO-RS, WADO-RS, and
// worklist/'s UPS-RS share it): the root's CA and bearer token, no Nagle, and no "Expect:
// 100-continue" (Orthanc never answers it: every large request would stall a second).

#include <curl/curl.h>

#include <cstddef>
#include <optional>
#include <string>

#include "store/stow_destination.hpp"

namespace dcmflow::store {

struct http_response {
  CURLcode transport = CURLE_OK;
  std::string transport_error;  // set when transport is not CURLE_OK
  long status = 0;
  std::string content_type;
  std::string body;
  std::optional<int> retry_after_s;  // Retry-After, in seconds, capped at 120
  std::string location;              // Location (a created resource)
  std::string warning;               // Warning's text (PS3.18 8.1.3: the server's reason)
};

// Answers are read whole into memory: a server that sends more than `max_answer_bytes` is
// cut off (transport_error says so) rather than given our memory.
inline constexpr std::size_t json_answer_limit = 256U << 20U;

// GET `target`, or POST `body` (with `content_type`) when it is given; `method` instead
// when given ("OPTIONS", "PUT", "DELETE").
[[nodiscard]] http_response http_exchange(const stow_url& where, const std::string& target, const std::string& accept,
                                          const std::string* body, const std::string& content_type,
                                          const char* method = nullptr,
                                          std::size_t max_answer_bytes = json_answer_limit);

}  // namespace dcmflow::store
