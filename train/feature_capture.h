// Reading a model's inner features from outside: modules found by their dotted names,
// and forward hooks that keep each one's latest output (with its graph, when recorded),
// for feature distillation. The hooks pass every value through unchanged.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "models/module.h"

namespace minnow {

// The module called dotted_name ("layer2.1", "features.5.pw") below model; nullptr if none.
Module* find_module(Module& model, const std::string& dotted_name);

// "conv1, bn1, layer1, ..., fc": the model's top-level children, for messages.
std::string top_level_names(Module& model);

class FeatureCapture {
 public:
  // Hooks every module; they outlive the capture harmlessly (the outputs are shared).
  explicit FeatureCapture(const std::vector<Module*>& modules);
  // Module i's output of the latest forward; undefined before the first.
  const Var& output(size_t i) const { return outputs_->at(i); }
  size_t size() const { return outputs_->size(); }

 private:
  std::shared_ptr<std::vector<Var>> outputs_;
};

}  // namespace minnow
