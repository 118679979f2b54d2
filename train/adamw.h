// AdamW (decoupled weight decay) with PyTorch's torch.optim.AdamW semantics, amsgrad off:
//   t += 1;  p *= 1 - lr * wd;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
//   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
#pragma once

#include <array>

#include "train/optimizer.h"

namespace minnow {

struct AdamWOptions {
  std::array<double, 2> betas{0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool no_decay_bn_bias = false;  // see exempt_from_weight_decay
};

// State: "<param>.exp_avg", "<param>.exp_avg_sq" and "<param>.step" once a parameter has stepped.
class AdamW final : public Optimizer {
 public:
  AdamW(NamedParams params, AdamWOptions options);
  void step(double lr) override;
  const AdamWOptions& options() const { return options_; }

 private:
  AdamWOptions options_;
};

}  // namespace minnow
