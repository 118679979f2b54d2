// Writing a config back out: to_yaml (block sections, flow lists, strings double-quoted,
// doubles in their shortest exact form), the key list and the docs table (with each key's
// rule), and enum names. Parsing is in config_load.cpp, validation in config_validate.cpp.
#include "train/config.h"

#include "train/config_schema.h"

namespace minnow {

using config_detail::enum_name;
using config_detail::ValueTraits;

std::string_view to_string(DataFormat value) { return enum_name(value); }
std::string_view to_string(Cifar100Label value) { return enum_name(value); }
std::string_view to_string(BadImagePolicy value) { return enum_name(value); }
std::string_view to_string(OptimizerKind value) { return enum_name(value); }
std::string_view to_string(ScheduleKind value) { return enum_name(value); }
std::string_view to_string(LrScaling value) { return enum_name(value); }
std::string_view to_string(Precision value) { return enum_name(value); }
DType compute_type(Precision value) { return value == Precision::bf16 ? DType::bf16 : DType::f32; }

std::string to_yaml(const Config& config) {
  std::string out;
  std::vector<std::string_view> open;  // the sections the previous key sat in
  config_detail::visit_config(config, [&](std::string_view key, const auto& member, std::string_view, const auto&) {
    std::vector<std::string_view> parts;
    for (size_t begin = 0;;) {
      const size_t dot = key.find('.', begin);
      parts.push_back(key.substr(begin, dot - begin));
      if (dot == std::string_view::npos) break;
      begin = dot + 1;
    }
    size_t shared = 0;
    while (shared < open.size() && shared + 1 < parts.size() && open[shared] == parts[shared]) ++shared;
    open.resize(shared);
    for (; open.size() + 1 < parts.size(); open.push_back(parts[open.size()]))
      out.append(2 * open.size(), ' ').append(parts[open.size()]).append(":\n");
    using T = std::decay_t<decltype(member)>;
    out.append(2 * open.size(), ' ').append(parts.back()).append(": ").append(ValueTraits<T>::format(member));
    out += '\n';
  });
  return out;
}

std::vector<std::string> config_keys() {
  std::vector<std::string> keys;
  const Config defaults;
  config_detail::visit_config(defaults, [&](std::string_view key, const auto&, std::string_view, const auto&) {
    keys.emplace_back(key);
  });
  return keys;
}

std::string config_reference_markdown() {
  // Table cells may not hold a bare '|'.
  auto cell = [](const std::string& text) {
    std::string escaped;
    for (const char c : text) escaped.append(c == '|' ? "\\|" : std::string_view(&c, 1));
    return escaped;
  };
  std::string out = "| key | type | default | allowed | meaning |\n|---|---|---|---|---|\n";
  const Config defaults;
  config_detail::visit_config(defaults, [&](std::string_view key, const auto& member, std::string_view doc,
                                            const auto& rule) {
    using T = std::decay_t<decltype(member)>;
    out.append("| `").append(key).append("` | ").append(cell(ValueTraits<T>::type_name()));
    out.append(" | `").append(cell(ValueTraits<T>::format(member))).append("` | ");
    out.append(rule.expected == "any value" ? "" : cell(rule.expected)).append(" | ").append(cell(std::string(doc)));
    out.append(" |\n");
  });
  return out;
}

}  // namespace minnow
