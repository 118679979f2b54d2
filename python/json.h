// nlohmann::json -> Python objects: the records, summaries and reports minnow builds as JSON
// (metrics.jsonl's lines, summary.json, `eval --json`, `stats --json`) reach Python as the
// dicts, lists, strs, ints, floats and bools json.loads would make of the same text.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <pybind11/pybind11.h>

namespace minnow::python {

pybind11::object to_python(const nlohmann::json& value);

}  // namespace minnow::python
