// SqueezeNet 1.0 and 1.1 (Iandola et al. 2016) as torchvision.models.squeezenet1_0/1_1:
// features (stem conv, ReLU, max-pools and eight Fire modules) and a classifier of
// Dropout, a 1x1 conv to num_classes, ReLU and global average pooling. Names, shapes and
// initialisation (kaiming_uniform convs, final conv N(0, 0.01), zero biases) match torchvision.
#pragma once

#include <memory>

#include "models/sequential.h"
#include "models/zoo.h"

namespace minnow {

enum class SqueezeNetVersion { v1_0, v1_1 };

class SqueezeNet : public Module {
 public:
  struct Options {
    SqueezeNetVersion version = SqueezeNetVersion::v1_1;
    int64_t num_classes = 1000;
    int64_t in_channels = 3;
    float dropout = 0.5f;  // classifier.0; p = 0 keeps the layer (an identity) and the indices
    // The stem conv (features.0) and the stem max-pool (features.2) at stride 1.
    bool small_input = false;
  };
  explicit SqueezeNet(const Options& options);

 protected:
  Var forward_impl(const Var& x) override;  // (N, in_channels, H, W) -> (N, num_classes)

 private:
  std::shared_ptr<Sequential> features_;
  std::shared_ptr<Sequential> classifier_;
};

// The zoo's "squeezenet1_0" and "squeezenet1_1".
std::shared_ptr<Module> make_squeezenet(const ModelSpec& spec);

}  // namespace minnow
