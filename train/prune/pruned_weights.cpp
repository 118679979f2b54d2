// attach_weight_masks: the exclude entries are checked against every module and parameter
// name first, so a misspelt entry fails before anything is attached.
#include "train/prune/pruned_weights.h"

#include <algorithm>

#include "core/error.h"
#include "models/layers.h"

namespace minnow {
namespace {

// "features.0" covers the module "features.0" and everything under it.
bool covers(const std::string& entry, const std::string& name) {
  return name == entry || (name.starts_with(entry) && name[entry.size()] == '.');
}

}  // namespace

const Var* prunable_weight(Module& module) {
  if (auto* conv = dynamic_cast<Conv2d*>(&module)) return &conv->weight();
  if (auto* linear = dynamic_cast<Linear*>(&module)) return &linear->weight();
  return nullptr;
}

std::vector<PrunedWeight> attach_weight_masks(Module& model, const std::vector<std::string>& exclude) {
  const auto modules = model.named_modules();
  const auto params = model.named_parameters();
  for (const std::string& entry : exclude) {
    const bool names_module =
        std::any_of(modules.begin(), modules.end(), [&](const auto& m) { return covers(entry, m.first); });
    const bool names_param = std::any_of(params.begin(), params.end(), [&](const auto& p) { return p.name == entry; });
    MINNOW_CHECK(names_module || names_param, "config: prune.exclude: '", entry,
                 "' names no module or parameter of the model (modules are named like '", modules.back().first,
                 "', parameters like '", params.back().name, "')");
  }
  std::vector<PrunedWeight> pruned;
  for (const auto& [name, module] : modules) {
    const Var* weight = prunable_weight(*module);
    if (weight == nullptr) continue;
    const std::string& module_name = name;  // a structured binding: clang 14 captures none in lambdas
    const std::string param = module_name + ".weight";
    const bool excluded = std::any_of(exclude.begin(), exclude.end(), [&](const std::string& entry) {
      return entry == param || covers(entry, module_name);
    });
    if (excluded) continue;
    const auto shape = std::find_if(params.begin(), params.end(), [&](const auto& p) { return p.name == param; });
    auto mask = std::make_shared<WeightMask>(shape->shape);  // PyTorch's dims, as checkpoints store it
    module->add_module(kPruningName, mask);
    pruned.push_back({param, *weight, mask.get()});
  }
  MINNOW_CHECK(!pruned.empty(), "config: prune.exclude: expected at least one Conv2d or Linear weight left to prune, "
               "got ", exclude.size(), " entries that exclude them all");
  return pruned;
}

}  // namespace minnow
