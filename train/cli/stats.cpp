// `minnow stats`: the per-layer table (name, op, output shape, parameters,
// Mult-Adds), totals, activation memory of one training image and the batch-1
// latency of any zoo model, as text or as one JSON object. With --weights, each conv and
// linear layer's sparsity (fraction of zero weights) in that file too.
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "core/engine.h"
#include "models/model_stats.h"
#include "models/zoo.h"
#include "train/cli/commands.h"
#include "train/cli/model_options.h"
#include "train/prune/layer_sparsity.h"
#include "train/stats_json.h"

namespace minnow::cli {
namespace {

struct StatsArgs {
  ModelSpec spec;
  int64_t resolution = 224;
  int threads = 1;
  bool json = false;
  std::string weights;  // "" = no sparsity column
};

std::string shape_text(const Dims& d) {
  std::string s;
  for (size_t i = 0; i < d.size(); ++i) {
    if (i) s += 'x';
    s += std::to_string(d[i]);
  }
  return s;
}

// The layers' sparsity in the --weights file, by layer name, and the sum over all of them.
struct Sparsity {
  std::map<std::string, LayerSparsity> layers;
  LayerSparsity total;
};

Sparsity read_sparsity(Module& model, const std::string& weights) {
  Sparsity out;
  for (const LayerSparsity& l : layer_sparsity(model, read_model_tensors(weights, "--weights"))) {
    out.layers[l.layer] = l;
    out.total.zeros += l.zeros;
    out.total.weights += l.weights;
  }
  return out;
}

int run_stats(const StatsArgs& a) {
  set_num_threads(a.threads);
  auto model = create_model(a.spec);
  const Sparsity sparsity = a.weights.empty() ? Sparsity{} : read_sparsity(*model, a.weights);
  const ModelStats s = model_stats(*model, {.resolution = a.resolution, .in_channels = a.spec.in_channels});
  auto layer_sparsity = [&](const std::string& name) -> const LayerSparsity* {
    const auto it = sparsity.layers.find(name);
    return it == sparsity.layers.end() ? nullptr : &it->second;
  };
  if (a.json) {
    nlohmann::json out = model_stats_json(a.spec, a.resolution, s);
    if (!a.weights.empty()) {
      for (auto& row : out["layers"])
        if (const LayerSparsity* l = layer_sparsity(row["name"].get<std::string>())) row["sparsity"] = l->fraction();
      out["sparsity"] = {{"zeros", sparsity.total.zeros}, {"weights", sparsity.total.weights},
                         {"fraction", sparsity.total.fraction()}};
    }
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  const bool column = !a.weights.empty();
  std::printf("%-34s %-10s %-14s %12s %14s%s\n", "layer", "op", "output", "params", "mult-adds",
              column ? "   sparsity" : "");
  for (const auto& l : s.layers) {
    std::printf("%-34s %-10s %-14s %12lld %14lld", l.name.c_str(), l.op.c_str(), shape_text(l.output).c_str(),
                static_cast<long long>(l.params), static_cast<long long>(l.macs));
    if (const LayerSparsity* p = layer_sparsity(l.name)) std::printf(" %10.2f%%", 100.0 * p->fraction());
    std::printf("\n");
  }
  std::printf("\n%s width %.3g at %lld px, %lld classes\n", a.spec.name.c_str(), static_cast<double>(a.spec.width),
              static_cast<long long>(a.resolution), static_cast<long long>(a.spec.num_classes));
  std::printf("parameters:         %lld (%.2f M)\n", static_cast<long long>(s.params), static_cast<double>(s.params) / 1e6);
  std::printf("mult-adds:          %lld (%.1f M)\n", static_cast<long long>(s.macs), static_cast<double>(s.macs) / 1e6);
  if (column)
    std::printf("sparsity:           %.2f%% (%lld of %lld conv and linear weights are zero)\n",
                100.0 * sparsity.total.fraction(), static_cast<long long>(sparsity.total.zeros),
                static_cast<long long>(sparsity.total.weights));
  std::printf("activation memory:  %.2f MiB per training image (f32 layer outputs)\n",
              static_cast<double>(s.activation_bytes) / (1 << 20));
  std::printf("latency (batch 1):  %.2f ms at %d thread(s)\n", s.latency_ms, a.threads);
  return 0;
}

}  // namespace

void add_stats_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<StatsArgs>();
  auto* cmd = app.add_subcommand("stats", "Parameters, Mult-Adds, activation memory and latency of a zoo model");
  add_model_options(*cmd, args->spec, args->resolution);
  cmd->add_option("--threads", args->threads, "Threads for the latency measurement")->check(CLI::Range(1, 1024));
  cmd->add_flag("--json", args->json, "Print one JSON object");
  cmd->add_option("--weights", args->weights,
                  "Weights of this model (minnow export, checkpoint or state dict): adds each conv and linear "
                  "layer's sparsity, the fraction of its weights that are zero");
  cmd->callback([args, &action] { action = [args] { return run_stats(*args); }; });
}

}  // namespace minnow::cli
