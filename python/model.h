// The Model minnow.load returns: a run's network (train/model_setup.h: load_run_model, as eval
// and predict build it) with its config, in eval mode once loaded. forward runs numpy images
// through it under NoGrad with the GIL released; a mutex keeps two Python threads from running
// the same model at once. named_parameters and named_buffers give numpy arrays
// (python/convert.h: a view of a plain tensor, a read-only copy of any other layout).
#pragma once

#include <memory>
#include <mutex>
#include <pybind11/numpy.h>

#include "python/convert.h"
#include "train/config.h"
#include "train/model_setup.h"

namespace minnow::python {

class Model {
 public:
  Model(Config config, RunModel loaded);

  // images (N, C, H, W) float32 -> logits (N, K).
  py::array forward(const FloatArray& images);
  void set_training(bool training);
  // (name, array) pairs in the module's order, each array in the logical (PyTorch) shape.
  py::list named_parameters();
  py::list named_buffers();

  Module& module() { return *module_; }
  const Config& config() const { return config_; }
  WeightsFormat format() const { return format_; }
  // Held while the module runs or is read.
  std::mutex& mutex() { return mutex_; }

 private:
  Config config_;
  std::shared_ptr<Module> module_;
  WeightsFormat format_;
  std::mutex mutex_;
};

}  // namespace minnow::python
