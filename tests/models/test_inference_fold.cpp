// Folding batch norm into the convs for inference (models/inference_fold.h): on every zoo
// family the folded model's logits equal the unfolded eval model's, with BN statistics and
// affine parameters away from their start; every batch norm after a conv folds and no other;
// an activation folds into the conv only where oneDNN has it as a post-op and it runs once; a
// folded model refuses training mode and gradients; Winograd convs run any batch size and
// refuse gradients; the conv's post-op computes what the activation op computes.
#include <gtest/gtest.h>

#include "core/grad_mode.h"
#include "models/graph.h"
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

// The batch-norm nodes of the model's eval graph and how many of them read a conv's output;
// the activation nodes with a post-op form that read a conv's output; the ReLU nodes that
// read a batch norm's.
struct FoldableNodes {
  int batch_norms = 0, batch_norms_after_conv = 0, activations_after_conv = 0, relus_after_batch_norm = 0;
};

FoldableNodes foldable_nodes(Module& model, const Dims& input_dims) {
  const InferenceGraph graph = trace_inference_graph(model, input_dims);
  FoldableNodes count;
  for (const GraphNode& n : graph.nodes) {
    const GraphNode* producer = graph.producer(n.inputs[0]);
    const bool after_conv = producer && layer_as<Conv2d>(*producer);
    if (layer_as<BatchNorm2d>(n)) {
      ++count.batch_norms;
      count.batch_norms_after_conv += after_conv;
    } else if (auto* act = layer_as<Activation>(n)) {
      count.activations_after_conv += after_conv && activation_post_op(act->kind());
      count.relus_after_batch_norm +=
          act->kind() == ActivationKind::relu && producer && layer_as<BatchNorm2d>(*producer);
    }
  }
  return count;
}

class InferenceFold : public ::testing::TestWithParam<ZooCase> {};

// Every batch norm that read a conv's output has left the graph, the rest are still there; no
// activation with a post-op form reads a conv's output, no ReLU a batch norm's; and the
// logits, with 3x3 convs as Winograd, are the eval model's.
TEST_P(InferenceFold, FoldedModelComputesTheEvalModel) {
  const ZooCase& c = GetParam();
  auto model = create_model(c.spec);
  test_support::randomise_batch_norms(*model, 3);
  model->eval();
  Rng rng(4);
  const Tensor x = random_tensor({2, c.spec.in_channels, c.resolution, c.resolution}, rng);
  const std::vector<float> before = eval_logits(*model, x);
  const FoldableNodes before_fold = foldable_nodes(*model, x.dims());

  const FoldCounts folded = fold_for_inference(*model, x.dims(), {.winograd = true});
  EXPECT_EQ(folded.batch_norms, before_fold.batch_norms_after_conv);
  const FoldableNodes left = foldable_nodes(*model, x.dims());
  EXPECT_EQ(left.batch_norms_after_conv, 0);
  EXPECT_EQ(left.batch_norms, before_fold.batch_norms - before_fold.batch_norms_after_conv);
  EXPECT_EQ(left.activations_after_conv, 0);
  EXPECT_EQ(left.relus_after_batch_norm, 0);
  const FoldCounts again = fold_for_inference(*model, x.dims());  // nothing left to fold
  EXPECT_EQ(again.batch_norms + again.activations, 0);
  const std::vector<float> after = eval_logits(*model, x);
  EXPECT_LE(closeness(after, before, 1e-4, 1e-4), 1.0) << c.spec.name;
}

const ZooCase kCases[] = {
    {{.name = "mobilenet_v1", .width = 0.25f, .num_classes = 10, .small_input = true}, 32},
    {{.name = "mobilenet_v2", .width = 0.35f, .num_classes = 10, .small_input = true}, 32},
    {{.name = "mobilenet_v3_small", .num_classes = 10, .small_input = true}, 32},
    {{.name = "mobilenet_v3_large", .width = 0.5f, .num_classes = 10, .small_input = true}, 32},
    {{.name = "efficientnet_b0", .num_classes = 10, .small_input = true, .stochastic_depth = 0.0f}, 32},
    {{.name = "shufflenet_v1", .width = 0.5f, .num_classes = 10, .small_input = true, .groups = 3}, 32},
    {{.name = "shufflenet_v2_x0_5", .num_classes = 10, .small_input = true}, 32},
    {{.name = "squeezenet1_1", .num_classes = 10, .small_input = true}, 32},
    {{.name = "resnet18", .num_classes = 10, .small_input = true}, 32},
    {{.name = "resnet50", .num_classes = 10, .small_input = true}, 32},
    {{.name = "mnasnet0_5", .num_classes = 10, .small_input = true}, 32},
    {{.name = "xception", .num_classes = 10, .small_input = true}, 32},
    {{.name = "googlenet", .num_classes = 10, .small_input = true}, 32},
    {{.name = "densenet121", .num_classes = 10, .small_input = true}, 32},
    {{.name = "mobilenet_v2", .width = 0.35f, .num_classes = 10, .in_channels = 1, .small_input = true}, 28},
};

INSTANTIATE_TEST_SUITE_P(Zoo, InferenceFold, ::testing::ValuesIn(kCases),
                         [](const auto& test) { return std::to_string(test.index) + "_" + test.param.spec.name; });

