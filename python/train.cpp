// minnow.train(config, overrides=[], progress=None): the run `minnow train` makes (the same
// config loading, the config's hooks, the Trainer) with the GIL released while it runs. One
// more hook, after the config's own, reaches back into Python with the GIL: it hands each
// record the run logs to progress, and after every step runs Python's signal handlers
// (PyErr_CheckSignals). A KeyboardInterrupt there, or any exception from progress, asks the
// trainer to stop as SIGINT does for the CLI (train/interrupt.h: after the current step, with
// last.safetensors written); the exception is raised once the trainer has returned.
#include <csignal>
#include <nlohmann/json.hpp>
#include <optional>
#include <pybind11/stl.h>

#include "python/bindings.h"
#include "python/config.h"
#include "python/json.h"
#include "train/feature_hooks.h"
#include "train/interrupt.h"
#include "train/trainer.h"

namespace minnow::python {
namespace {

class PythonHook final : public TrainHook {
 public:
  explicit PythonHook(py::object progress) : progress_(std::move(progress)) {}

  void on_record(const nlohmann::json& record) override {
    if (progress_.is_none()) return;
    const py::gil_scoped_acquire gil;
    if (error_) return;  // stopping already
    try {
      progress_(to_python(record));
    } catch (py::error_already_set& e) {
      stop(std::move(e));
    }
  }

  bool should_stop(const RunPosition&) override {
    const py::gil_scoped_acquire gil;
    if (!error_ && PyErr_CheckSignals() != 0) stop(py::error_already_set());
    return false;  // the stop request ends the run, with its checkpoint
  }

  // The exception that stopped the run, if one did; called with the GIL held.
  std::optional<py::error_already_set> take_error() { return std::exchange(error_, std::nullopt); }

 private:
  void stop(py::error_already_set&& e) {
    error_ = std::move(e);
    request_stop(SIGINT);
  }

  py::object progress_;
  std::optional<py::error_already_set> error_;
};

// No stop request outlives a run, or comes from before it.
struct ClearStopRequests {
  ClearStopRequests() { clear_stop_request(); }
  ~ClearStopRequests() { clear_stop_request(); }
  ClearStopRequests(const ClearStopRequests&) = delete;
  ClearStopRequests& operator=(const ClearStopRequests&) = delete;
};

py::object train(const py::object& config_arg, const std::vector<std::string>& overrides, py::object progress) {
  if (!progress.is_none() && PyCallable_Check(progress.ptr()) == 0)
    throw py::type_error("minnow.train: progress must be a callable or None, not " +
                         std::string(py::str(py::type::handle_of(progress).attr("__name__"))));
  const Config config = config_from(config_arg, overrides);
  // Held here as well as by the trainer: Python objects are released with the GIL held.
  const auto hook = std::make_shared<PythonHook>(std::move(progress));
  TrainHooks hooks = feature_hooks(config);
  hooks.push_back(hook);
  std::unique_ptr<Trainer> trainer;
  TrainSummary summary;
  {
    const ClearStopRequests clear;
    const py::gil_scoped_release release;
    trainer = std::make_unique<Trainer>(config, std::move(hooks));
    summary = trainer->run();
  }
  if (std::optional<py::error_already_set> error = hook->take_error()) {
    if (summary.stopped_by_signal != 0 && py::hasattr(error->value(), "add_note")) {
      const RunPosition& at = summary.stopped_at;
      error->value().attr("add_note")(
          "minnow: training stopped after epoch " + std::to_string(at.epoch + 1) + " step " + std::to_string(at.step) +
          " (global step " + std::to_string(at.global_step) + "); " + trainer->checkpoint_path("last") +
          " holds it: train again with overrides=['resume=auto']");
    }
    throw std::move(*error);
  }
  py::dict out = to_python(trainer->summary_record(summary));
  out["output"] = trainer->run_dir();
  return out;
}

}  // namespace

void add_train(py::module_& m) {
  m.def("train", &train, py::arg("config"), py::arg("overrides") = std::vector<std::string>{},
        py::arg("progress") = py::none(),
        R"doc(Trains (or resumes) the run a config describes, as `minnow train` does; returns summary.json as a dict
plus "output", the run folder.

config: the path of a YAML file, or a dict of the same keys. overrides: --set strings such as
"optimizer.lr=0.05". progress: called with each record the run logs, as a dict (metrics.jsonl's
lines: type "step" every log_every_steps steps, "train_epoch", "eval_epoch").
A KeyboardInterrupt (Ctrl-C) or an exception from progress stops the run after the current step
with last.safetensors written, and is raised; overrides=["resume=auto"] continues from there.)doc");
}

}  // namespace minnow::python
