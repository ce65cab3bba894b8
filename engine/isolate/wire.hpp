#pragma once
// The bytes between dcmflow and its decode helpers: a message is a small header (numbers
// and text, written field by field) followed by a payload of pixels, each with its length
// in front. Both ends are this build on this machine: integers go in native order.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

namespace dcmflow::isolate {

class wire_writer {
 public:
  template <class T>
  requires std::is_arithmetic_v<T> || std::is_enum_v<T>
  void put(T value) {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the value's own bytes
    bytes_.append(reinterpret_cast<const char*>(&value), sizeof value);
  }
  void put_text(std::string_view text) {
    put<std::uint64_t>(text.size());
    bytes_.append(text);
  }
  [[nodiscard]] const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

// Reads what a wire_writer wrote; every read past the end leaves the reader failed (ok()
// false) and returns zeros, so a caller checks once at the end.
class wire_reader {
 public:
  explicit wire_reader(std::string_view bytes) : bytes_(bytes) {}
  template <class T>
  requires std::is_arithmetic_v<T> || std::is_enum_v<T> T get() {
    if constexpr (std::is_same_v<T, bool>) {
      return get<std::uint8_t>() != 0;  // any other byte in a bool is undefined behaviour
    }
    T value{};
    if (bytes_.size() - at_ < sizeof value) {
      failed_ = true;
      return value;
    }
    std::memcpy(&value, bytes_.data() + at_, sizeof value);
    at_ += sizeof value;
    return value;
  }
  std::string get_text() {
    const auto size = get<std::uint64_t>();
    if (failed_ || bytes_.size() - at_ < size) {
      failed_ = true;
      return {};
    }
    std::string text(bytes_.substr(at_, size));
    at_ += size;
    return text;
  }
  [[nodiscard]] bool failed() const { return failed_; }
  // Nothing failed and every byte was read.
  [[nodiscard]] bool ok() const { return !failed_ && at_ == bytes_.size(); }

 private:
  std::string_view bytes_;
  std::size_t at_ = 0;
  bool failed_ = false;
};

}  // namespace dcmflow::isolate
