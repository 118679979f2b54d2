// find_module walks named_modules(); each capture hook stores its value and returns it.
#include "train/feature_capture.h"

namespace minnow {

Module* find_module(Module& model, const std::string& dotted_name) {
  if (dotted_name.empty()) return nullptr;
  for (const auto& [name, module] : model.named_modules())
    if (name == dotted_name) return module;
  return nullptr;
}

std::string top_level_names(Module& model) {
  std::string names;
  for (const auto& [name, child] : model.named_children()) names += (names.empty() ? "" : ", ") + name;
  return names;
}

FeatureCapture::FeatureCapture(const std::vector<Module*>& modules)
    : outputs_(std::make_shared<std::vector<Var>>(modules.size())) {
  for (size_t i = 0; i < modules.size(); ++i)
    modules[i]->add_forward_hook([outputs = outputs_, i](const Var& y) {
      (*outputs)[i] = y;
      return y;
    });
}

}  // namespace minnow
