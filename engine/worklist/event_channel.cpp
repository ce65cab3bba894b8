#include "worklist/event_channel.hpp"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <poll.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string_view>

namespace dcmflow::worklist {
namespace {

constexpr std::size_t max_message = 16U << 20U;  // an event report is a few KiB
constexpr std::size_t max_handshake = 16U << 10U;
constexpr std::string_view websocket_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";  // RFC 6455 1.3

enum opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

std::string base64(const unsigned char* bytes, std::size_t size) {
  std::string encoded(4 * ((size + 2) / 3) + 1, '\0');
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): OpenSSL's unsigned char
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()), bytes, static_cast<int>(size));
  encoded.resize(static_cast<std::size_t>(length));
  return encoded;
}

// Sec-WebSocket-Accept for a key: base64(SHA-1(key + GUID)).
std::string expected_accept(const std::string& key) {
  const std::string joined = key + std::string(websocket_guid);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(joined.data(), joined.size(), digest.data(), &length, EVP_sha1(), nullptr);
  return base64(digest.data(), length);
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The value of header `name` (lower case) in an HTTP response head, or empty.
std::string header_in(std::string_view head, std::string_view name) {
  std::size_t at = head.find("\r\n");
  while (at != std::string_view::npos && at + 2 < head.size()) {
    const std::size_t start = at + 2;
    const std::size_t end = head.find("\r\n", start);
    const std::string_view line = head.substr(start, end - start);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && lower(line.substr(0, colon)) == name) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      return std::string(value);
    }
    at = end;
  }
  return {};
}

}  // namespace

struct event_channel::connection {
  CURL* curl = nullptr;
  std::array<char, CURL_ERROR_SIZE> error{};  // libcurl writes here for as long as the handle lives
  std::string received;                       // bytes read; frames start at `consumed`
  std::size_t consumed = 0;                   // whole frames already taken from `received`
  std::string message;                        // a fragmented message's text so far
  bool in_message = false;                    // a text frame without FIN came: continuations may follow

  ~connection() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }

  curl_socket_t socket() const {
    curl_socket_t found = CURL_SOCKET_BAD;
    curl_easy_getinfo(curl, CURLINFO_ACTIVESOCKET, &found);
    return found;
  }

  bool wait_for(short events, int milliseconds) const {
    pollfd watched{static_cast<int>(socket()), events, 0};
    return poll(&watched, 1, milliseconds) > 0;
  }

  result<void> send_all(std::string_view bytes) {
    while (!bytes.empty()) {
      std::size_t sent = 0;
      const CURLcode code = curl_easy_send(curl, bytes.data(), bytes.size(), &sent);
      if (code == CURLE_AGAIN) {
        if (!wait_for(POLLOUT, 2000)) return failure{"the event channel stopped taking data"};
        continue;
      }
      if (code != CURLE_OK) return failure{std::string("the event channel broke: ") + curl_easy_strerror(code)};
      bytes.remove_prefix(sent);
    }
    return {};
  }

  // Reads what is there into `received`, waiting at most `milliseconds` for something.
  // False when nothing came in time.
  result<bool> read_some(int milliseconds) {
    std::array<char, 16384> chunk{};
    for (int round = 0; round < 2; ++round) {
      std::size_t got = 0;
      // TLS may hold decrypted bytes the socket no longer shows: ask libcurl before polling.
      const CURLcode code = curl_easy_recv(curl, chunk.data(), chunk.size(), &got);
      if (code == CURLE_OK) {
        if (got == 0) return failure{"the server closed the event channel's connection"};
        received.append(chunk.data(), got);
        return true;
      }
      if (code != CURLE_AGAIN) return failure{std::string("the event channel broke: ") + curl_easy_strerror(code)};
      if (round == 0 && !wait_for(POLLIN, milliseconds)) return false;
    }
    return false;
  }

  // A client frame: always masked (RFC 6455 5.3).
  result<void> send_frame(std::uint8_t code, std::string_view payload) {
    std::string frame;
    frame.push_back(static_cast<char>(0x80U | code));
    // We send only control frames (pong, close): at most 125 bytes (RFC 6455 5.5).
    payload = payload.substr(0, 125);
    frame.push_back(static_cast<char>(0x80U | payload.size()));
    std::array<unsigned char, 4> mask{};
    RAND_bytes(mask.data(), static_cast<int>(mask.size()));
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): bytes
    frame.append(reinterpret_cast<const char*>(mask.data()), mask.size());
    for (std::size_t i = 0; i < payload.size(); ++i) {
      frame.push_back(static_cast<char>(static_cast<unsigned char>(payload[i]) ^ mask[i % 4]));
    }
    return send_all(frame);
  }
};

