// FeaturesPoolClassifier: registers its three children empty, in forward order.
#include "models/features_pool_classifier.h"

namespace minnow {

FeaturesPoolClassifier::FeaturesPoolClassifier(std::string type, const std::string& pool_name,
                                               const std::string& features_name)
    : Module(std::move(type)) {
  features_ = register_module(features_name, std::make_shared<Sequential>());
  pool_ = register_module(pool_name, std::make_shared<GlobalAvgPool>());
  classifier_ = register_module("classifier", std::make_shared<Sequential>());
}

Var FeaturesPoolClassifier::forward_impl(const Var& x) {
  return classifier_->forward(pool_->forward(features_->forward(x)));
}

}  // namespace minnow
