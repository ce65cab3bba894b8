#pragma once
// A value or the reason there is none. Items fail, runs rarely do: a bad input becomes a
// `failure` that travels with the item to the report, never an exception crossing stages.

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace dcmflow {

struct failure {
  std::string message;  // a sentence a user can act on; never patient data
};

// `Why` is `failure` but where the caller acts on the kind of failure (store::refusal).
template <class T, class Why = failure>
class [[nodiscard]] result {
 public:
  // NOLINTNEXTLINE(google-explicit-constructor): reads like a return value
  result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  result(Why why) : state_(std::in_place_index<1>, std::move(why)) {}  // NOLINT(google-explicit-constructor)
  // A plain failure, where the caller tells kinds of failure apart: Why's default kind.
  result(failure why)  // NOLINT(google-explicit-constructor)
      requires(!std::is_same_v<Why, failure>)
      : state_(std::in_place_index<1>, Why(std::move(why))) {}

  [[nodiscard]] bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  [[nodiscard]] T& value() & { return std::get<0>(state_); }
  [[nodiscard]] const T& value() const& { return std::get<0>(state_); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  [[nodiscard]] const Why& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Why> state_;
};

template <class Why>
class [[nodiscard]] result<void, Why> {
 public:
  result() = default;
  result(Why why) : error_(std::move(why)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  result(failure why)                                      // NOLINT(google-explicit-constructor)
      requires(!std::is_same_v<Why, failure>)
      : error_(std::move(why)), ok_(false) {}

  [[nodiscard]] bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  [[nodiscard]] const Why& error() const { return error_; }

 private:
  Why error_;
  bool ok_ = true;
};

}  // namespace dcmflow
