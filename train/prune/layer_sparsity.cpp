// layer_sparsity: exact zeros counted in the file's plain values.
#include "train/prune/layer_sparsity.h"

#include <algorithm>

#include "core/error.h"
#include "train/prune/pruned_weights.h"

namespace minnow {

std::vector<LayerSparsity> layer_sparsity(Module& model, const ModelTensors& weights) {
  std::vector<LayerSparsity> rows;
  const auto params = model.named_parameters();
  for (const auto& [name, module] : model.named_modules()) {
    if (prunable_weight(*module) == nullptr) continue;
    const std::string param = name + ".weight";
    const auto weight = std::find_if(params.begin(), params.end(), [&](const auto& p) { return p.name == param; });
    const Tensor* t = weights.file.find(weights.prefix + param);
    MINNOW_CHECK(t != nullptr && t->dims() == weight->shape, weights.where, ": expected a tensor '",
                 weights.prefix + param, "' of dims ", dims_str(weight->shape), ", got ",
                 t == nullptr ? "none" : dims_str(t->dims()), " (is it a file of this model?)");
    const std::vector<float> values = t->to_plain();
    rows.push_back({name, std::count(values.begin(), values.end(), 0.0f), static_cast<int64_t>(values.size())});
  }
  return rows;
}

}  // namespace minnow
