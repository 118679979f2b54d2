// GoogLeNet (Inception v1, Szegedy et al. 2014) as torchvision 0.14's
// googlenet(aux_logits=False, init_weights=True, transform_input=False): conv1 (7x7 stride 2),
// maxpool1, conv2 (1x1), conv3 (3x3), maxpool2, inception3a-3b, maxpool3, inception4a-4e,
// maxpool4, inception5a-5b, avgpool, dropout, fc; every max-pool in ceil mode. No auxiliary
// heads and no input transform. Names and shapes equal torchvision's state_dict().
// small_input: conv1 and maxpool1 run at stride 1, so a 32 px input is down-sampled 8x (4x4
// at inception5b) instead of 32x.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "models/layers.h"
#include "models/zoo.h"

namespace minnow {

class GoogLeNet : public Module {
 public:
  explicit GoogLeNet(const ModelSpec& spec);

 protected:
  Var forward_impl(const Var& x) override;  // (N, in_channels, H, W) -> (N, num_classes)

 private:
  // Registers child under name and appends it to the forward order.
  template <class M>
  std::shared_ptr<M> add(const std::string& name, std::shared_ptr<M> child) {
    layers_.push_back(child);
    return register_module(name, std::move(child));
  }
  std::vector<std::shared_ptr<Module>> layers_;  // conv1 ... fc, run in order
};

// The zoo's "googlenet"; it has no width multiplier.
std::shared_ptr<Module> make_googlenet(const ModelSpec& spec);

}  // namespace minnow
