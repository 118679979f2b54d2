// A RunData as the page's script reads it: the model and the features the run used, its
// costs, and its figures as columns (one array a figure, null where a point has none).
#include <nlohmann/json.hpp>

#include "train/report/report_data.h"

namespace minnow::report {
namespace {

using nlohmann::json;

json optional(const std::optional<double>& value) { return value ? json(*value) : json(nullptr); }

json step_columns(const std::vector<StepPoint>& steps) {
  json columns = {{"global_step", json::array()}, {"epoch", json::array()},      {"lr", json::array()},
                  {"loss", json::array()},        {"train_top1", json::array()}, {"terms", json::object()}};
  for (const StepPoint& s : steps)
    for (const auto& entry : s.terms) columns["terms"][entry.first] = json::array();
  for (const StepPoint& s : steps) {
    columns["global_step"].push_back(s.global_step);
    columns["epoch"].push_back(s.epoch);
    columns["lr"].push_back(s.lr);
    columns["loss"].push_back(s.loss);
    columns["train_top1"].push_back(s.train_top1);
    for (auto& [name, column] : columns["terms"].items()) {
      const auto it = s.terms.find(name);
      column.push_back(it == s.terms.end() ? json(nullptr) : json(it->second));
    }
  }
  return columns;
}

json epoch_columns(const std::vector<EpochPoint>& epochs) {
  json columns = {{"epoch", json::array()},      {"global_step", json::array()}, {"train_loss", json::array()},
                  {"train_top1", json::array()}, {"test_loss", json::array()},   {"test_top1", json::array()}};
  for (const EpochPoint& e : epochs) {
    columns["epoch"].push_back(e.epoch);
    columns["global_step"].push_back(e.global_step);
    columns["train_loss"].push_back(optional(e.train_loss));
    columns["train_top1"].push_back(optional(e.train_top1));
    columns["test_loss"].push_back(optional(e.test_loss));
    columns["test_top1"].push_back(optional(e.test_top1));
  }
  return columns;
}

json distill_json(const DistillConfig& d) {
  if (!d.enabled) return nullptr;
  return {{"teacher", d.teacher.model}, {"teacher_width", d.teacher.width}, {"temperature", d.temperature},
          {"alpha", d.alpha},           {"beta", d.beta},                   {"features", d.features}};
}

json qat_json(const QatConfig& q) {
  if (!q.enabled) return nullptr;
  return {{"weight_bits", q.weight_bits},         {"activation_bits", q.activation_bits},
          {"per_channel", q.per_channel},         {"lsq", q.lsq},
          {"freeze_bn_epoch", q.freeze_bn_epoch}, {"freeze_observer_epoch", q.freeze_observer_epoch}};
}

}  // namespace

json to_json(const RunData& run) {
  const ModelConfig& m = run.config.model;
  std::optional<double> last_test, best_test;
  for (const EpochPoint& e : run.epochs) {
    if (!e.test_top1) continue;
    last_test = e.test_top1;
    best_test = std::max(best_test.value_or(*e.test_top1), *e.test_top1);
  }
  return {{"name", run.name},
          {"folder", run.folder},
          {"model",
           {{"name", m.name}, {"width", m.width}, {"resolution", m.resolution}, {"num_classes", m.num_classes},
            {"in_channels", m.in_channels}}},
          {"epochs_planned", run.config.epochs},
          {"steps_per_epoch", run.steps_per_epoch},
          {"steps", step_columns(run.steps)},
          {"epochs", epoch_columns(run.epochs)},
          {"distill", distill_json(run.config.distill)},
          {"qat", qat_json(run.config.qat)},
          {"costs",
           {{"params", run.costs.params}, {"macs", run.costs.macs}, {"latency_ms", optional(run.costs.latency_ms)}}},
          {"test_top1", optional(last_test)},
          {"best_top1", optional(best_test)},
          {"summary", run.summary}};
}

}  // namespace minnow::report
