#pragma once
// A value or the reason there is none. Items fail, runs rarely do: a bad input becomes a
// `failure` that travels with the item to the report, never an exception crossing stages.

#include <string>
#include <utility>
#include <variant>

namespace dcmflow {

struct failure {
  std::string message;  // a sentence a user can act on; never patient data
};

template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT(google-explicit-constructor): reads like a return value
  result(failure why) : state_(std::in_place_index<1>, std::move(why)) {}    // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  [[nodiscard]] T& value() & { return std::get<0>(state_); }
  [[nodiscard]] const T& value() const& { return std::get<0>(state_); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  [[nodiscard]] const failure& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, failure> state_;
};

template <>
class [[nodiscard]] result<void> {
 public:
  result() = default;
  result(failure why) : error_(std::move(why)), ok_(false) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  [[nodiscard]] const failure& error() const { return error_; }

 private:
  failure error_;
  bool ok_ = true;
};

}  // namespace dcmflow
