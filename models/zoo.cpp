// Name -> constructor table for the zoo. Each family's header declares its
// factory; this file only dispatches and reports unknown names.
#include "models/zoo.h"

#include <functional>
#include <map>

#include "core/error.h"
#include "models/channel_prune.h"
#include "models/densenet.h"
#include "models/efficientnet.h"
#include "models/googlenet.h"
#include "models/init.h"
#include "models/layers.h"
#include "models/mnasnet.h"
#include "models/mobilenet_v1.h"
#include "models/mobilenet_v2.h"
#include "models/mobilenet_v3.h"
#include "models/resnet.h"
#include "models/shufflenet_v1.h"
#include "models/shufflenet_v2.h"
#include "models/squeezenet.h"
#include "models/xception.h"

namespace minnow {
namespace {

void set_bn_momentum(Module& model, float momentum) {
  for (const auto& [name, module] : model.named_modules())
    if (auto* bn = dynamic_cast<BatchNorm2d*>(module)) bn->set_momentum(momentum);
}

using Factory = std::function<std::shared_ptr<Module>(const ModelSpec&)>;

const std::vector<std::pair<std::string, Factory>>& factories() {
  static const std::vector<std::pair<std::string, Factory>> table = {
      {"mobilenet_v1", make_mobilenet_v1},
      {"mobilenet_v2", make_mobilenet_v2},
      {"mobilenet_v3_small", make_mobilenet_v3},
      {"mobilenet_v3_large", make_mobilenet_v3},
      {"shufflenet_v1", make_shufflenet_v1},
      {"shufflenet_v2", make_shufflenet_v2},
      {"shufflenet_v2_x0_5", make_shufflenet_v2},
      {"shufflenet_v2_x1_0", make_shufflenet_v2},
      {"shufflenet_v2_x1_5", make_shufflenet_v2},
      {"shufflenet_v2_x2_0", make_shufflenet_v2},
      {"squeezenet1_0", make_squeezenet},
      {"squeezenet1_1", make_squeezenet},
      {"resnet18", make_resnet},
      {"resnet34", make_resnet},
      {"resnet50", make_resnet},
      {"resnet20", make_resnet},
      {"resnet56", make_resnet},
      {"mnasnet", make_mnasnet},
      {"mnasnet0_5", make_mnasnet},
      {"mnasnet1_0", make_mnasnet},
      {"efficientnet_b0", make_efficientnet},
      {"xception", make_xception},
      {"googlenet", make_googlenet},
      {"densenet121", make_densenet},
  };
  return table;
}

}  // namespace

std::shared_ptr<Module> create_model(const ModelSpec& spec) {
  MINNOW_CHECK(spec.num_classes >= 1, "model: expected num_classes >= 1, got ", spec.num_classes);
  MINNOW_CHECK(spec.in_channels >= 1, "model: expected in_channels >= 1, got ", spec.in_channels);
  MINNOW_CHECK(spec.width > 0.0f, "model: expected width > 0, got ", spec.width);
  MINNOW_CHECK(!spec.stochastic_depth || spec.name.starts_with("efficientnet"), "model: ", spec.name,
               " has no stochastic depth; got stochastic_depth ", *spec.stochastic_depth);
  MINNOW_CHECK(!spec.bn_momentum || (*spec.bn_momentum > 0.0f && *spec.bn_momentum <= 1.0f),
               "model: expected bn_momentum in (0, 1], got ", spec.bn_momentum.value_or(0.0f));
  for (const auto& [name, factory] : factories()) {
    if (name != spec.name) continue;
    manual_seed(spec.seed);
    auto model = factory(spec);
    if (spec.bn_momentum) set_bn_momentum(*model, *spec.bn_momentum);
    apply_channel_plan(*model, plan_input_dims(spec.in_channels, spec.small_input), spec.channels, "model.channels");
    return model;
  }
  std::string known;
  for (const auto& entry : factories()) known += (known.empty() ? "" : ", ") + entry.first;
  MINNOW_FAIL("model: unknown name '", spec.name, "'; expected one of ", known);
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const auto& entry : factories()) names.push_back(entry.first);
  return names;
}

}  // namespace minnow
