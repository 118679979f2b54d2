// Folding batch norm into the convs for inference (models/inference_fold.h): on every family
// built of ConvBnAct blocks, the folded model's logits equal the unfolded eval model's, with
// BN statistics and affine parameters away from their start; every block folds, those with
// an activation oneDNN has as a post-op into one primitive; a folded model refuses training
// mode and gradients; the conv's post-op computes what the activation op computes.
#include <gtest/gtest.h>

#include "core/grad_mode.h"
#include "models/conv_bn_act.h"
#include "models/inference_fold.h"
#include "models/layers.h"
#include "models/zoo.h"
#include "ops/conv2d.h"
#include "tests/support/errors.h"
#include "tests/support/model_checks.h"
#include "tests/support/random.h"
#include "tests/support/zoo_cases.h"

namespace minnow {
namespace {

using test_support::closeness;
using test_support::expect_error;
using test_support::random_tensor;
using test_support::ZooCase;

std::vector<float> eval_logits(Module& model, const Tensor& x) {
  const NoGrad no_grad;
  return model.forward(Var(x)).data().to_plain();
}

int count_blocks(Module& model) {
  int blocks = 0;
  for (const auto& [name, m] : model.named_modules()) blocks += dynamic_cast<ConvBnAct*>(m) != nullptr;
  return blocks;
}

class InferenceFold : public ::testing::TestWithParam<ZooCase> {};

TEST_P(InferenceFold, FoldedModelComputesTheEvalModel) {
  const ZooCase& c = GetParam();
  auto model = create_model(c.spec);
  test_support::randomise_batch_norms(*model, 3);
  model->eval();
  Rng rng(4);
  const Tensor x = random_tensor({2, c.spec.in_channels, c.resolution, c.resolution}, rng);
  const std::vector<float> before = eval_logits(*model, x);
  const int blocks = count_blocks(*model);
  ASSERT_GT(blocks, 0);
  EXPECT_EQ(fold_for_inference(*model), blocks);
  EXPECT_EQ(fold_for_inference(*model), 0);  // nothing left to fold
  const std::vector<float> after = eval_logits(*model, x);
  EXPECT_LE(closeness(after, before, 1e-4, 1e-4), 1.0) << c.spec.name;
}

const ZooCase kCases[] = {
    {{.name = "mobilenet_v1", .width = 0.25f, .num_classes = 10, .small_input = true}, 32},
    {{.name = "mobilenet_v2", .width = 0.35f, .num_classes = 10, .small_input = true}, 32},
    {{.name = "mobilenet_v3_small", .num_classes = 10, .small_input = true}, 32},
    {{.name = "mobilenet_v3_large", .width = 0.5f, .num_classes = 10, .small_input = true}, 32},
    {{.name = "efficientnet_b0", .num_classes = 10, .small_input = true, .stochastic_depth = 0.0f}, 32},
    {{.name = "mobilenet_v2", .width = 0.35f, .num_classes = 10, .in_channels = 1, .small_input = true}, 28},
};

INSTANTIATE_TEST_SUITE_P(Zoo, InferenceFold, ::testing::ValuesIn(kCases),
                         [](const auto& test) { return std::to_string(test.index) + "_" + test.param.spec.name; });

TEST(InferenceFold, FoldedBlockRefusesTrainingAndGradients) {
  auto model = create_model({.name = "mobilenet_v1", .width = 0.25f, .num_classes = 10, .small_input = true});
  fold_for_inference(*model);
  Rng rng(5);
  const Var x(random_tensor({2, 3, 32, 32}, rng));
  expect_error([&] { (void)model->forward(x); }, "folded for inference runs only in eval mode without gradients");
  model->train();
  const NoGrad no_grad;
  expect_error([&] { (void)model->forward(x); }, "got training mode");
}

// conv2d with each activation's post-op (activation_post_op) against conv2d then the
// activation's op; hardsigmoid has none.
TEST(ConvPostOp, MatchesTheActivationAfterTheConv) {
  const ActivationKind kinds[] = {ActivationKind::relu,    ActivationKind::relu6, ActivationKind::hardswish,
                                  ActivationKind::sigmoid, ActivationKind::swish, ActivationKind::hardsigmoid};
  Rng rng(6);
  const Var x(random_tensor({2, 8, 9, 9}, rng, -3.0f, 3.0f));
  const Var w(random_tensor({16, 8, 3, 3}, rng, -1.0f, 1.0f)), b(random_tensor({16}, rng));
  const NoGrad no_grad;
  for (const ActivationKind kind : kinds) {
    const std::optional<ConvPostOp> post = activation_post_op(kind);
    EXPECT_EQ(post.has_value(), kind != ActivationKind::hardsigmoid) << activation_name(kind);
    if (!post) continue;
    const Conv2dOptions plain{.padding = 1};
    Conv2dOptions fused = plain;
    fused.post = *post;
    const std::vector<float> want = apply_activation(kind, conv2d(x, w, b, plain)).data().to_plain();
    const std::vector<float> got = conv2d(x, w, b, fused).data().to_plain();
    EXPECT_LE(closeness(got, want, 1e-5, 1e-5), 1.0) << activation_name(kind);
  }
}

TEST(ConvPostOp, IsRefusedWhenTheConvRecordsForBackward) {
  Rng rng(7);
  const Var x(random_tensor({1, 4, 5, 5}, rng), true), w(random_tensor({4, 4, 1, 1}, rng), true);
  const Conv2dOptions options{.post = {dnnl::algorithm::eltwise_relu}};
  expect_error([&] { (void)conv2d(x, w, Var(), options); }, "an activation post-op is for inference only");
}

}  // namespace
}  // namespace minnow
