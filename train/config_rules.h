// The constraint each config key carries in the schema (config_schema.h): a predicate on
// the bound value and the words for what it expects ("> 0", "a value in [0, 1)"), which
// the validation walk puts in "<where>: <key>: expected <words>, got <value>". Checks
// that relate two keys are not rules; they live in config_validate.cpp. Internal to train/.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

namespace minnow::config_detail {

template <class Predicate>
struct Rule {
  Predicate ok;
  std::string expected;
};

template <class Predicate>
Rule<Predicate> rule(std::string expected, Predicate ok) {
  return {std::move(ok), std::move(expected)};
}

// No constraint beyond the type.
inline auto any() {
  return rule("any value", [](const auto&) { return true; });
}

inline auto positive() {
  return rule("> 0", [](auto v) { return v > 0; });
}

inline auto non_negative() {
  return rule(">= 0", [](auto v) { return v >= 0; });
}

// [0, 1)
inline auto fraction() {
  return rule("a value in [0, 1)", [](double v) { return v >= 0 && v < 1; });
}

// An interval of doubles with open or closed ends, described as "a value in (0, 1]".
inline auto interval(double low, bool low_open, double high, bool high_open, std::string words) {
  return rule("a value in " + std::move(words), [=](double v) {
    return (low_open ? v > low : v >= low) && (high_open ? v < high : v <= high);
  });
}

inline auto at_least(long long low) {
  return rule(">= " + std::to_string(low), [low](auto v) { return v >= low; });
}

// Integers from low to high, inclusive.
inline auto between(long long low, long long high) {
  return rule(std::to_string(low) + " to " + std::to_string(high), [=](auto v) { return v >= low && v <= high; });
}

// A string or list that must not be empty.
inline auto required(std::string expected) {
  return rule(std::move(expected), [](const auto& v) { return !v.empty(); });
}

// Every entry of a list satisfies inner; a failure names the first entry that does not.
template <class Inner>
struct Each {
  Inner entry_ok;
  std::string expected;

  bool ok(const auto& values) const { return !first_bad(values); }
  template <class List>
  std::optional<size_t> first_bad(const List& values) const {
    for (size_t i = 0; i < values.size(); ++i)
      if (!entry_ok(values[i])) return i;
    return std::nullopt;
  }
};

template <class Inner>
Each<Inner> each(Rule<Inner> inner) {
  return {std::move(inner.ok), std::move(inner.expected)};
}

// Unset, or set and satisfying inner.
template <class Inner>
auto unset_or(Rule<Inner> inner, std::string expected) {
  return rule(std::move(expected), [ok = std::move(inner.ok)](const auto& value) { return !value || ok(*value); });
}

}  // namespace minnow::config_detail
