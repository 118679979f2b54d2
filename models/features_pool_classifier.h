// FeaturesPoolClassifier: the top level of the MobileNets, MNASNet and EfficientNet, children
// features (Sequential), a global average pool and classifier (Sequential), run in that order.
// A model derives from it and fills features() and classifier() in its constructor; the names
// stay its own ("features.3.conv.1.weight", "classifier.1.bias").
#pragma once

#include <memory>
#include <string>

#include "models/layers.h"
#include "models/sequential.h"

namespace minnow {

class FeaturesPoolClassifier : public Module {
 protected:
  // pool_name: the pool's child name ("pool"; torchvision's MobileNet-v3 says "avgpool");
  // features_name: the features' ("features"; torchvision's MNASNet says "layers").
  FeaturesPoolClassifier(std::string type, const std::string& pool_name,
                         const std::string& features_name = "features");
  Sequential& features() { return *features_; }
  Sequential& classifier() { return *classifier_; }
  Var forward_impl(const Var& x) override;  // classifier(pool(features(x)))

 private:
  std::shared_ptr<Sequential> features_;
  std::shared_ptr<GlobalAvgPool> pool_;
  std::shared_ptr<Sequential> classifier_;
};

}  // namespace minnow