event_channel::event_channel(std::unique_ptr<connection> open) : connection_(std::move(open)) {}

event_channel::~event_channel() {
  if (connection_) (void)connection_->send_frame(close, std::string_view("\x03\xe8", 2));  // 1000: normal closure
}

result<std::unique_ptr<event_channel>> event_channel::open(const store::stow_url& where, const std::string& url) {
  static std::once_flag started;
  std::call_once(started, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  auto link = std::make_unique<connection>();
  link->curl = curl_easy_init();
  CURLU* parts = curl_url();
  if (link->curl == nullptr || parts == nullptr) {
    if (parts != nullptr) curl_url_cleanup(parts);
    return failure{"cannot start libcurl"};
  }
  std::string path = "/";
  std::string host;
  if (curl_url_set(parts, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* value = nullptr;
    if (curl_url_get(parts, CURLUPART_PATH, &value, 0) == CURLUE_OK) path = value;
    curl_free(value);
    value = nullptr;
    if (curl_url_get(parts, CURLUPART_HOST, &value, 0) == CURLUE_OK) host = value;
    curl_free(value);
    value = nullptr;
    if (curl_url_get(parts, CURLUPART_PORT, &value, 0) == CURLUE_OK) host += std::string(":") + value;
    curl_free(value);
  }
  curl_url_cleanup(parts);
  if (host.empty()) return failure{"not an http(s) URL: " + url};

  curl_easy_setopt(link->curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(link->curl, CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(link->curl, CURLOPT_ERRORBUFFER, link->error.data());
  curl_easy_setopt(link->curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(link->curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(link->curl, CURLOPT_TCP_NODELAY, 1L);
  if (!where.ca_file.empty()) curl_easy_setopt(link->curl, CURLOPT_CAINFO, where.ca_file.c_str());
  if (const CURLcode code = curl_easy_perform(link->curl); code != CURLE_OK) {
    return failure{std::string("cannot open the event channel: ") +
                   (link->error[0] != '\0' ? link->error.data() : curl_easy_strerror(code))};
  }

  std::array<unsigned char, 16> nonce{};
  RAND_bytes(nonce.data(), static_cast<int>(nonce.size()));
  const std::string key = base64(nonce.data(), nonce.size());
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + host +
                        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                        "Sec-WebSocket-Key: " +
                        key + "\r\n";
  if (!where.bearer_token.empty()) request += "Authorization: Bearer " + where.bearer_token + "\r\n";
  request += "\r\n";
  if (auto sent = link->send_all(request); !sent) return sent.error();

  // The response head; bytes after it are already frames.
  std::size_t head_end = std::string::npos;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while ((head_end = link->received.find("\r\n\r\n")) == std::string::npos) {
    if (link->received.size() > max_handshake)
      return failure{"the server's answer to the WebSocket upgrade is too long"};
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return failure{"the server did not answer the WebSocket upgrade within 30 s"};
    auto got = link->read_some(static_cast<int>(left.count()));
    if (!got) return got.error();
  }
  const std::string head = link->received.substr(0, head_end + 2);
  link->received.erase(0, head_end + 4);
  const std::string status_line = head.substr(0, head.find("\r\n"));
  if (!status_line.starts_with("HTTP/1.1 101 ") && status_line != "HTTP/1.1 101") {
    return failure{"the server refused the event channel: " + status_line.substr(0, 200)};
  }
  if (lower(header_in(head, "upgrade")) != "websocket" ||
      lower(header_in(head, "connection")).find("upgrade") == std::string::npos) {
    return failure{"the server's answer to the WebSocket upgrade lacks Upgrade: websocket (RFC 6455 4.1)"};
  }
  if (header_in(head, "sec-websocket-accept") != expected_accept(key)) {
    return failure{"the server's WebSocket upgrade has a wrong Sec-WebSocket-Accept (RFC 6455 4.1)"};
  }
  return std::unique_ptr<event_channel>(new event_channel(std::move(link)));
}

result<std::optional<std::string>> event_channel::next(std::chrono::milliseconds wait) {
  if (!connection_) return failure{"the event channel is closed"};
  auto& link = *connection_;
  // A protocol error closes the channel (1002) with the reason (RFC 6455 7.1.7).
  const auto broken = [&](const std::string& why) -> result<std::optional<std::string>> {
    (void)link.send_frame(close, std::string_view("\x03\xea", 2));
    connection_.reset();
    return failure{"the server broke the WebSocket protocol: " + why};
  };
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    // Drop what whole frames used up, now and then rather than per frame.
    if (link.consumed > 65536 || link.consumed == link.received.size()) {
      link.received.erase(0, link.consumed);
      link.consumed = 0;
    }
    const std::string_view bytes = std::string_view(link.received).substr(link.consumed);
    if (bytes.size() >= 2) {
      const auto first = static_cast<std::uint8_t>(bytes[0]);
      const auto second = static_cast<std::uint8_t>(bytes[1]);
      if ((second & 0x80U) != 0) return broken("a masked frame (RFC 6455 5.1 forbids them from servers)");
      if ((first & 0x70U) != 0) return broken("a frame with reserved bits set");
      std::uint64_t length = second & 0x7FU;
      std::size_t header = 2;
      if (length == 126) {
        header = bytes.size() >= 4 ? 4 : 0;
        if (header != 0)
          length = (static_cast<std::uint64_t>(static_cast<std::uint8_t>(bytes[2])) << 8U) |
                   static_cast<std::uint8_t>(bytes[3]);
      } else if (length == 127) {
        header = bytes.size() >= 10 ? 10 : 0;
        if (header != 0) {
          length = 0;
          for (std::size_t i = 2; i < 10; ++i) length = (length << 8U) | static_cast<std::uint8_t>(bytes[i]);
        }
      }
      if (header != 0 && length > max_message) return broken("an event larger than 16 MiB");
      if (header != 0 && bytes.size() >= header + length) {
        const std::string payload(bytes.substr(header, length));
        link.consumed += header + length;
        const bool final_frame = (first & 0x80U) != 0;
        const std::uint8_t code = first & 0x0FU;
        if (code >= close) {  // control frames: short and whole (RFC 6455 5.5)
          if (length > 125 || !final_frame) return broken("a control frame longer than 125 bytes or fragmented");
        }
        if (code == ping) {
          if (auto sent = link.send_frame(pong, payload); !sent) return sent.error();
          continue;
        }
        if (code == pong) continue;
        if (code == close) {
          if (payload.size() == 1) return broken("a close frame of one byte");
          std::string why = "the server closed the event channel";
          if (payload.size() >= 2) {
            why += " (code " + std::to_string((static_cast<std::uint8_t>(payload[0]) << 8U) |
                                              static_cast<std::uint8_t>(payload[1]));
            if (payload.size() > 2) why += ": " + payload.substr(2, 123);
            why += ")";
          }
          (void)link.send_frame(close, payload.substr(0, 2));
          connection_.reset();
          return failure{why};
        }
        if (code == binary) return broken("a binary frame (PS3.18 event reports are text)");
        if (code != text && code != continuation) return broken("an unknown frame type");
        if (code == continuation && !link.in_message) return broken("a continuation frame with no message to continue");
        if (code == text && link.in_message) return broken("a new message before the last one ended");
        if (link.message.size() + payload.size() > max_message) return broken("an event larger than 16 MiB");
        link.message += payload;
        link.in_message = !final_frame;
        if (!final_frame) continue;
        std::optional<std::string> whole = std::move(link.message);
        link.message.clear();
        return whole;
      }
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::optional<std::string>{};
    auto got = link.read_some(static_cast<int>(left.count()));
    if (!got) {
      connection_.reset();
      return got.error();
    }
  }
}

}  // namespace dcmflow::worklist
