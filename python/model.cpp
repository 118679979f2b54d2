// minnow.load and the Model class: the config comes from the caller (a YAML path or a dict,
// with --set overrides, as `minnow eval CONFIG --weights W` takes it) or else from what the
// weights file records (a checkpoint's whole config, an export's model section).
#include "python/model.h"

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "core/engine.h"
#include "core/error.h"
#include "core/grad_mode.h"
#include "python/bindings.h"
#include "python/config.h"

namespace minnow::python {
namespace {

Config config_for(const std::string& weights, const py::object& config, const std::vector<std::string>& overrides) {
  if (!config.is_none()) return config_from(config, overrides);
  MINNOW_CHECK(overrides.empty(), "minnow.load: overrides change a config; pass config= with them");
  const std::optional<Config> recorded = recorded_config(weights, "weights");
  MINNOW_CHECK(recorded.has_value(), "weights '", weights,
               "' is a state dict, which records no model; pass config= (a YAML file or a dict) to say which");
  return *recorded;
}

std::shared_ptr<Model> load(const std::filesystem::path& weights, const py::object& config,
                            const std::vector<std::string>& overrides) {
  Config c = config_for(weights.string(), config, overrides);
  const py::gil_scoped_release release;
  if (c.threads > 0) set_num_threads(c.threads);
  RunModel loaded = load_run_model(c, weights.string(), "weights");
  return std::make_shared<Model>(std::move(c), std::move(loaded));
}

// Model.eval() and Model.train(): set the mode and return the model, as PyTorch's do.
auto set_mode(bool training) {
  return [training](py::object self) {
    self.cast<Model&>().set_training(training);
    return self;
  };
}

}  // namespace

Model::Model(Config config, RunModel loaded)
    : config_(std::move(config)), module_(std::move(loaded.model)), format_(loaded.format) {
  module_->eval();
}

py::array Model::forward(const FloatArray& images) {
  const Tensor x = images_from_numpy(images, "Model.forward");  // (N, C, H, W)
  const int64_t channels = config_.model.in_channels;
  MINNOW_CHECK(x.dim(1) == channels, "Model.forward: expected images (N, ", channels, ", H, W), got ",
               dims_str(x.dims()));
  Tensor logits;  // (N, K)
  {
    const py::gil_scoped_release release;
    const std::lock_guard lock(mutex_);
    const NoGrad no_grad;
    logits = module_->forward(Var(x)).data();
  }
  return to_numpy(logits, logits.dims(), Access::result);
}

void Model::set_training(bool training) {
  const std::lock_guard lock(mutex_);
  module_->train(training);
}

py::list Model::named_parameters() {
  const std::lock_guard lock(mutex_);
  py::list out;
  for (const auto& p : module_->named_parameters())
    out.append(py::make_tuple(p.name, to_numpy(p.var.data(), p.shape, Access::model)));
  return out;
}

py::list Model::named_buffers() {
  const std::lock_guard lock(mutex_);
  py::list out;
  for (const auto& b : module_->named_buffers())
    out.append(py::make_tuple(b.name, to_numpy(b.tensor, b.tensor.dims(), Access::model)));
  return out;
}

void add_model(py::module_& m) {
  m.def("load", &load, py::arg("weights"), py::arg("config") = py::none(),
        py::arg("overrides") = std::vector<std::string>{},
        R"doc(Loads weights into the model they belong to and returns it in eval mode.

weights: a minnow export (model.safetensors), a checkpoint (last/best.safetensors) or a
torchvision state dict saved as safetensors. config: the YAML path or dict whose model section
(and qat section) builds the network, as `minnow eval CONFIG --weights W` takes it; without it,
the file's own record: a checkpoint's config, an export's model section (a state dict has none).
overrides: --set strings, with config only.)doc");

  py::class_<Model, std::shared_ptr<Model>>(m, "Model", "A network with its weights (minnow.load)")
      .def("forward", &Model::forward, py::arg("images"),
           "Logits (N, K) float32 of images (N, C, H, W) normalised as in training; no gradients")
      .def("__call__", &Model::forward, py::arg("images"))
      .def("eval", set_mode(false), "Inference mode (BN running statistics, no dropout); returns the model")
      .def("train", set_mode(true),
           "Training mode (BN batch statistics, which also update the running ones; dropout); returns the model")
      .def_property_readonly("training", [](Model& model) { return model.module().training(); })
      .def("named_parameters", &Model::named_parameters,
           "(name, array) pairs: a writable view where the parameter is plain row-major f32 (BN, linear, and "
           "convolution weights before the first forward moves them to a blocked layout), else a read-only copy")
      .def("named_buffers", &Model::named_buffers,
           "(name, array) pairs of BN running statistics and QAT observer state, views as named_parameters")
      .def_property_readonly("name", [](const Model& model) { return model.config().model.name; })
      .def_property_readonly("num_parameters", [](Model& model) { return model.module().num_parameters(); })
      .def_property_readonly("weights_format", [](const Model& model) { return weights_format_name(model.format()); })
      .def_property_readonly("config", [](const Model& model) { return to_yaml(model.config()); },
                             "The config the model was built from, as YAML")
      .def("__repr__", [](Model& model) {
        return "<minnow.Model " + model.config().model.name + ", " + std::to_string(model.module().num_parameters()) +
               " parameters, " + (model.module().training() ? "training" : "eval") + " mode>";
      });
}

}  // namespace minnow::python
