// Loading a config: YAML text -> tree, `--set` overrides applied to the tree, then every
// node bound to its Config member by the key list in config_schema.h. Unknown keys, wrong
// types and duplicate keys stop with one line: where, key path, expected, received.
// The only file that sees yaml-cpp; validation is in config_validate.cpp.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"
#include "train/config.h"
#include "train/config_schema.h"

namespace minnow {
namespace {

using config_detail::ValueTraits;

// A node as the user wrote it, control characters escaped and shortened to keep the
// message on one line.
std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing (null)";
  std::string text;
  if (node.IsScalar()) {
    text = "'" + printable(node.Scalar()) + "'";
    if (node.Tag() == "!") text += " (a quoted string)";
  } else {
    YAML::Emitter out;
    out << YAML::Flow << node;
    text = printable(out.c_str());
  }
  constexpr size_t kMax = 80;
  return text.size() > kMax ? text.substr(0, kMax) + "..." : text;
}

struct Site {
  std::string where;  // "run.yaml:12" or "--set a.b=c"
  std::string key;    // "optimizer.betas[1]"
};

[[noreturn]] void fail_type(const Site& site, const std::string& expected, const YAML::Node& node) {
  MINNOW_FAIL(site.where, ": ", site.key, ": expected ", expected, ", got ", describe(node));
}

// A plain (unquoted) scalar, as numbers, bools and enum names must be.
const std::string& plain_scalar(const YAML::Node& node, const Site& site, const std::string& expected) {
  if (!node.IsScalar() || node.Tag() == "!") fail_type(site, expected, node);
  return node.Scalar();
}

template <class T>
T decode(const YAML::Node& node, const Site& site);

template <class T>
T decode_integer(const YAML::Node& node, const Site& site) {
  const std::string expected = "an integer";
  const std::string& text = plain_scalar(node, site, expected);
  const size_t skip = !text.empty() && text[0] == '+';
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data() + skip, text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) fail_type(site, expected, node);
  MINNOW_CHECK(value >= std::numeric_limits<T>::min() && value <= std::numeric_limits<T>::max(), site.where, ": ",
               site.key, ": expected an integer in [", std::numeric_limits<T>::min(), ", ",
               std::numeric_limits<T>::max(), "], got ", describe(node));
  return static_cast<T>(value);
}

template <class T>
T decode_enum(const YAML::Node& node, const Site& site) {
  const std::string expected = "one of " + ValueTraits<T>::type_name();
  const std::string& text = plain_scalar(node, site, expected);
  for (const auto& [value, name] : config_detail::EnumNames<T>::values) {
    if (text == name) return value;
  }
  fail_type(site, expected, node);
}

template <>
std::string decode<std::string>(const YAML::Node& node, const Site& site) {
  if (node.IsNull()) return "";
  if (!node.IsScalar()) fail_type(site, "a string", node);
  return node.Scalar();
}

template <class T>
T decode_floating(const YAML::Node& node, const Site& site) {
  const std::string expected = "a number";
  const std::string& text = plain_scalar(node, site, expected);
  const size_t skip = !text.empty() && text[0] == '+';
  T value = 0;
  const auto [end, ec] = std::from_chars(text.data() + skip, text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) fail_type(site, expected, node);
  if (!std::isfinite(value)) fail_type(site, "a finite number", node);
  return value;
}

