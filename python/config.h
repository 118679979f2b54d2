// A config from Python: the path of a YAML file (str or os.PathLike), read by load_config as
// `minnow train FILE` reads it, or a dict, written as YAML (config_yaml) and parsed as a file
// named "config dict" would be (its messages' line numbers are those of config_yaml's text).
// overrides are the CLI's --set strings ("optimizer.lr=0.05").
#pragma once

#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "train/config.h"

namespace minnow::python {

Config config_from(const pybind11::object& path_or_dict, const std::vector<std::string>& overrides);

// What messages call the config: its path, or "config dict".
std::string config_name(const pybind11::object& path_or_dict);

// The YAML a dict becomes: block mappings in the dict's order, lists in flow style, strings
// plain unless they need quotes (as the enum keys want them), floats as Python's repr writes
// them, None as null. numpy scalars and arrays
// are taken as their tolist().
std::string config_yaml(const pybind11::dict& config);

}  // namespace minnow::python
