// The `minnow` Python module (docs/python.md): what the CLI's train, eval, stats and export do,
// plus a loaded model to run on numpy arrays. A minnow::Error arrives as minnow.Error, a
// subclass of RuntimeError, carrying the one-line message the CLI prints after "minnow: error: ".
#include "core/error.h"
#include "python/bindings.h"

PYBIND11_MODULE(minnow, m) {
  namespace py = pybind11;
  m.doc() = "minnow: train, evaluate, quantize and export lightweight CNNs on CPUs (docs/python.md)";
  m.attr("__version__") = MINNOW_VERSION;
  py::register_exception<minnow::Error>(m, "Error", PyExc_RuntimeError);
  minnow::python::add_train(m);
  minnow::python::add_model(m);
  minnow::python::add_int8(m);
  minnow::python::add_commands(m);
}
