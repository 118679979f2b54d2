// Module: the base of every layer, block and model. A module owns named
// parameters, named buffers (BN running statistics, QAT observer state) and
// named children, all in registration order; dotted names ("features.0.1.weight")
// are what the optimizer, checkpoints, export, QAT and statistics walk.
// forward() runs the subclass's forward_impl() between the module's hooks, which is
// how distillation reads features and QAT fake-quantizes activations from outside.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/var.h"
#include "models/output_form.h"

namespace minnow {

struct NamedParameter {
  std::string name;
  Var var;     // its value may sit in the layout its op prefers
  Dims shape;  // the logical (PyTorch) shape, used by checkpoints and export
};

struct NamedBuffer {
  std::string name;
  Tensor tensor;  // shares storage with the module's own handle: updates are visible
};

class Module {
 public:
  explicit Module(std::string type) : type_(std::move(type)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // forward_impl(x) with the pre-hooks applied to x first and the hooks to its result after,
  // each in the order they were added.
  Var forward(const Var& x);
  Var operator()(const Var& x) { return forward(x); }

  // A hook sees a value and returns it or a replacement: (N, C, H, W) in, same dims out.
  using Hook = std::function<Var(const Var&)>;
  // The returned id removes the hook again.
  int64_t add_forward_pre_hook(Hook hook);
  int64_t add_forward_hook(Hook hook);
  void remove_hook(int64_t id);
  bool has_hooks() const { return !pre_hooks_.empty() || !hooks_.empty(); }
  bool has_pre_hooks() const { return !pre_hooks_.empty(); }
  // The forward hooks alone, in order, on y: for a block that ran this layer's forward_impl
  // fused with another layer's and hands the result to this layer's hooks (ConvBnAct).
  Var run_forward_hooks(const Var& y) const;

  // Adds a child after construction (QAT's observers, distillation's adapters). Its
  // parameters and buffers are named after the existing ones, which keep their names.
  void add_module(const std::string& name, std::shared_ptr<Module> child) { add_child(name, std::move(child)); }

  // "Conv2d", "InvertedResidual", "MobileNetV2", ...
  const std::string& type() const { return type_; }
  // How the output is formed from the children (output_form.h): plain unless a block says otherwise.
  virtual OutputForm output_form() const { return {}; }
  // A layer is one step of the model's dataflow (conv, BN, activation, pooling, linear, a
  // quantizer): a trace (core/trace.h) records it whole, with its hooks. Blocks and
  // containers are not layers; the layers and ops inside them are recorded.
  virtual bool is_layer() const { return false; }

  std::vector<NamedParameter> named_parameters() const;
  std::vector<NamedBuffer> named_buffers() const;
  // Every module of the tree, depth first, this one first with name "".
  std::vector<std::pair<std::string, Module*>> named_modules();
  std::vector<std::pair<std::string, Module*>> named_children() const;
  int64_t num_parameters() const;

  // Training mode (BN batch statistics, dropout), applied to the whole tree.
  void train(bool training = true);
  void eval() { train(false); }
  bool training() const { return training_; }

 protected:
  virtual Var forward_impl(const Var& x) = 0;

  Var register_parameter(const std::string& name, const Tensor& value);
  Tensor register_buffer(const std::string& name, const Tensor& value);
  // A registered parameter or buffer given a new value of any shape, in its place in the
  // order (channel pruning rebuilds a layer smaller); the parameter is a new Var.
  Var replace_parameter(const std::string& name, const Tensor& value);
  Tensor replace_buffer(const std::string& name, const Tensor& value);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> child) {
    add_child(name, child);
    return child;
  }

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> child);
  Var run(const Var& x);  // the pre-hooks, forward_impl and the hooks
  void collect_modules(const std::string& prefix, std::vector<std::pair<std::string, Module*>>& out);

  std::string type_;
  bool training_ = true;
  std::vector<NamedParameter> params_;
  std::vector<NamedBuffer> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  struct HookEntry {
    int64_t id;
    Hook hook;
  };
  std::vector<HookEntry> pre_hooks_, hooks_;
  int64_t next_hook_id_ = 0;
};

}  // namespace minnow