// Which activations fold: hardswish after a batch norm runs in the conv, hardsigmoid (no single
// post-op) does not; in SqueezeNet, without batch norms, every ReLU runs in the conv before it.
TEST(InferenceFold, CountsTheActivationsThatRunAsPostOps) {
  const auto folded_activations = [](Module& model) {
    int folded = 0;
    for (const auto& [name, m] : model.named_modules())
      if (auto* act = dynamic_cast<Activation*>(m); act && act->folded()) {
        EXPECT_NE(act->kind(), ActivationKind::hardsigmoid) << name;
        ++folded;
      }
    return folded;
  };
  auto v3 = create_model({.name = "mobilenet_v3_small", .num_classes = 10, .small_input = true});
  const FoldCounts v3_folded = fold_for_inference(*v3, {1, 3, 32, 32});
  EXPECT_GT(v3_folded.activations, 0);
  EXPECT_EQ(v3_folded.activations, folded_activations(*v3));

  auto squeezenet = create_model({.name = "squeezenet1_1", .num_classes = 10, .small_input = true});
  int relus = 0;
  for (const auto& [name, m] : squeezenet->named_modules()) relus += dynamic_cast<Activation*>(m) != nullptr;
  const FoldCounts sq_folded = fold_for_inference(*squeezenet, {1, 3, 32, 32});
  EXPECT_EQ(sq_folded.batch_norms, 0);
  EXPECT_EQ(sq_folded.activations, relus);
  EXPECT_EQ(folded_activations(*squeezenet), relus);
}

// A Winograd conv's weight layout changes with the input's shape; the folded model runs any
// batch size, each against the unfolded model.
TEST(InferenceFold, WinogradConvsRunEveryBatchSize) {
  auto model = create_model({.name = "resnet18", .num_classes = 10});
  test_support::randomise_batch_norms(*model, 10);
  model->eval();
  Rng rng(11);
  std::vector<Tensor> inputs;
  std::vector<std::vector<float>> before;
  for (const int64_t batch : {2, 1, 8}) {
    inputs.push_back(random_tensor({batch, 3, 96, 96}, rng));
    before.push_back(eval_logits(*model, inputs.back()));
  }
  EXPECT_GT(fold_for_inference(*model, inputs[0].dims(), {.winograd = true}).winograd_convs, 0);
  for (size_t i = 0; i < inputs.size(); ++i)
    EXPECT_LE(closeness(eval_logits(*model, inputs[i]), before[i], 1e-4, 1e-4), 1.0) << dims_str(inputs[i].dims());
}

// conv1 -> bn1 -> relu and conv2 -> bn2 -> relu with one relu module, run twice (as
// torchvision's ResNet blocks do): both batch norms fold, the shared relu stays a layer.
class SharedRelu : public Module {
 public:
  SharedRelu() : Module("SharedRelu") {
    for (int i = 0; i < 2; ++i) {
      convs_[i] = register_module("conv" + std::to_string(i), std::make_shared<Conv2d>(Conv2d::Options{
                                                                   .in = 4, .out = 4, .kernel = 3, .bias = false}));
      bns_[i] = register_module("bn" + std::to_string(i),
                                std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.channels = 4}));
    }
    relu_ = register_module("relu", std::make_shared<Activation>(ActivationKind::relu));
  }
  bool relu_folded() const { return relu_->folded(); }

 protected:
  Var forward_impl(const Var& x) override {
    const Var a = relu_->forward(bns_[0]->forward(convs_[0]->forward(x)));
    return relu_->forward(bns_[1]->forward(convs_[1]->forward(a)));
  }

 private:
  std::shared_ptr<Conv2d> convs_[2];
  std::shared_ptr<BatchNorm2d> bns_[2];
  std::shared_ptr<Activation> relu_;
};

TEST(InferenceFold, AnActivationRunTwiceStaysALayer) {
  SharedRelu model;
  test_support::randomise_batch_norms(model, 8);
  model.eval();
  Rng rng(9);
  const Tensor x = random_tensor({2, 4, 6, 6}, rng);
  const std::vector<float> before = eval_logits(model, x);
  const FoldCounts folded = fold_for_inference(model, x.dims());
  EXPECT_EQ(folded.batch_norms, 2);
  EXPECT_EQ(folded.activations, 0);
  EXPECT_FALSE(model.relu_folded());
  EXPECT_LE(closeness(eval_logits(model, x), before, 1e-5, 1e-5), 1.0);
}

TEST(InferenceFold, FoldedBlockRefusesTrainingAndGradients) {
  auto model = create_model({.name = "mobilenet_v1", .width = 0.25f, .num_classes = 10, .small_input = true});
  fold_for_inference(*model, {2, 3, 32, 32});
  Rng rng(5);
  const Var x(random_tensor({2, 3, 32, 32}, rng));
  expect_error([&] { (void)model->forward(x); }, "folded for inference runs only in eval mode without gradients");
  model->train();
  const NoGrad no_grad;
  expect_error([&] { (void)model->forward(x); }, "got training mode");
}

// A Winograd layer keeps transformed copies of its weight, which training would leave stale.
TEST(InferenceFold, WinogradLayerRefusesGradients) {
  Conv2d conv({.in = 8, .out = 8, .kernel = 3});
  conv.set_winograd(true);
  conv.eval();
  Rng rng(12);
  const Var x(random_tensor({1, 8, 6, 6}, rng));
  expect_error([&] { (void)conv.forward(x); }, "Conv2d: a layer folded for inference runs only in eval mode");
  const NoGrad no_grad;
  EXPECT_EQ(conv.forward(x).dims(), (Dims{1, 8, 6, 6}));
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
