// Sequential: children named "0", "1", ... (or by the caller) run in order, as torch.nn.Sequential,
// so dotted names match torchvision's ("features.3.conv.1.weight", "features.norm0.weight").
#pragma once

#include <memory>
#include <string>

#include "models/module.h"

namespace minnow {

class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  // Appends a child under the next index; returns it for chaining setup.
  template <class M>
  std::shared_ptr<M> add(std::shared_ptr<M> child) {
    layers_.push_back(child);
    return register_module(std::to_string(layers_.size() - 1), std::move(child));
  }
  // Appends a child under its own name, as torch.nn.Sequential(OrderedDict(...)) ("features.conv0").
  template <class M>
  std::shared_ptr<M> add(const std::string& name, std::shared_ptr<M> child) {
    layers_.push_back(child);
    return register_module(name, std::move(child));
  }
  size_t size() const { return layers_.size(); }
  Module& operator[](size_t i) const { return *layers_.at(i); }

 protected:
  // For blocks that are Sequentials under another name (ConvBnAct, ...).
  explicit Sequential(std::string type) : Module(std::move(type)) {}
  Var forward_impl(const Var& x) override;

 private:
  std::vector<std::shared_ptr<Module>> layers_;
};

}  // namespace minnow
