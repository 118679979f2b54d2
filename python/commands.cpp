// minnow.evaluate, minnow.stats and minnow.export: `minnow eval`, `minnow stats --json` and
// `minnow export` through the same library calls (train/eval_run.h, train/stats_json.h,
// deploy/export_run.h), each with the GIL released, returning what the CLI prints as a dict.
// Also minnow.config_yaml (the YAML a config dict becomes) and minnow.model_names.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "core/engine.h"
#include "deploy/export_run.h"
#include "models/model_stats.h"
#include "python/bindings.h"
#include "python/config.h"
#include "python/json.h"
#include "train/eval_run.h"
#include "train/stats_json.h"

namespace minnow::python {
namespace {

py::object evaluate(const py::object& config_arg, const std::filesystem::path& weights,
                    const std::vector<std::string>& overrides, bool int8, bool fold, bool winograd, bool logits) {
  const Config config = config_from(config_arg, overrides);
  const std::string name = config_name(config_arg);
  EvalRun run;
  {
    const py::gil_scoped_release release;
    run = evaluate_weights(config, name, weights.string(), "weights",
                           {.int8 = int8, .fold = fold, .winograd = winograd, .keep_logits = logits});
  }
  py::dict out = to_python(eval_run_json(run));
  if (logits) {
    const EvalResult& r = run.result;
    py::array_t<float> values({run.images, r.num_classes});  // (N, K) in dataset order
    std::copy(r.logits.begin(), r.logits.end(), values.mutable_data());
    out["logits"] = values;
  }
  return out;
}

py::object stats(const std::string& model, float width, int64_t resolution, int64_t num_classes, int64_t in_channels,
                 bool small_input, int64_t groups, int threads) {
  const ModelSpec spec{.name = model,
                       .width = width,
                       .num_classes = num_classes,
                       .in_channels = in_channels,
                       .small_input = small_input,
                       .groups = groups};
  nlohmann::json out;
  {
    const py::gil_scoped_release release;
    set_num_threads(threads);
    auto network = create_model(spec);
    const ModelStats s = model_stats(*network, {.resolution = resolution, .in_channels = in_channels});
    out = model_stats_json(spec, resolution, s);
  }
  return to_python(out);
}

py::object export_run(const std::filesystem::path& source, const std::filesystem::path& output,
                      const std::string& format, bool best) {
  const ExportOptions options{.source = source.string(), .output = output.string(), .format = format, .best = best};
  ExportResult r;
  {
    const py::gil_scoped_release release;
    r = export_checkpoint(options);
  }
  py::dict out;
  out["checkpoint"] = r.checkpoint;
  out["model"] = r.model;
  out["parameters"] = r.parameters;
  out["output"] = options.output;
  return out;
}

}  // namespace

void add_commands(py::module_& m) {
  const ModelSpec defaults;
  m.def("evaluate", &evaluate, py::arg("config"), py::arg("weights"),
        py::arg("overrides") = std::vector<std::string>{}, py::arg("int8") = false, py::arg("fold") = false,
        py::arg("winograd") = false, py::arg("logits") = false,
        R"doc(Evaluates weights on the config's test split, as `minnow eval` does; returns `eval --json`'s dict
(top1, top5, loss, images; with int8 also fake_quant_top1 and argmax_agreement; with fold=True, the
model folded for inference as `eval --fold`, also unfolded_top1, argmax_agreement and the fold's
counts), and with logits=True also "logits", the (N, K) float32 logits in dataset order
(`eval --save-logits`).)doc");
  m.def("stats", &stats, py::arg("model"), py::arg("width") = defaults.width, py::arg("resolution") = 224,
        py::arg("num_classes") = defaults.num_classes, py::arg("in_channels") = defaults.in_channels,
        py::arg("small_input") = defaults.small_input, py::arg("groups") = defaults.groups, py::arg("threads") = 1,
        "Parameters, Mult-Adds, activation memory, batch-1 latency and the per-layer rows of a zoo model: "
        "`minnow stats --json`'s dict");
  m.def("export", &export_run, py::arg("source"), py::arg("output"), py::arg("format") = "safetensors",
        py::arg("best") = false,
        R"doc(Exports a run folder's last.safetensors (best=True: best.safetensors) or a checkpoint file, as
`minnow export` does; format: safetensors, int8, onnx, onnx-int8, onnx-qdq or shared. Returns the
checkpoint read, the model's name, its parameter count and the output path.)doc");
  m.def("config_yaml", &config_yaml, py::arg("config"),
        "The YAML text a config dict becomes (what minnow.train and minnow.evaluate parse)");
  m.def("model_names", &model_names, "The zoo's model names");
}

}  // namespace minnow::python