template <>
bool decode<bool>(const YAML::Node& node, const Site& site) {
  const std::string expected = "true or false";
  const std::string& text = plain_scalar(node, site, expected);
  for (const char* word : {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"}) {
    if (text == word) return true;
  }
  for (const char* word : {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"}) {
    if (text == word) return false;
  }
  fail_type(site, expected, node);
}

template <class T>
struct Decoder {
  static T run(const YAML::Node& node, const Site& site) {
    if constexpr (std::is_enum_v<T>) {
      return decode_enum<T>(node, site);
    } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      return decode_integer<T>(node, site);
    } else if constexpr (std::is_floating_point_v<T>) {
      return decode_floating<T>(node, site);
    } else {
      return decode<T>(node, site);
    }
  }
};

Site element_site(const Site& site, size_t i) {
  return {site.where, site.key + "[" + std::to_string(i) + "]"};
}

template <class T>
struct Decoder<std::vector<T>> {
  static std::vector<T> run(const YAML::Node& node, const Site& site) {
    if (node.IsNull()) return {};
    // A single path or name may be written without brackets.
    if constexpr (std::is_same_v<T, std::string>) {
      if (node.IsScalar()) return {node.Scalar()};
    }
    if (!node.IsSequence()) fail_type(site, ValueTraits<std::vector<T>>::type_name(), node);
    std::vector<T> values;
    for (size_t i = 0; i < node.size(); ++i) values.push_back(Decoder<T>::run(node[i], element_site(site, i)));
    return values;
  }
};

template <class T>
struct Decoder<std::optional<T>> {
  static std::optional<T> run(const YAML::Node& node, const Site& site) {
    if (node.IsNull()) return std::nullopt;
    return Decoder<T>::run(node, site);
  }
};

template <class T, size_t N>
struct Decoder<std::array<T, N>> {
  static std::array<T, N> run(const YAML::Node& node, const Site& site) {
    if (!node.IsSequence() || node.size() != N) fail_type(site, ValueTraits<std::array<T, N>>::type_name(), node);
    std::array<T, N> values{};
    for (size_t i = 0; i < N; ++i) values[i] = Decoder<T>::run(node[i], element_site(site, i));
    return values;
  }
};

// Edit distance with adjacent transpositions (optimal string alignment).
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::string_view last_part(std::string_view key) { return key.substr(key.rfind('.') + 1); }

// Binds a YAML tree onto a Config through the key list, remembering where each key came from.
class Binder {
 public:
  Binder(Config& config, std::string source, std::map<std::string, std::string> overrides)
      : source_(std::move(source)), overrides_(std::move(overrides)) {
    config_detail::visit_config(config, [this](std::string_view key, auto& member, std::string_view, const auto&) {
      using T = std::decay_t<decltype(member)>;
      leaves_.emplace(std::string(key), [&member](const YAML::Node& node, const Site& site) {
        member = Decoder<T>::run(node, site);
      });
      for (size_t dot = key.find('.'); dot != std::string_view::npos; dot = key.find('.', dot + 1))
        sections_.emplace(key.substr(0, dot));
      types_.emplace(std::string(key), ValueTraits<T>::type_name());
    });
  }

  void bind(const YAML::Node& root) {
    MINNOW_CHECK(root.IsNull() || root.IsMap(), source_, ": expected a mapping of config keys at the top level, got ",
                 describe(root));
    if (root.IsMap()) bind_section(root, "");
  }

  // Where a key was set: "file:line", the --set argument, or just the file for defaults.
  std::string origin(std::string_view key) const {
    const auto it = seen_.find(key);
    return it == seen_.end() ? source_ : it->second;
  }

 private:
  std::string where(const std::string& key, const YAML::Node& key_node) const {
    for (std::string prefix = key;; prefix.resize(prefix.rfind('.'))) {
      if (const auto it = overrides_.find(prefix); it != overrides_.end()) return it->second;
      if (prefix.find('.') == std::string::npos) break;
    }
    const YAML::Mark mark = key_node.Mark();
    if (!mark.is_null()) return source_ + ":" + std::to_string(mark.line + 1);
    // A section that only an override created.
    const auto below = overrides_.lower_bound(key + ".");
    if (below != overrides_.end() && below->first.starts_with(key + ".")) return below->second;
    return source_;
  }

  void bind_section(const YAML::Node& node, const std::string& prefix) {
    std::set<std::string> keys;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string name = it->first.IsScalar() ? it->first.Scalar() : describe(it->first);
      const std::string key = prefix.empty() ? printable(name) : prefix + "." + printable(name);
      const std::string at = where(key, it->first);
      MINNOW_CHECK(keys.insert(name).second, at, ": duplicate key '", key, "'; expected each key once");
      seen_[key] = at;
      if (const auto leaf = leaves_.find(key); leaf != leaves_.end()) {
        leaf->second(it->second, {at, key});
      } else if (sections_.count(key) != 0) {
        MINNOW_CHECK(it->second.IsNull() || it->second.IsMap(), at, ": ", key,
                     ": expected a section (a mapping of keys), got ", describe(it->second));
        if (it->second.IsMap()) bind_section(it->second, key);
      } else {
        fail_unknown(at, key, it->second);
      }
    }
  }

  [[noreturn]] void fail_unknown(const std::string& at, const std::string& key, const YAML::Node& value) const {
    std::string best;
    std::pair<size_t, size_t> best_score{std::numeric_limits<size_t>::max(), 0};
    auto consider = [&](const std::string& candidate) {
      // A key moved to the wrong section counts as one edit; ties go to the closer spelling.
      const size_t distance = edit_distance(key, candidate);
      const std::pair<size_t, size_t> score{last_part(candidate) == last_part(key) ? 1 : distance, distance};
      if (score < best_score) best = candidate, best_score = score;
    };
    for (const auto& [candidate, bind] : leaves_) consider(candidate);
    for (const auto& candidate : sections_) consider(candidate);
    const auto type = types_.find(best);
    MINNOW_FAIL(at, ": unknown key '", key, "' (value ", describe(value), "); did you mean '", best, "' (",
                type == types_.end() ? std::string("a section") : type->second, ")?");
  }

  std::string source_;
  std::map<std::string, std::string> overrides_;  // key -> "--set key=value"
  std::map<std::string, std::function<void(const YAML::Node&, const Site&)>> leaves_;
  std::map<std::string, std::string> types_;
  std::set<std::string> sections_;
  std::map<std::string, std::string, std::less<>> seen_;
};

