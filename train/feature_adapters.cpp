// Pair parsing, the adapters (ConvBnAct 1x1 without activation, PyTorch's default
// initialisation from the seeded init generator) and the adapters' tensor names.
#include "train/feature_adapters.h"

#include <algorithm>

#include "models/conv_bn_act.h"

namespace minnow {

std::vector<FeaturePair> parse_feature_pairs(const std::vector<std::string>& features) {
  std::vector<FeaturePair> pairs;
  for (const std::string& text : features) {
    const size_t colon = text.find(':');
    pairs.push_back({text, text.substr(0, colon), colon == std::string::npos ? "" : text.substr(colon + 1)});
  }
  return pairs;
}

std::shared_ptr<Sequential> make_adapters(const std::vector<int64_t>& in, const std::vector<int64_t>& out) {
  auto adapters = std::make_shared<Sequential>();
  for (size_t i = 0; i < in.size(); ++i)
    adapters->add(std::make_shared<ConvBnAct>(
        ConvBnAct::Options{.in = in[i], .out = out.at(i), .kernel = 1, .act = std::nullopt}));
  return adapters;
}

bool is_adapter_tensor(const std::string& name, const std::string& prefix) {
  return name.starts_with(prefix + kAdaptersName + ".");
}

void drop_absent_adapters(SafeTensors& file, Module& model, const std::string& prefix) {
  for (const auto& [name, child] : model.named_children())
    if (name == kAdaptersName) return;
  std::erase_if(file.tensors, [&](const auto& entry) { return is_adapter_tensor(entry.first, prefix); });
}

}  // namespace minnow
