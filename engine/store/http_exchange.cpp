#include "store/http_exchange.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <mutex>
#include <string_view>

namespace dcmflow::store {
namespace {

struct answer_sink {
  std::string* body;
  std::size_t limit;
  bool too_large = false;
};

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* into) {
  auto& sink = *static_cast<answer_sink*>(into);
  if (sink.body->size() + size * count > sink.limit) {
    sink.too_large = true;
    return 0;  // libcurl stops: CURLE_WRITE_ERROR
  }
  sink.body->append(data, size * count);
  return size * count;
}

// The value of header `name` ("retry-after:", lower case) in `line`, when it is that header.
std::optional<std::string_view> header_value(std::string_view line, std::string_view name) {
  if (line.size() <= name.size()) return std::nullopt;
  std::string lower(line.substr(0, name.size()));
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower != name) return std::nullopt;
  std::string_view value = line.substr(name.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  return value;
}

std::size_t read_header(char* data, std::size_t size, std::size_t count, void* into) {
  const std::string_view line(data, size * count);
  auto& got = *static_cast<http_response*>(into);
  if (const auto value = header_value(line, "retry-after:")) {
    int seconds = 0;
    const auto [end, error] = std::from_chars(value->data(), value->data() + value->size(), seconds);
    if (error == std::errc() && end != value->data()) got.retry_after_s = std::clamp(seconds, 0, 120);
  } else if (const auto location = header_value(line, "location:")) {
    got.location = std::string(*location);
  } else if (const auto warning = header_value(line, "warning:")) {
    // "299 host: text" or "299 host \"text\"" (RFC 7234): the text is what a user needs.
    std::string text(*warning);
    if (text.size() > 4 && text.compare(0, 4, "299 ") == 0) text.erase(0, 4);
    if (got.warning.size() < 2000) {  // a server repeating the header is not given our memory
      if (!got.warning.empty()) got.warning += "; ";
      got.warning += text.substr(0, 1000);
    }
  }
  return size * count;
}

}  // namespace

http_response http_exchange(const stow_url& where, const std::string& target, const std::string& accept,
                            const std::string* body, const std::string& content_type, const char* method,
                            std::size_t max_answer_bytes) {
  static std::once_flag started;
  std::call_once(started, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  http_response got;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    got.transport = CURLE_FAILED_INIT;
    got.transport_error = "cannot start libcurl";
    return got;
  }
  char error[CURL_ERROR_SIZE] = {};
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Accept: " + accept).c_str());
  // libcurl would send "Expect: 100-continue" for large bodies, which Orthanc never answers:
  // each request would stall a second (PEERS.md).
  headers = curl_slist_append(headers, "Expect:");
  if (!content_type.empty()) headers = curl_slist_append(headers, ("Content-Type: " + content_type).c_str());
  if (!where.bearer_token.empty()) {
    headers = curl_slist_append(headers, ("Authorization: Bearer " + where.bearer_token).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, target.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(where.timeout_s));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
  answer_sink sink{&got.body, max_answer_bytes};
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, read_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &got);
  if (!where.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, where.ca_file.c_str());
  if (body != nullptr) {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  }
  if (method != nullptr) curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
  got.transport = curl_easy_perform(curl);
  if (sink.too_large) {
    got.transport_error = "the server's answer is larger than " + std::to_string(max_answer_bytes >> 20U) + " MiB";
    got.body.clear();
  } else if (got.transport != CURLE_OK) {
    got.transport_error = error[0] != '\0' ? error : curl_easy_strerror(got.transport);
  } else {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &got.status);
    char* type = nullptr;
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
    got.content_type = type != nullptr ? type : "";
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return got;
}

}  // namespace dcmflow::store
