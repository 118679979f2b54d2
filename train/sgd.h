// Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight
// decay, with PyTorch's torch.optim.SGD semantics:
//   d = g + wd * p;  buf = d on the first step, else momentum * buf + (1 - dampening) * d;
//   d = nesterov ? d + momentum * buf : buf;  p -= lr * d.
#pragma once

#include "train/optimizer.h"

namespace minnow {

struct SgdOptions {
  double momentum = 0.0;
  double dampening = 0.0;
  bool nesterov = false;  // needs momentum > 0 and dampening == 0
  double weight_decay = 0.0;
  bool no_decay_bn_bias = false;  // see exempt_from_weight_decay
};

// State: "<param>.momentum_buffer" once a parameter has stepped with momentum > 0.
class Sgd final : public Optimizer {
 public:
  Sgd(NamedParams params, SgdOptions options);
  void step(double lr) override;
  const SgdOptions& options() const { return options_; }

 private:
  SgdOptions options_;
};

}  // namespace minnow
