// netadapt: check the arguments, build the resource estimate, run the iterations, write the result.
#include "train/adapt/netadapt.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <numeric>

#include "core/engine.h"
#include "core/error.h"
#include "data/data_config.h"
#include "models/channel_prune.h"
#include "models/model_stats.h"
#include "models/zoo.h"
#include "train/adapt/short_finetune.h"
#include "train/channel_prune_run.h"
#include "train/data_setup.h"
#include "train/model_setup.h"
#include "train/state_dict.h"

namespace minnow {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void check_options(const AdaptOptions& a) {
  MINNOW_CHECK(a.budget_ms || a.budget_macs, "adapt: expected a budget: --budget-ms X or --budget-macs N");
  MINNOW_CHECK(!(a.budget_ms && a.budget_macs), "adapt: --budget-ms and --budget-macs: expected one budget, got both");
  if (a.budget_ms)
    MINNOW_CHECK(*a.budget_ms > 0, "adapt: --budget-ms: expected a positive latency, got ", *a.budget_ms);
  if (a.budget_macs) {
    MINNOW_CHECK(*a.budget_macs > 0, "adapt: --budget-macs: expected a positive Mult-Add count, got ", *a.budget_macs);
  }
  MINNOW_CHECK(!a.step_ms || a.budget_ms, "adapt: --step-ms: expected only with --budget-ms (use --step-fraction)");
  if (a.step_ms) MINNOW_CHECK(*a.step_ms > 0, "adapt: --step-ms: expected a positive latency, got ", *a.step_ms);
  MINNOW_CHECK(a.step_fraction > 0 && a.step_fraction < 1, "adapt: --step-fraction: expected a share in (0, 1), got ",
               a.step_fraction);
  MINNOW_CHECK(a.decay > 0 && a.decay <= 1, "adapt: --decay: expected a factor in (0, 1], got ", a.decay);
  MINNOW_CHECK(a.short_steps > 0, "adapt: --short-steps: expected a positive step count, got ", a.short_steps);
  MINNOW_CHECK(a.max_iterations > 0, "adapt: --max-iterations: expected a positive count, got ", a.max_iterations);
  MINNOW_CHECK(a.holdout > 0 && a.holdout < 1, "adapt: --holdout: expected a share in (0, 1), got ", a.holdout);
  MINNOW_CHECK(a.table.samples >= 2, "adapt: --table-samples: expected at least 2, got ", a.table.samples);
  MINNOW_CHECK(!a.output.empty(), "adapt: -o: expected an output folder, got an empty path");
  MINNOW_CHECK(!fs::exists(a.output) || fs::is_directory(a.output), "adapt: -o: expected a folder, got the file '",
               a.output, "'");
}

// The group's units (indices into its units), smallest L2 norm first.
std::vector<size_t> removal_order(const ChannelGroup& group) {
  const std::vector<double> scores = unit_scores(group, PruneCriterion::l2);
  std::vector<size_t> order(group.units.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  return order;
}

// The classes that go when the group, removing in `order`, keeps `keep` units; empty when it
// cannot (every further unit would leave some value without channels).
std::vector<bool> shrink_group(const ChannelGraph& cg, const ChannelGroup& group, const std::vector<size_t>& order,
                               size_t keep) {
  std::vector<bool> removed(cg.frozen.size(), false);
  const auto drop = static_cast<int64_t>(group.units.size() - keep);
  if (remove_in_order(cg, group, order, drop, removed) < drop) return {};
  return removed;
}

// A copy of model (built to plan's shapes, then given model's weights).
std::shared_ptr<Module> copy_model(Module& model, const Config& config, const std::vector<std::string>& plan) {
  ModelConfig m = config.model;
  m.channels = plan;
  auto copy = create_model(model_spec(m, static_cast<uint64_t>(config.seed)));
  load_state_dict(*copy, state_dict(model), "adapt: the model copy");
  return copy;
}

// The config the search trains and scores with: the training set split into a part to
// fine-tune on and a holdout part (data.val_split's when set, else --holdout's).
Config search_config(const Config& config, const AdaptOptions& a) {
  Config search = config;
  if (search.data.val_split == 0) {
    search.data.val_split = a.holdout;
    search.data.test = {};
  }
  return search;
}

}  // namespace

AdaptResult netadapt(const Config& config, const AdaptOptions& a) {
  check_options(a);
  MINNOW_CHECK(!config.model.init_weights.empty(), "adapt: ", a.config_path,
               ": model.init_weights: expected the trained model to adapt, got none");
  MINNOW_CHECK(!config.qat.enabled, "adapt: ", a.config_path,
               ": qat.enabled: expected false; adapt the float model, then run QAT on the adapted one");
  if (config.threads > 0) set_num_threads(config.threads);
  fs::create_directories(a.output);
  AdaptResult r;
  r.latency = a.budget_ms.has_value();
  r.budget = r.latency ? *a.budget_ms : *a.budget_macs;
  const std::string unit = r.latency ? "ms" : "Mult-Adds";
  const std::string budget_arg = r.latency ? "--budget-ms" : "--budget-macs";

  std::shared_ptr<Module> model = build_model(config);
  const int64_t side = config.model.resolution;
  const Dims input{1, config.model.in_channels, side, side};
  const StatsOptions measure{.resolution = side, .in_channels = config.model.in_channels};
  const ModelStats start_stats = model_stats(*model, measure);
  r.start_measured_ms = start_stats.latency_ms, r.macs_start = start_stats.macs, r.params_start = start_stats.params;

  ChannelGraph cg = analyse_channels(*model, input);
  const std::vector<bool> none(cg.frozen.size(), false);
  std::optional<LatencyTable> table;
  if (r.latency) {
    table = LatencyTable::load_or_measure((fs::path(a.output) / "latency_table.json").string(), layer_shapes(cg, none),
                                          a.table);
    r.table_measured = table->measured(), r.table_entries = table->measurements();
  }
  const auto resource = [&](const ChannelGraph& g, const std::vector<bool>& removed) {
    const std::vector<LayerShape> shapes = layer_shapes(g, removed);
    if (table) return table->estimate_ms(shapes);
    double macs = 0;
    for (const auto& l : shapes) macs += static_cast<double>(layer_macs(l));
    return macs;
  };
  r.start = resource(cg, none);
  MINNOW_CHECK(r.budget < r.start, "adapt: ", budget_arg, ": expected a budget below the starting model's ", r.start,
               " ", unit, ", got ", r.budget);
  std::vector<bool> smallest = none;
  for (const ChannelGroup& group : cg.groups)  // each group as small as it goes alone
    (void)remove_in_order(cg, group, removal_order(group), static_cast<int64_t>(group.units.size()) - 1, smallest);
  const double floor = resource(cg, smallest);
  MINNOW_CHECK(r.budget >= floor, "adapt: ", budget_arg, ": ", r.budget, " ", unit,
               " cannot be met: with every channel group down to one unit the model still takes ", floor, " ", unit);

  const Config search = search_config(config, a);
  data::DataPipeline data = data::make_data(to_data_config(search));
  MINNOW_CHECK(data.val_loader != nullptr, "adapt: ", a.config_path, ": the data gave no holdout split");
  const std::string holdout = std::to_string(data.val->size()) + " training images held out (share " +
                              std::to_string(search.data.val_split) + " of every class)";

  std::ofstream log(fs::path(a.output) / "adapt.jsonl", std::ios::trunc);
  MINNOW_CHECK(log.good(), "adapt: -o: cannot write ", (fs::path(a.output) / "adapt.jsonl").string());
  const double step0 = a.step_ms ? *a.step_ms : a.step_fraction * r.start;
  std::vector<std::string> plan = config.model.channels;
  double current = r.start;
  while (current > r.budget && r.iterations < a.max_iterations) {
    const double step = step0 * std::pow(a.decay, static_cast<double>(r.iterations));
    const double target = std::max(current - step, r.budget);
    json candidates = json::array();
    std::shared_ptr<Module> best;
    double best_top1 = -1, best_resource = 0;
    std::string best_entry;
    for (size_t g = 0; g < cg.groups.size(); ++g) {
      const ChannelGroup& group = cg.groups[g];
      const std::vector<size_t> order = removal_order(group);
      size_t keep = group.units.size();
      double estimate = current;
      std::vector<bool> removed;
      while (keep > 1 && estimate > target) {
        std::vector<bool> smaller = shrink_group(cg, group, order, keep - 1);
        if (smaller.empty()) break;  // no further unit can go
        --keep, removed = std::move(smaller), estimate = resource(cg, removed);
      }
      if (estimate > target) continue;  // as small as it goes, the group does not meet the target
      auto candidate = copy_model(*model, config, plan);
      const ChannelGraph candidate_cg = analyse_channels(*candidate, input);
      remove_units(candidate_cg, removed);  // the same graph: the same classes
      const double top1 =
          short_finetune(*candidate, search, *data.train_loader, *data.val_loader, a.short_steps, r.iterations);
      candidates.push_back({{"group", group.name},
                            {"channels_before", static_cast<int64_t>(group.units.size()) * group.channels_per_unit},
                            {"channels_after", static_cast<int64_t>(keep) * group.channels_per_unit},
                            {"estimate", estimate},
                            {"holdout_top1", top1}});
      if (top1 > best_top1) {
        best = candidate, best_top1 = top1, best_resource = estimate, best_entry = plan_entry(cg, group, removed);
      }
    }
    if (best == nullptr) {
      r.stopped_by = "iteration " + std::to_string(r.iterations + 1) + "'s target " + std::to_string(target) + " " +
                     unit + " is met by shrinking no one channel group (a smaller " +
                     (a.step_ms ? "--step-ms" : "--step-fraction") + " may go further)";
      break;
    }
    model = best;
    plan = merge_channel_plans(plan, std::vector<std::string>{best_entry});
    log << json{{"iteration", r.iterations + 1},
                {"resource", unit},
                {"before", current},
                {"step", step},
                {"target", target},
                {"candidates", candidates},
                {"chosen", best_entry.substr(0, best_entry.rfind(':'))},
                {"after", best_resource},
                {"holdout_top1", best_top1}}
               .dump()
        << "\n";
    log.flush();
    current = best_resource, r.holdout_top1 = best_top1;
    ++r.iterations;
    cg = analyse_channels(*model, input);
  }
  r.final = current;
  r.budget_met = current <= r.budget;
  if (r.budget_met) r.stopped_by = "budget met";
  if (r.stopped_by.empty()) r.stopped_by = "--max-iterations reached";
  r.plan = plan;
  const ModelStats final_stats = model_stats(*model, measure);
  r.final_measured_ms = final_stats.latency_ms, r.macs_final = final_stats.macs, r.params_final = final_stats.params;

  write_pruned_model(a.output, *model, config, plan, "adapted by NetAdapt from " + a.config_path);
  log << json{{"result", r.stopped_by},
              {"resource", unit},
              {"start", r.start},
              {"final", r.final},
              {"budget", r.budget},
              {"iterations", r.iterations},
              {"plan", plan},
              {"holdout", holdout},
              {"measured_ms_start", r.start_measured_ms},
              {"measured_ms_final", r.final_measured_ms},
              {"macs_start", r.macs_start},
              {"macs_final", r.macs_final},
              {"params_start", r.params_start},
              {"params_final", r.params_final}}
             .dump()
      << "\n";
  return r;
}

}  // namespace minnow
