#include "store/stow_destination.hpp"

#include "store/http_exchange.hpp"
#include "store/stow_response.hpp"
#include "store/url_options.hpp"

#include <curl/curl.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <vector>

namespace dcmflow::store {
namespace {

using namespace std::chrono_literals;

// A partly filled batch is sent after this wait: long enough for the store stage's other
// threads to join it when items come fast, short enough not to hold back a trickle.
constexpr auto batch_wait = 100ms;

std::size_t parse_count(std::string_view text, std::size_t low, std::size_t high, bool& ok) {
  std::size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  ok = ok && error == std::errc() && end == text.data() + text.size() && value >= low && value <= high;
  return value;
}

}  // namespace

struct stow_destination::batch {
  std::vector<const outgoing_instance*> objects;  // valid while their callers wait
  std::vector<std::optional<store_result>> outcomes;
  std::chrono::steady_clock::time_point opened = std::chrono::steady_clock::now();
  bool taken = false;  // a sender has it
  bool done = false;
};

struct stow_destination::state {
  std::mutex mutex;
  std::condition_variable changed;
  std::shared_ptr<batch> open;
  std::size_t sequence = 0;  // distinguishes multipart boundaries
};

result<stow_url> parse_stow_url(const std::string& url) {
  const auto bad = [&](const std::string& why) { return failure{redacted_url(url) + ": " + why}; };
  stow_url parsed;
  const auto query_at = url.find('?');
  parsed.root = url.substr(0, query_at);
  while (parsed.root.ends_with('/')) parsed.root.pop_back();
  if (parsed.root.find("://") + 3 >= parsed.root.size()) return bad("expected http(s)://host[:port]/PATH");
  const std::string_view query =
      query_at == std::string::npos ? std::string_view() : std::string_view(url).substr(query_at + 1);
  bool ok = true;
  for (const auto& [key, value] : url_options(query)) {
    if (key == "batch") {
      parsed.batch = parse_count(value, 1, 1000, ok);
    } else if (key == "in_flight") {
      parsed.in_flight = parse_count(value, 1, 64, ok);
    } else if (key == "timeout_s") {
      parsed.timeout_s = static_cast<int>(parse_count(value, 1, 3600, ok));
    } else if (key == "max_attempts") {
      parsed.max_attempts = static_cast<int>(parse_count(value, 1, 100, ok));
    } else if (key == "ca") {
      parsed.ca_file = std::string(value);
    } else if (key == "allow_insecure") {
      parsed.allow_insecure = parse_count(value, 0, 1, ok) == 1;
    } else if (key == "bearer_token_env") {
      const char* token = std::getenv(std::string(value).c_str());
      if (token == nullptr || *token == '\0') return bad("bearer_token_env: " + std::string(value) + " is not set");
      parsed.bearer_token = token;
    } else {
      return bad("unknown option '" + std::string(key) +
                 "' (batch, in_flight, timeout_s, max_attempts, ca, bearer_token_env, allow_insecure)");
    }
    if (!ok) return bad("option '" + std::string(key) + "' is out of range");
  }
  // Basic credentials and tokens over plain HTTP travel readable by anyone on the way.
  const bool credentials = redacted_url(parsed.root) != parsed.root || !parsed.bearer_token.empty();
  if (credentials && parsed.root.starts_with("http://") && !parsed.allow_insecure) {
    return bad("credentials would travel unencrypted over http://: use https://, or add allow_insecure=1");
  }
  return parsed;
}

stow_destination::stow_destination(stow_url where, const std::string& url)
    : where_(std::move(where)), url_(redacted_url(url)), state_(std::make_unique<state>()) {}

stow_destination::~stow_destination() = default;

void stow_destination::send(batch& full) {
  full.outcomes.assign(full.objects.size(), std::nullopt);
  std::vector<std::size_t> all(full.objects.size());
  for (std::size_t index = 0; index < all.size(); ++index) all[index] = index;
  send_part(full, std::move(all));
}

// Each pending instance as the response judged it: stored, refused for good, or pending
// again (out of resources, or not named); the ones to send again come back.
std::vector<std::size_t> stow_destination::take_verdicts(batch& full, const std::vector<std::size_t>& pending,
                                                         const stow_verdicts& verdicts, long http_status, int attempt,
                                                         std::string& why) const {
  std::vector<std::size_t> again;
  for (const std::size_t index : pending) {
    const stow_failure* failure = nullptr;
    switch (verdict_for(verdicts, full.objects[index]->sop_instance_uid, &failure)) {
      case instance_verdict::stored: {
        delivery done;
        if (attempt > 1) done.notes.push_back(url_ + ": stored at attempt " + std::to_string(attempt));
        full.outcomes[index] = done;
        break;
      }
      case instance_verdict::refused:
        full.outcomes[index] =
            refusal{refusal_kind::instance, "STOW-RS to " + url_ + " refused the instance: " + failure->text};
        break;
      case instance_verdict::out_of_resources:
        why = "STOW-RS to " + url_ + ": the server is out of resources (" + failure->text + ")";
        again.push_back(index);
        break;
      case instance_verdict::unconfirmed:
        why = "STOW-RS to " + url_ + ": HTTP " + std::to_string(http_status) +
              ", but the response does not confirm the instance";
        again.push_back(index);
        break;
    }
  }
  return again;
}

// A store is what the server confirmed: an instance counts as stored only when the
// response's Referenced SOP Sequence names it. One the response does not name, or refuses
// with A7xx (Out of Resources), goes again with the next attempt; other Failure Reasons are
// final. 413 (too large) halves the request, down to one instance.
void stow_destination::send_part(batch& full, std::vector<std::size_t> pending) {
  std::string why;
  thread_local std::minstd_rand jitter(std::random_device{}());
  for (int attempt = 1; attempt <= where_.max_attempts && !pending.empty(); ++attempt) {
    std::string boundary;
    {
      const std::lock_guard lock(state_->mutex);
      // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): an id
      boundary = "dcmflow-" + std::to_string(reinterpret_cast<std::uintptr_t>(&full)) + "-" +
                 std::to_string(++state_->sequence);
    }
    std::string body;
    std::size_t size = 0;
    for (const std::size_t index : pending) size += full.objects[index]->part10.size() + 128;
    body.reserve(size);
    for (const std::size_t index : pending) {
      body += "--" + boundary + "\r\nContent-Type: application/dicom\r\n\r\n";
      body += full.objects[index]->part10;
      body += "\r\n";
    }
    body += "--" + boundary + "--\r\n";
    const std::string type = "multipart/related; type=\"application/dicom\"; boundary=" + boundary;

    const http_response got = http_exchange(where_, where_.root + "/studies", "application/dicom+json", &body, type);
    // Spaced exponentially, each pause drawn from half to all of its span: senders that
    // failed together do not come back together.
    const int span = std::min(10000, 200 << std::min(attempt - 1, 6));
    std::chrono::milliseconds pause(std::uniform_int_distribution<int>(span / 2, span)(jitter));
    if (got.transport != CURLE_OK) {
      why = "STOW-RS to " + url_ + " broke off: " + got.transport_error;
    } else {
      switch (meaning_of_status(got.status, pending.size())) {
        case stow_status_meaning::halve: {
          const auto half = pending.begin() + static_cast<std::ptrdiff_t>(pending.size() / 2);
          send_part(full, std::vector<std::size_t>(pending.begin(), half));
          send_part(full, std::vector<std::size_t>(half, pending.end()));
          return;
        }
        case stow_status_meaning::try_again:
          why = "STOW-RS to " + url_ + ": HTTP " + std::to_string(got.status);
          if (got.retry_after_s) pause = std::chrono::seconds(*got.retry_after_s);
          break;
        case stow_status_meaning::verdicts:
          pending = take_verdicts(full, pending, read_stow_verdicts(got.body), got.status, attempt, why);
          if (pending.empty()) return;
          break;
        case stow_status_meaning::refuses_us:
        case stow_status_meaning::refuses_request: {
          // Sending it again would not help. 401/403 (who we are), 404 (no STOW-RS at this
          // URL) and 415 (no application/dicom) hold for every instance: the server refuses
          // us. The rest refuse this request.
          std::string excerpt = got.body.substr(0, 200);
          std::replace(excerpt.begin(), excerpt.end(), '\n', ' ');
          const bool refuses_us = meaning_of_status(got.status, pending.size()) == stow_status_meaning::refuses_us;
          const std::string hint = got.status == 401 || got.status == 403 ? " (check the credentials or token)"
                                   : got.status == 404                    ? " (no STOW-RS service at this URL)"
                                                                          : "";
          for (const std::size_t index : pending) {
            full.outcomes[index] = refusal{refuses_us ? refusal_kind::permanent : refusal_kind::instance,
                                           "STOW-RS to " + url_ + ": HTTP " + std::to_string(got.status) + hint +
                                               (excerpt.empty() ? "" : ": " + excerpt)};
          }
          return;
        }
      }
    }
    if (attempt < where_.max_attempts) std::this_thread::sleep_for(pause);
  }
  for (const std::size_t index : pending) {
    full.outcomes[index] =
        refusal{refusal_kind::transient, why + " (after " + std::to_string(where_.max_attempts) + " attempts)"};
  }
}

store_result stow_destination::store(const outgoing_instance& object) {
  std::unique_lock lock(state_->mutex);
  if (!state_->open) state_->open = std::make_shared<batch>();
  const std::shared_ptr<batch> mine = state_->open;
  const std::size_t index = mine->objects.size();
  mine->objects.push_back(&object);
  const auto take_and_send = [&] {
    mine->taken = true;
    if (state_->open == mine) state_->open.reset();
    lock.unlock();
    try {
      send(*mine);
    } catch (const std::exception& error) {
      // Every caller of this batch is waiting for it: each gets the failure, none waits forever.
      for (auto& outcome : mine->outcomes) {
        if (!outcome)
          outcome = refusal{refusal_kind::instance, std::string("STOW-RS: internal error: ") + error.what()};
      }
    } catch (...) {
      for (auto& outcome : mine->outcomes) {
        if (!outcome) outcome = refusal{refusal_kind::instance, "STOW-RS: internal error"};
      }
    }
    lock.lock();
    mine->done = true;
    state_->changed.notify_all();
  };
  if (mine->objects.size() >= where_.batch) take_and_send();
  while (!mine->done) {
    if (!mine->taken && std::chrono::steady_clock::now() - mine->opened >= batch_wait) {
      take_and_send();
      break;
    }
    state_->changed.wait_for(lock, batch_wait / 4);
  }
  if (index >= mine->outcomes.size() || !mine->outcomes[index])
    return failure{"STOW-RS: the batch ended without a verdict"};
  return std::move(*mine->outcomes[index]);
}

std::optional<refusal> stow_destination::probe() {
  const http_response got =
      http_exchange(where_, where_.root + "/studies?limit=1", "application/dicom+json", nullptr, {});
  if (got.transport != CURLE_OK) {
    // A certificate or host name the CA does not vouch for will not change by waiting.
    const bool certificate =
        got.transport == CURLE_PEER_FAILED_VERIFICATION || got.transport == CURLE_SSL_CACERT_BADFILE;
    return refusal{certificate ? refusal_kind::permanent : refusal_kind::transient,
                   "QIDO-RS to " + url_ + " failed: " + got.transport_error};
  }
  if (got.status == 200 || got.status == 204) return std::nullopt;
  const bool refuses_us = got.status == 401 || got.status == 403;
  return refusal{refuses_us ? refusal_kind::permanent : refusal_kind::transient,
                 "QIDO-RS to " + url_ + ": HTTP " + std::to_string(got.status)};
}

result<std::set<std::string>> stow_destination::held_instances(const std::string& study_instance_uid,
                                                               const std::string& series_instance_uid) {
  const std::string target =
      where_.root + "/studies/" + study_instance_uid + "/series/" + series_instance_uid + "/instances";
  std::string why;
  for (int attempt = 1; attempt <= where_.max_attempts; ++attempt) {
    const http_response got = http_exchange(where_, target, "application/dicom+json", nullptr, {});
    if (got.transport == CURLE_OK && (got.status == 204 || got.status == 404)) return std::set<std::string>();
    if (got.transport == CURLE_OK && got.status == 200) {
      std::set<std::string> held;
      const nlohmann::json document = nlohmann::json::parse(got.body, nullptr, false);
      if (!document.is_array()) return failure{"QIDO-RS to " + url_ + ": the answer is not a DICOM JSON array"};
      for (const auto& item : document) {
        if (const std::string uid = first_value_text(item, "00080018"); !uid.empty()) held.insert(uid);
      }
      return held;
    }
    why = got.transport != CURLE_OK ? "QIDO-RS to " + url_ + " broke off: " + got.transport_error
                                    : "QIDO-RS to " + url_ + ": HTTP " + std::to_string(got.status);
    if (got.transport == CURLE_OK && got.status < 500 && got.status != 429) return failure{why};
    if (attempt < where_.max_attempts) std::this_thread::sleep_for(std::chrono::milliseconds(200 << (attempt - 1)));
  }
  return failure{why};
}

}  // namespace dcmflow::store
