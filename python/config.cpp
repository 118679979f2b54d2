// config_from and config_yaml, through yaml-cpp's emitter; the parsing is train/config_load.cpp's.
#include "python/config.h"

#include <yaml-cpp/yaml.h>

#include "core/error.h"

namespace minnow::python {
namespace {

namespace py = pybind11;

constexpr const char* kDictName = "config dict";

std::string type_name(py::handle value) { return py::str(py::type::handle_of(value).attr("__name__")); }

void emit(YAML::Emitter& out, py::handle value, const std::string& key) {
  if (value.is_none()) {
    out << YAML::Null;
  } else if (py::isinstance<py::bool_>(value)) {
    out << value.cast<bool>();
  } else if (py::isinstance<py::int_>(value)) {
    out << std::string(py::str(value));
  } else if (py::isinstance<py::float_>(value)) {
    out << std::string(py::repr(value));
  } else if (py::isinstance<py::str>(value)) {
    out << value.cast<std::string>();  // plain where YAML reads it back as the same text, else quoted
  } else if (py::isinstance<py::dict>(value)) {
    out << YAML::BeginMap;
    for (const auto& [name, item] : py::reinterpret_borrow<py::dict>(value)) {
      MINNOW_CHECK(py::isinstance<py::str>(name), kDictName, ": ", key.empty() ? "the top level" : "'" + key + "'",
                   " has a key of type '", type_name(name), "'; expected str keys");
      const std::string part = name.cast<std::string>();
      out << YAML::Key << part << YAML::Value;
      emit(out, item, key.empty() ? part : key + "." + part);
    }
    out << YAML::EndMap;
  } else if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
    out << YAML::Flow << YAML::BeginSeq;
    for (const auto item : value) emit(out, item, key);
    out << YAML::EndSeq;
  } else if (py::hasattr(value, "tolist")) {  // a numpy scalar or array
    emit(out, value.attr("tolist")(), key);
  } else {
    MINNOW_FAIL(kDictName, ": '", key, "' holds a value of type '", type_name(value),
                "'; expected a dict, list, tuple, str, int, float, bool or None");
  }
}

}  // namespace

std::string config_yaml(const py::dict& config) {
  YAML::Emitter out;
  emit(out, config, "");
  MINNOW_CHECK(out.good(), kDictName, ": cannot be written as YAML: ", out.GetLastError());
  return std::string(out.c_str()) + "\n";
}

std::string config_name(const py::object& path_or_dict) {
  if (py::isinstance<py::dict>(path_or_dict)) return kDictName;
  return py::module_::import("os").attr("fspath")(path_or_dict).cast<std::string>();
}

Config config_from(const py::object& path_or_dict, const std::vector<std::string>& overrides) {
  if (py::isinstance<py::dict>(path_or_dict))
    return parse_config(config_yaml(py::reinterpret_borrow<py::dict>(path_or_dict)), kDictName, overrides);
  return load_config(config_name(path_or_dict), overrides);
}

}  // namespace minnow::python
