// Float ONNX export of every zoo family, run by OpenCV 4.6's DNN module: its logits equal
// minnow's eval-mode forward within 1e-4 of the largest logit. BN statistics come from a few
// train-mode forwards, so the folding is checked on non-trivial running means and variances.
// Channel-pruned models export the same way.
// The models come from create_input_sensitive_model (GoogLeNet re-drawn so that its logits depend
// on the features).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/grad_mode.h"
#include "deploy/onnx_export.h"
#include "models/channel_prune.h"
#include "models/inception.h"
#include "models/inference_fold.h"
#include "models/layers.h"
#include "models/sequential.h"
#include "models/squeeze_excitation.h"
#include "models/zoo.h"
#include "tests/deploy/opencv_net.h"
#include "tests/support/errors.h"
#include "tests/support/input_sensitive_model.h"
#include "tests/support/random.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/zoo_cases.h"

namespace minnow {
namespace {

// The largest |got - expected| over the largest |expected|.
double relative_error(const std::vector<float>& got, const std::vector<float>& expected) {
  EXPECT_EQ(got.size(), expected.size());
  double largest = 0, worst = 0;
  for (float v : expected) largest = std::max(largest, static_cast<double>(std::abs(v)));
  for (size_t i = 0; i < std::min(got.size(), expected.size()); ++i)
    worst = std::max(worst, static_cast<double>(std::abs(got[i] - expected[i])));
  EXPECT_GT(largest, 0.0);
  return worst / largest;
}

// model's eval forward on x against OpenCV's on the exported file.
double opencv_error(Module& model, const Tensor& x) {
  model.eval();
  std::vector<float> expected;
  {
    const NoGrad no_grad;
    expected = model.forward(Var(x)).data().to_plain();
  }
  const testing::ScratchDir dir("onnx_float");
  const std::string path = (dir / "model.onnx").string();
  const Dims d = x.dims();
  export_onnx_float(path, model, {.input_dims = {1, d[1], d[2], d[3]}, .metadata = {}});
  return relative_error(test_support::opencv_forward(path, x), expected);
}

// A model folded for inference has activations inside its convs that ONNX's Conv cannot carry.
TEST(OnnxFloat, RefusesAModelFoldedForInference) {
  auto model = create_model({.name = "mobilenet_v1", .width = 0.25f, .num_classes = 10, .small_input = true});
  fold_for_inference(*model, {1, 3, 32, 32});
  const testing::ScratchDir dir("onnx_folded");
  test_support::expect_error(
      [&] { export_onnx_float((dir / "model.onnx").string(), *model, {.input_dims = {1, 3, 32, 32}, .metadata = {}}); },
      "was folded for inference");
}

// Each layer alone, in the forms the zoo uses.
TEST(OnnxFloatLayers, EachLayerRunsInOpenCv) {
  struct LayerCase {
    const char* what;
    std::shared_ptr<Module> layer;
  };
  const LayerCase cases[] = {
      {"avg pool 3x3 s2 p1 (ShuffleNet v1's shortcut)",
       std::make_shared<AvgPool2d>(Pool2dOptions{.kernel = 3, .stride = 2, .padding = 1})},
      {"avg pool 3x3 s2 p1 ceil", std::make_shared<AvgPool2d>(Pool2dOptions{.kernel = 3, .stride = 2, .padding = 1, .ceil_mode = true})},
      {"avg pool 3x3 s2 p1 excluding the padding", std::make_shared<AvgPool2d>(Pool2dOptions{
                                                   .kernel = 3, .stride = 2, .padding = 1, .count_include_pad = false})},
      {"max pool 3x3 s2 ceil (SqueezeNet)",
       std::make_shared<MaxPool2d>(Pool2dOptions{.kernel = 3, .stride = 2, .ceil_mode = true})},
      {"max pool 3x3 s2 p1", std::make_shared<MaxPool2d>(Pool2dOptions{.kernel = 3, .stride = 2, .padding = 1})},
      {"max pool 3x3 s1 p1 ceil (GoogLeNet's branch4)",
       std::make_shared<MaxPool2d>(Pool2dOptions{.kernel = 3, .stride = 1, .padding = 1, .ceil_mode = true})},
      {"max pool 2x2 s2 ceil (GoogLeNet's maxpool4)",
       std::make_shared<MaxPool2d>(Pool2dOptions{.kernel = 2, .stride = 2, .ceil_mode = true})},
      {"Inception (four branches concatenated)",
       std::make_shared<Inception>(Inception::Options{.in = 12,
                                                      .ch1x1 = 4,
                                                      .ch3x3red = 6,
                                                      .ch3x3 = 8,
                                                      .ch5x5red = 2,
                                                      .ch5x5 = 4,
                                                      .pool_proj = 4})},
      {"relu6", std::make_shared<Activation>(ActivationKind::relu6)},
      {"hardswish", std::make_shared<Activation>(ActivationKind::hardswish)},
      {"hardsigmoid", std::make_shared<Activation>(ActivationKind::hardsigmoid)},
      {"channel-keeping global pool", std::make_shared<GlobalAvgPool>(GlobalAvgPool::Options{.flatten = false})},
      {"squeeze-and-excitation (MobileNet-v3's)",
       std::make_shared<SqueezeExcitation>(SqueezeExcitation::Options{
           .channels = 12, .squeeze = 8, .scale_activation = ActivationKind::hardsigmoid})},
      {"grouped conv", std::make_shared<Conv2d>(Conv2d::Options{.in = 12, .out = 24, .kernel = 1, .groups = 3})},
      {"depthwise conv s2",
       std::make_shared<Conv2d>(Conv2d::Options{.in = 12, .out = 12, .kernel = 3, .stride = 2, .groups = 12})},
  };
  Rng rng(5);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    Sequential model;
    model.add(c.layer);
    // Inputs on [-8, 8): ReLU6's upper clip is reached too.
    EXPECT_LE(opencv_error(model, test_support::random_tensor({2, 12, 15, 15}, rng, -8.f, 8.f)), 1e-5);
  }
}

using test_support::ZooCase;

std::string case_name(const ::testing::TestParamInfo<ZooCase>& info) { return test_support::zoo_case_name(info.param); }

class OnnxFloat : public ::testing::TestWithParam<ZooCase> {};

TEST_P(OnnxFloat, OpenCvGivesMinnowsLogits) {
  const ZooCase& c = GetParam();
  auto model = test_support::create_input_sensitive_model(c.spec);
  const Dims dims{3, c.spec.in_channels, c.resolution, c.resolution};
  Rng rng(11);
  {
    const NoGrad no_grad;
    model->train();
    for (int i = 0; i < 3; ++i) (void)model->forward(Var(test_support::random_tensor(dims, rng)));
  }
  EXPECT_LE(opencv_error(*model, test_support::random_tensor(dims, rng)), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(
    Zoo, OnnxFloat,
    ::testing::Values(
        ZooCase{{.name = "mobilenet_v1", .width = 0.25f, .num_classes = 10}, 64},
        ZooCase{{.name = "mobilenet_v2", .width = 0.35f, .num_classes = 10}, 64},
        ZooCase{{.name = "mobilenet_v3_small", .width = 0.75f, .num_classes = 10}, 64},
        ZooCase{{.name = "mobilenet_v3_large", .width = 0.35f, .num_classes = 10, .small_input = true}, 32},
        ZooCase{{.name = "mnasnet0_5", .num_classes = 10}, 64},
        ZooCase{{.name = "efficientnet_b0", .num_classes = 10, .small_input = true}, 32},
        ZooCase{{.name = "xception", .num_classes = 10, .small_input = true}, 32},
        ZooCase{{.name = "googlenet", .num_classes = 10}, 64},
        ZooCase{{.name = "densenet121", .num_classes = 10}, 64},
        ZooCase{{.name = "shufflenet_v1", .width = 0.5f, .num_classes = 10, .groups = 3}, 64},
        ZooCase{{.name = "shufflenet_v1", .width = 0.5f, .num_classes = 10, .groups = 1}, 64},
        ZooCase{{.name = "shufflenet_v1", .width = 0.5f, .num_classes = 10, .groups = 2}, 64},
        ZooCase{{.name = "shufflenet_v1", .width = 0.5f, .num_classes = 10, .groups = 4}, 64},
        ZooCase{{.name = "shufflenet_v1", .width = 0.5f, .num_classes = 10, .groups = 8}, 64},
        ZooCase{{.name = "shufflenet_v2_x0_5", .num_classes = 10}, 64},
        ZooCase{{.name = "shufflenet_v2_x1_0", .num_classes = 10}, 64},
        ZooCase{{.name = "squeezenet1_0", .num_classes = 10}, 64},
        ZooCase{{.name = "squeezenet1_1", .num_classes = 10}, 64},
        ZooCase{{.name = "resnet18", .num_classes = 10}, 64},
        ZooCase{{.name = "resnet34", .num_classes = 10, .small_input = true}, 32},
        ZooCase{{.name = "resnet50", .num_classes = 10}, 64}),
    case_name);

// A channel-pruned model (models/channel_prune.h) is an ordinary model to the exporter: odd
// channel counts, ShuffleNet v2's unequal split, pruned SE blocks and residual chains.
class OnnxFloatPruned : public ::testing::TestWithParam<ZooCase> {};

TEST_P(OnnxFloatPruned, OpenCvGivesMinnowsLogits) {
  const ZooCase& c = GetParam();
  auto model = test_support::create_input_sensitive_model(c.spec);
  const Dims dims{3, c.spec.in_channels, c.resolution, c.resolution};
  const ChannelPruneResult pruned = prune_channels(*model, {1, c.spec.in_channels, c.resolution, c.resolution},
                                                   {.ratio = 0.45, .criterion = PruneCriterion::l2});
  EXPECT_GT(pruned.units_removed, 0);
  Rng rng(12);
  {
    const NoGrad no_grad;
    model->train();
    for (int i = 0; i < 3; ++i) (void)model->forward(Var(test_support::random_tensor(dims, rng)));
  }
  EXPECT_LE(opencv_error(*model, test_support::random_tensor(dims, rng)), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Zoo, OnnxFloatPruned,
                         ::testing::Values(ZooCase{{.name = "mobilenet_v2", .width = 0.35f, .num_classes = 10}, 64},
                                           ZooCase{{.name = "mobilenet_v3_small", .num_classes = 10}, 64},
                                           ZooCase{{.name = "shufflenet_v2_x0_5", .num_classes = 10}, 64},
                                           ZooCase{{.name = "squeezenet1_1", .num_classes = 10}, 64},
                                           ZooCase{{.name = "resnet18", .num_classes = 10}, 64}),
                         case_name);

}  // namespace
}  // namespace minnow
