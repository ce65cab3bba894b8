#pragma once
// The UPS event channel of PS3.18 (11.11: a WebSocket at {root}/subscribers/{AE title}), as a
// minimal RFC 6455 client. Debian 12's libcurl (7.88) is built without WebSocket support, so
// libcurl only connects (CONNECT_ONLY: its TLS, CA file and timeouts) and the upgrade and
// framing are here. Server bytes are hostile: a message is at most 16 MiB, frames must be
// unmasked and well formed, and anything else closes the channel with a reason.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "store/stow_destination.hpp"

namespace dcmflow::worklist {

class event_channel {
 public:
  // Connects to `url` (http(s)://..., the channel's address) and upgrades to a WebSocket.
  [[nodiscard]] static result<std::unique_ptr<event_channel>> open(const store::stow_url& where,
                                                                   const std::string& url);
  ~event_channel();
  event_channel(const event_channel&) = delete;
  event_channel& operator=(const event_channel&) = delete;

  // The next text message, or nothing when none came within `wait`. Fails when the server
  // closed the channel, the connection dropped, or the server broke the protocol.
  [[nodiscard]] result<std::optional<std::string>> next(std::chrono::milliseconds wait);

 private:
  struct connection;
  explicit event_channel(std::unique_ptr<connection> open);
  std::unique_ptr<connection> connection_;
};

}  // namespace dcmflow::worklist
