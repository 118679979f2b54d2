// How each config member type reads and writes as YAML: its enum names, the docs name of
// its type and its YAML text (ValueTraits), and the number and string formats to_yaml()
// uses. The key list itself is config_schema.h. Internal to train/.
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/error.h"
#include "data/transform.h"
#include "train/config.h"

namespace minnow::config_detail {

template <class E>
struct EnumNames;

#define MINNOW_ENUM_NAMES(Type, ...)                                                 \
  template <>                                                                        \
  struct EnumNames<Type> {                                                           \
    static constexpr std::pair<Type, std::string_view> values[] = {__VA_ARGS__};     \
  }
MINNOW_ENUM_NAMES(DataFormat, {DataFormat::cifar10, "cifar10"}, {DataFormat::cifar100, "cifar100"},
                  {DataFormat::idx, "idx"}, {DataFormat::folder, "folder"});
MINNOW_ENUM_NAMES(Cifar100Label, {Cifar100Label::fine, "fine"}, {Cifar100Label::coarse, "coarse"});
MINNOW_ENUM_NAMES(BadImagePolicy, {BadImagePolicy::error, "error"}, {BadImagePolicy::skip, "skip"});
MINNOW_ENUM_NAMES(OptimizerKind, {OptimizerKind::sgd, "sgd"}, {OptimizerKind::adamw, "adamw"});
MINNOW_ENUM_NAMES(ScheduleKind, {ScheduleKind::constant, "constant"}, {ScheduleKind::step, "step"},
                  {ScheduleKind::multistep, "multistep"}, {ScheduleKind::cosine, "cosine"},
                  {ScheduleKind::onecycle, "onecycle"});
MINNOW_ENUM_NAMES(LrScaling, {LrScaling::none, "none"}, {LrScaling::linear, "linear"}, {LrScaling::sqrt, "sqrt"});
MINNOW_ENUM_NAMES(Precision, {Precision::f32, "f32"}, {Precision::bf16, "bf16"});
MINNOW_ENUM_NAMES(PruneMethod, {PruneMethod::magnitude, "magnitude"});
MINNOW_ENUM_NAMES(PruneScope, {PruneScope::global, "global"}, {PruneScope::layer, "layer"});
#undef MINNOW_ENUM_NAMES

template <class E>
std::string_view enum_name(E value) {
  for (const auto& [e, name] : EnumNames<E>::values) {
    if (e == value) return name;
  }
  return "?";
}

// Shortest text that reads back to the same double (or float), in a form every YAML reader
// takes for a float: "0.0005", "1.0", "1.0e-08" (YAML 1.1 wants a '.' in the mantissa).
template <class T>
std::string format_number(T value) {
  char buffer[400];
  const T magnitude = value < 0 ? -value : value;
  const bool fixed = magnitude == 0 || (magnitude >= T(1e-4) && magnitude < T(1e16));
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value,
                                    fixed ? std::chars_format::fixed : std::chars_format::scientific);
  std::string text(buffer, result.ptr);
  const size_t exponent = text.find('e');
  if (text.find('.') == std::string::npos) text.insert(exponent == std::string::npos ? text.size() : exponent, ".0");
  return text;
}
inline std::string format_double(double value) { return format_number(value); }

// A YAML double-quoted scalar.
// Backslashes and quotes are escaped first, then printable() writes control characters
// as YAML escapes (\n, \xNN).
inline std::string quote(std::string_view text) {
  std::string body;
  for (const char c : text) {
    if (c == '"' || c == '\\') body += '\\';
    body += c;
  }
  std::string out = "\"";
  out += printable(body);
  return out += '"';
}

template <class T>
struct ValueTraits;

template <>
struct ValueTraits<std::string> {
  static std::string type_name() { return "string"; }
  static std::string format(const std::string& v) { return quote(v); }
};
template <>
struct ValueTraits<double> {
  static std::string type_name() { return "float"; }
  static std::string format(double v) { return format_double(v); }
};
template <>
struct ValueTraits<float> {
  static std::string type_name() { return "float"; }
  static std::string format(float v) { return format_number(v); }
};
template <>
struct ValueTraits<bool> {
  static std::string type_name() { return "bool"; }
  static std::string format(bool v) { return v ? "true" : "false"; }
};
template <class T>
  requires std::is_integral_v<T>
struct ValueTraits<T> {
  static std::string type_name() { return "int"; }
  static std::string format(T v) { return std::to_string(v); }
};
template <class T>
  requires std::is_enum_v<T>
struct ValueTraits<T> {
  static std::string type_name() {
    std::string names;
    for (const auto& [e, name] : EnumNames<T>::values) names.append(names.empty() ? "" : " | ").append(name);
    return names;
  }
  static std::string format(T v) { return std::string(enum_name(v)); }
};

template <class T>
struct ValueTraits<std::optional<T>> {
  static std::string type_name() { return ValueTraits<T>::type_name() + " or null"; }
  static std::string format(const std::optional<T>& v) { return v ? ValueTraits<T>::format(*v) : "null"; }
};

template <class Items>
std::string format_list(const Items& items) {
  using Item = std::decay_t<decltype(*std::begin(items))>;
  std::string text = "[";
  for (const auto& item : items) text.append(text.size() > 1 ? ", " : "").append(ValueTraits<Item>::format(item));
  return text + "]";
}

template <class T>
struct ValueTraits<std::vector<T>> {
  static std::string type_name() { return "list of " + ValueTraits<T>::type_name(); }
  static std::string format(const std::vector<T>& v) { return format_list(v); }
};
template <class T, size_t N>
struct ValueTraits<std::array<T, N>> {
  static std::string type_name() {
    std::string text = "[";
    for (size_t i = 0; i < N; ++i) text.append(i ? ", " : "").append(ValueTraits<T>::type_name());
    return text + "]";
  }
  static std::string format(const std::array<T, N>& v) { return format_list(v); }
};

}  // namespace minnow::config_detail
