// The optimizer interface over named parameters, and the per-parameter state it keeps
// (buffers shaped like the parameter, an optional step counter) with an exact save/load
// round trip for checkpoints. The update rules live in train/sgd.* and train/adamw.*.
// Updates run elementwise over each parameter's whole physical buffer, in its own layout.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/var.h"
#include "train/config.h"

namespace minnow {

using NamedParams = std::vector<std::pair<std::string, Var>>;
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// The parameters that no_decay_bn_bias exempts from weight decay: 1-D tensors (BN weights
// and biases, layer biases) and any tensor whose name ends in ".bias" or is "bias".
bool exempt_from_weight_decay(const std::string& name, const Dims& dims);

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update at learning rate lr. Parameters without a gradient are skipped, as in
  // PyTorch. Each parameter's storage is updated in place; gradients are only read
  // (a gradient in another layout than its parameter is reordered first, counted).
  virtual void step(double lr) = 0;
  // Drops every parameter's gradient.
  void zero_grad() const;

  // "<param>.<buffer>" (plain-layout f32 copies) and "<param>.step" (s32, dims {1})
  // for every parameter that has state; parameters never stepped have none.
  NamedTensors state() const;
  // Replaces all state with `state` (as state() gave it, any layout). Names that match no
  // parameter, wrong dims or types, and partial state for a parameter are errors.
  void load_state(const NamedTensors& state);

  const NamedParams& params() const { return params_; }

 protected:
  struct ParamState {
    std::vector<Tensor> buffers;  // one per buffer name, undefined until the first step
    int64_t step = 0;
  };

  Optimizer(NamedParams params, std::vector<std::string> buffer_names, bool counts_steps, bool no_decay_bn_bias);

  // Parameter i's gradient in the parameter's layout, or an undefined tensor.
  Tensor grad_of(size_t i) const;
  // Parameter i's state, its buffers (if any) moved into the parameter's current layout.
  ParamState& state_of(size_t i);
  // Whether weight decay applies to parameter i.
  bool decays(size_t i) const { return decays_[i]; }

 private:
  NamedParams params_;
  std::vector<std::string> buffer_names_;
  bool counts_steps_;
  std::vector<bool> decays_;
  std::vector<ParamState> states_;
};

// SGD or AdamW from the config's optimizer section.
std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& config, NamedParams params);

}  // namespace minnow
