// layer_chains: sibling order makes the chains; the casts to the generic layer types live here.
#include "train/qat/layer_chains.h"

#include <utility>

namespace minnow {

Module& LayerChain::last() const {
  if (act) return *act;
  if (bn) return *bn;
  return *first;
}

bool is_quantizer_name(const std::string& name) {
  return name == "activation_post_process" || name == "weight_fake_quant" || name == "input_fake_quant";
}

std::vector<LayerChain> layer_chains(Module& container) {
  std::vector<std::pair<std::string, Module*>> children;
  for (const auto& child : container.named_children())
    if (!is_quantizer_name(child.first)) children.push_back(child);
  auto next = [&](size_t i) { return i < children.size() ? children[i].second : nullptr; };
  std::vector<LayerChain> out;
  for (size_t i = 0; i < children.size(); ++i) {
    LayerChain c{.name = children[i].first, .first = children[i].second};
    if ((c.conv = dynamic_cast<Conv2d*>(c.first))) {
      c.kind = LayerChain::Kind::conv;
      auto* bn = dynamic_cast<BatchNorm2d*>(next(i + 1));
      if (bn && bn->options().channels == c.conv->options().out && !c.conv->bias().defined()) {
        c.bn = bn;
        ++i;
      }
      if ((c.act = dynamic_cast<Activation*>(next(i + 1)))) ++i;
    } else if ((c.linear = dynamic_cast<Linear*>(c.first))) {
      c.kind = LayerChain::Kind::linear;
    } else if (dynamic_cast<GlobalAvgPool*>(c.first)) {
      c.kind = LayerChain::Kind::global_pool;
    } else if (dynamic_cast<Dropout*>(c.first)) {
      c.kind = LayerChain::Kind::dropout;
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace minnow
