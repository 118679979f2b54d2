// The ShuffleNet v2 unit (Ma et al. 2018, Fig. 3c/d), torchvision's InvertedResidual:
// at stride 1 the input is split in two channel halves, one passes through and the other
// goes through branch2 (1x1, depthwise 3x3, 1x1); at stride 2 both branch1 (depthwise 3x3,
// 1x1) and branch2 see the whole input. The halves are concatenated and shuffled (2 groups).
#pragma once

#include <memory>

#include "models/layers.h"
#include "models/sequential.h"

namespace minnow {

class ShuffleV2Unit : public Module {
 public:
  struct Options {
    int64_t in = 0, out = 0;  // stride 1 needs in == out; out is even
    int64_t stride = 1;
  };
  explicit ShuffleV2Unit(const Options& options);
  // The concatenation of the two halves (each non-negative after a ReLU), channel-shuffled.
  OutputForm output_form() const override;

 protected:
  Var forward_impl(const Var& x) override;

 private:
  Options options_;
  // branch1 (stride 2 only): 0 dw 3x3, 1 BN, 2 conv 1x1, 3 BN + ReLU: in -> out / 2
  std::shared_ptr<Sequential> branch1_;
  // branch2: 0 conv 1x1, 1 BN, 2 ReLU, 3 dw 3x3, 4 BN, 5 conv 1x1, 6 BN + ReLU: (in or in / 2) -> out / 2
  // A trailing ReLU runs fused into its BN (torchvision's child 4 / 7 has no parameters);
  // branch2.2 stays a child so that the indices after it keep torchvision's names.
  std::shared_ptr<Sequential> branch2_;
  std::shared_ptr<Conv2d> branch2_entry_;  // branch2.0
};

}  // namespace minnow