YAML::Node parse_yaml(const std::string& text, const std::string& where) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    MINNOW_FAIL(where, e.mark.is_null() ? std::string() : ":" + std::to_string(e.mark.line + 1) + ":" +
                                                              std::to_string(e.mark.column + 1),
                ": invalid YAML: ", printable(e.msg));
  }
}

// Applies "a.b.c=value" to the tree, creating sections as needed; returns the key.
std::string apply_override(YAML::Node& root, const std::string& text) {
  const std::string at = "--set " + printable(text);
  const size_t eq = text.find('=');
  MINNOW_CHECK(eq != std::string::npos && eq > 0, at, ": expected key=value, such as optimizer.lr=0.05");
  const std::string key = printable(text.substr(0, eq));
  std::vector<std::string> parts;
  std::stringstream split(key);
  for (std::string part; std::getline(split, part, '.');) parts.push_back(part);
  MINNOW_CHECK(key.back() != '.' && std::none_of(parts.begin(), parts.end(), [](auto& p) { return p.empty(); }), at,
               ": key '", key, "' has an empty part; expected dotted names such as optimizer.lr");
  const YAML::Node value = parse_yaml(text.substr(eq + 1), at);

  if (!root.IsMap()) {
    MINNOW_CHECK(root.IsNull(), at, ": the config's top level is not a mapping of keys");
    root.reset(YAML::Node(YAML::NodeType::Map));
  }
  YAML::Node section;
  section.reset(root);
  std::string walked;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    walked += (i ? "." : "") + parts[i];
    YAML::Node child = section[parts[i]];
    if (!child.IsDefined() || child.IsNull()) {
      section[parts[i]] = YAML::Node(YAML::NodeType::Map);
      child.reset(section[parts[i]]);
    }
    MINNOW_CHECK(child.IsMap(), at, ": '", walked, "' holds ", describe(child), ", not a section");
    section.reset(child);
  }
  section[parts.back()] = value;
  return key;
}

}  // namespace

Config parse_config(const std::string& yaml_text, const std::string& source_name,
                    const std::vector<std::string>& overrides) {
  YAML::Node root = parse_yaml(yaml_text, source_name);
  std::map<std::string, std::string> override_sites;
  for (const auto& text : overrides) {
    std::string at = "--set ";
    at.append(printable(text));
    override_sites[apply_override(root, text)] = std::move(at);
  }
  Config config;
  Binder binder(config, source_name, std::move(override_sites));
  binder.bind(root);
  validate_config(config, [&binder](std::string_view key) { return binder.origin(key); });
  return config;
}

Config load_config(const std::string& path, const std::vector<std::string>& overrides) {
  std::ifstream in(path, std::ios::binary);
  MINNOW_CHECK(in.is_open(), "config: cannot read '", path, "': ", std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  MINNOW_CHECK(!in.bad(), "config: reading '", path, "' failed: ", std::strerror(errno));
  return parse_config(text.str(), path, overrides);
}

}  // namespace minnow
