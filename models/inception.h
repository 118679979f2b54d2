// GoogLeNet's Inception module (Szegedy et al. 2014) as torchvision's Inception: four branches
// on the same input, concatenated along channels: branch1 a 1x1 BasicConv2d; branch2 a 1x1
// reduction then a 3x3; branch3 a 1x1 reduction then a 3x3 (the paper's 5x5; torchvision keeps
// 3x3 for its weights); branch4 a 3x3 max-pool (stride 1, padding 1) then a 1x1 projection.
#pragma once

#include <memory>

#include "models/basic_conv2d.h"
#include "models/sequential.h"

namespace minnow {

class Inception : public Module {
 public:
  struct Options {  // torchvision's argument order
    int64_t in = 0, ch1x1 = 0, ch3x3red = 0, ch3x3 = 0, ch5x5red = 0, ch5x5 = 0, pool_proj = 0;
  };
  explicit Inception(const Options& options);
  // The concatenation of the four branches' ReLU outputs.
  OutputForm output_form() const override;

 protected:
  Var forward_impl(const Var& x) override;  // (N, in, H, W) -> (N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W)

 private:
  std::shared_ptr<BasicConv2d> branch1_;
  std::shared_ptr<Sequential> branch2_, branch3_, branch4_;
};

}  // namespace minnow
