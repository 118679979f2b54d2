// The parts of the `minnow` Python module, each in its own file; module.cpp adds them to the
// module, after registering minnow.Error.
#pragma once

#include <pybind11/pybind11.h>

namespace minnow::python {

namespace py = pybind11;

void add_train(py::module_& m);     // train.cpp: minnow.train
void add_model(py::module_& m);     // model.cpp: minnow.load and its Model
void add_int8(py::module_& m);      // int8.cpp: minnow.convert_int8 and its Int8Model
void add_commands(py::module_& m);  // commands.cpp: evaluate, stats, export, config_yaml, model_names

}  // namespace minnow::python
