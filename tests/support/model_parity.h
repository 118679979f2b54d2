// torchvision parity for whole models: the C++ half of tests/parity/torchvision_models.py.
// Describes torchvision models (parameter counts, names and shapes), runs a reference
// (weights, input, eval logits, train-mode gradients) and compares a minnow model with it.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/safetensors.h"
#include "models/module.h"

namespace minnow::test_support {

struct TorchvisionModelInfo {
  int64_t params = 0;
  std::vector<std::pair<std::string, Dims>> parameters;  // named_parameters() order
  std::vector<std::pair<std::string, Dims>> buffers;     // named_buffers() order; a scalar [] reads as {1}
};
// One Python run for all names: torchvision.models.<name>(weights=None, num_classes=num_classes,
// **kwargs), kwargs_json such as {"width_mult": 0.75}.
std::map<std::string, TorchvisionModelInfo> describe_torchvision_models(const std::vector<std::string>& names,
                                                                        int64_t num_classes,
                                                                        const std::string& kwargs_json = "{}");

struct TorchvisionReferenceOptions {
  std::string model;  // torchvision.models.<model>
  int64_t num_classes = 10;
  int64_t batch = 2;
  int64_t resolution = 64;
  uint64_t seed = 0;
  std::string kwargs_json = "{}";  // extra constructor arguments, e.g. {"dropout": 0.0}
  // > 0: redraw the input until every ReLU / ReLU6 input of the train-mode forward is at
  // least this far from its kink, so float32 rounding cannot flip one (see the script).
  double min_relu_margin = 0;
  // Non-empty: a safetensors file of a float32 run's ReLU / ReLU6 outputs by module name
  // (activation_outputs); the train-mode reference takes every element's side of a kink from it.
  std::string kink_inputs{};
};
// The reference file described in torchvision_models.py ("state/", "input", "labels",
// "eval/logits", "train/logits", "train/loss", "grad/", "after/").
SafeTensors run_torchvision_reference(const TorchvisionReferenceOptions& options);

// The output of every Activation (ReLU6, ...) in model's train-mode forward of reference
// "input" after loading reference "state/" (recording on, as in expect_torchvision_parity),
// by dotted module name. model's running statistics are left changed. A ReLU's or ReLU6's
// output lies on the same side of each kink as its input (y > 0 iff x > 0, y >= 6 iff x >= 6),
// which is all the reference reads; and forward hooks, unlike pre-hooks, leave ConvBnAct's
// batch norm + ReLU6 op in place (models/conv_bn_act.h), so the sides are those of the step
// under test.
SafeTensors activation_outputs(Module& model, const SafeTensors& reference);
// A reference whose train-mode ReLU6 kinks follow minnow: runs run_torchvision_reference,
// then again with options.kink_inputs set to activation_outputs(model, first run). Where
// float32 rounding moves an input across a kink its gradient differs by whole elements;
// the script allows a side to differ from float64's only within 1e-4 max|input| of a kink.
SafeTensors run_torchvision_reference_following_kinks(Module& model, TorchvisionReferenceOptions options);

// |actual - expected| <= atol + atol_scale * max|expected| + rtol |expected|, elementwise.
// atol covers tensors that are zero in exact arithmetic (a BN bias followed by a conv and a
// training-mode BN gets no gradient: float64 gives 1e-17, float32 rounding noise up to 1e-6).
struct Tolerance {
  double atol = 0;
  double atol_scale = 1e-4;
  double rtol = 1e-4;
};
void expect_close(const std::vector<float>& actual, const Tensor& expected, const Tolerance& tolerance,
                  const std::string& what);

struct ParityTolerances {
  Tolerance logits;           // eval and train-mode logits, and the loss
  Tolerance gradients;        // every parameter's gradient
  Tolerance running_stats{};  // BN running mean and variance after the train-mode forward
};
// Loads reference "state/" into model (minnow::load_state_dict), then compares its eval logits, train-mode logits and
// loss (mean cross-entropy on "labels"), every parameter's gradient and every buffer after
// that step. model must have torchvision's names and no active dropout.
void expect_torchvision_parity(Module& model, const SafeTensors& reference, const ParityTolerances& tolerances);

}  // namespace minnow::test_support
