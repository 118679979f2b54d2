// The walk that binarizes: the model's Conv2d and Linear layers in named_modules() order (the
// stem first, the classifier last, for every zoo model), less the kept and excluded ones.
// Depthwise convs are binarized like any other (each 3x3 filter is one channel of 9 weights).
#include "train/binarize/prepare_binarize.h"

#include <algorithm>

#include "core/error.h"
#include "models/layers.h"
#include "ops/binarize.h"

namespace minnow {
namespace {

struct BinarizableLayer {
  std::string name;
  Module* module;
  Conv2d* conv;    // module as a Conv2d, or null
  Linear* linear;  // module as a Linear, or null
};

std::vector<BinarizableLayer> binarizable_layers(Module& model) {
  std::vector<BinarizableLayer> layers;
  for (const auto& [name, m] : model.named_modules()) {
    auto* conv = dynamic_cast<Conv2d*>(m);
    auto* linear = dynamic_cast<Linear*>(m);
    if (conv || linear) layers.push_back({name, m, conv, linear});
  }
  return layers;
}

}  // namespace

std::vector<std::string> prepare_binarize(Module& model, const BinarizeConfig& config) {
  const std::vector<BinarizableLayer> layers = binarizable_layers(model);
  for (const std::string& excluded : config.exclude)
    MINNOW_CHECK(std::any_of(layers.begin(), layers.end(), [&](const auto& l) { return l.name == excluded; }),
                 "binarize.exclude: expected the dotted name of a Conv2d or Linear of ", model.type(), ", got '",
                 excluded, "'");
  std::vector<std::string> binarized;
  for (size_t k = 0; k < layers.size(); ++k) {
    const BinarizableLayer& l = layers[k];
    const bool kept = config.keep_first_last && (k == 0 || k + 1 == layers.size());
    if (kept || std::find(config.exclude.begin(), config.exclude.end(), l.name) != config.exclude.end()) continue;
    MINNOW_CHECK(l.conv ? !l.conv->has_weight_transform() : !l.linear->has_weight_transform(), "prepare_binarize: ",
                 l.name, " already has a weight transform (QAT, or binarized twice)");
    const auto transform = [](const Var& w) { return binarize_weight(w); };
    if (l.conv)
      l.conv->set_weight_transform(transform);
    else
      l.linear->set_weight_transform(transform);
    if (config.activations) l.module->add_forward_pre_hook([](const Var& x) { return binarize_activation(x); });
    binarized.push_back(l.name);
  }
  return binarized;
}

}  // namespace minnow
