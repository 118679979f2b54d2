// SqueezeNet's Fire module (Iandola et al. 2016): a 1x1 squeeze conv with ReLU, then
// parallel 1x1 and 3x3 expand convs, each with ReLU, concatenated along channels.
// Child names follow torchvision: squeeze, squeeze_activation, expand1x1, ... .
#pragma once

#include <memory>

#include "models/layers.h"

namespace minnow {

class Fire : public Module {
 public:
  struct Options {
    int64_t in = 0;
    int64_t squeeze = 0;
    int64_t expand1x1 = 0;
    int64_t expand3x3 = 0;  // output channels: expand1x1 + expand3x3
  };
  explicit Fire(const Options& options);
  // The concatenation of the two expands' ReLU outputs.
  OutputForm output_form() const override;

 protected:
  Var forward_impl(const Var& x) override;

 private:
  std::shared_ptr<Conv2d> squeeze_;
  std::shared_ptr<Activation> squeeze_activation_;
  std::shared_ptr<Conv2d> expand1x1_;
  std::shared_ptr<Activation> expand1x1_activation_;
  std::shared_ptr<Conv2d> expand3x3_;
  std::shared_ptr<Activation> expand3x3_activation_;
};

}  // namespace minnow
