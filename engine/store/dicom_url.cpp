#include "store/dicom_url.hpp"

#include <charconv>
#include <filesystem>
#include <string_view>

#include "store/url_options.hpp"

namespace dcmflow::store {
namespace {

int parse_number(std::string_view text, int low, int high, bool& ok) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  ok = ok && error == std::errc() && end == text.data() + text.size() && value >= low && value <= high;
  return value;
}

}  // namespace

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
      if (value == "lossless")
        o.transcode = transcode_policy::lossless;
      else if (value == "never")
        o.transcode = transcode_policy::never;
      else if (value == "any")
        o.transcode = transcode_policy::any;
      else
        return bad("transcode: lossless, never or any");
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

}  // namespace dcmflow::store
