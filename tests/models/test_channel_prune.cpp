// Channel pruning (models/channel_prune.h) on every zoo family: the rebuilt, smaller model
// computes what the original computes with the removed units masked (their filters, biases
// and BN channels zeroed), in eval and in training mode; its plan rebuilds the same shapes
// from the zoo; it has fewer parameters and Mult-Adds. Also the criteria and the errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/grad_mode.h"
#include "models/channel_prune.h"
#include "models/layers.h"
#include "models/model_stats.h"
#include "models/sequential.h"
#include "tests/support/errors.h"
#include "tests/support/model_checks.h"
#include "tests/support/random.h"
#include "tests/support/zoo_cases.h"

namespace minnow {
namespace {

using test_support::closeness;
using test_support::expect_error;
using test_support::random_tensor;
using test_support::randomise_batch_norms;
using test_support::ZooCase;

// Zeroes output channels `gone` of a parameter of `out` output channels (weight rows, whatever
// its grouped dims; bias or BN entries).
void zero_rows(const Var& param, int64_t out, const std::vector<int64_t>& gone) {
  if (!param.defined()) return;
  std::vector<float> v = param.data().to_plain();
  const int64_t row = static_cast<int64_t>(v.size()) / out;
  for (const int64_t r : gone) std::fill_n(v.begin() + r * row, row, 0.0f);
  param.set_data(Tensor::from_plain(param.dims(), v));
}

// The masked original: each layer's output channels in removed units zeroed at their source.
void mask_units(const ChannelGraph& cg, const std::vector<bool>& removed) {
  for (const auto& node : cg.graph.nodes) {
    if (node.op != GraphNode::Op::layer) continue;
    std::vector<int64_t> gone;
    const auto& classes = cg.unit_of[static_cast<size_t>(node.outputs[0])];
    for (size_t c = 0; c < classes.size(); ++c)
      if (removed[static_cast<size_t>(classes[c])]) gone.push_back(static_cast<int64_t>(c));
    if (gone.empty()) continue;
    const auto out = static_cast<int64_t>(classes.size());
    if (const auto* conv = layer_as<Conv2d>(node)) zero_rows(conv->weight(), out, gone), zero_rows(conv->bias(), out, gone);
    if (const auto* fc = layer_as<Linear>(node)) zero_rows(fc->weight(), out, gone), zero_rows(fc->bias(), out, gone);
    if (const auto* bn = layer_as<BatchNorm2d>(node)) zero_rows(bn->weight(), out, gone), zero_rows(bn->bias(), out, gone);
  }
}

std::vector<float> run(Module& model, const Tensor& x, bool training) {
  const NoGrad no_grad;
  model.train(training);
  return model.forward(Var(x)).data().to_plain();
}

std::map<std::string, Dims> shapes(const Module& model) {
  std::map<std::string, Dims> out;
  for (const auto& p : model.named_parameters()) out[p.name] = p.shape;
  return out;
}

class ChannelPrune : public ::testing::TestWithParam<ZooCase> {};

TEST_P(ChannelPrune, RebuiltModelComputesTheMaskedOriginal) {
  ModelSpec spec = GetParam().spec;
  spec.dropout = 0.0f;  // a dropout mask over fewer features would differ
  if (spec.name.starts_with("efficientnet")) spec.stochastic_depth = 0.0f;
  const int64_t r = GetParam().resolution;
  const Dims input{2, spec.in_channels, r, r};
  const auto pruned = create_model(spec);
  const auto masked = create_model(spec);
  randomise_batch_norms(*pruned, 7);
  randomise_batch_norms(*masked, 7);
  const ModelStats before = model_stats(*pruned, {.resolution = r, .in_channels = spec.in_channels,
                                                  .measure_latency = false});

  const ChannelGraph cg = analyse_channels(*pruned, input);
  ASSERT_FALSE(cg.groups.empty());
  const ChannelPruneResult result = select_units(cg, {.ratio = 0.45, .criterion = PruneCriterion::l2});
  // ShuffleNet v1's grouped convs keep the same in-group channels in every group, which the
  // shuffles between them tie into few, wide units; every other family loses about 40%.
  EXPECT_GT(result.units_removed, spec.name == "shufflenet_v1" ? 0 : result.units_total / 4);
  remove_units(cg, result.removed);
  mask_units(analyse_channels(*masked, input), result.removed);  // the same classes: the same model

  Rng rng(3);
  const Tensor x = random_tensor(input, rng);
  for (const bool training : {false, true}) {
    SCOPED_TRACE(training ? "training" : "eval");
    const std::vector<float> want = run(*masked, x, training);
    const std::vector<float> got = run(*pruned, x, training);
    ASSERT_EQ(got.size(), want.size());
    EXPECT_LE(closeness(got, want, 1e-4, 1e-3), 1.0);
  }

  const ModelStats after = model_stats(*pruned, {.resolution = r, .in_channels = spec.in_channels,
                                                 .measure_latency = false});
  EXPECT_LT(after.params, before.params);
  EXPECT_LT(after.macs, before.macs);

  ModelSpec rebuilt_spec = spec;
  rebuilt_spec.channels = result.plan;
  const auto rebuilt = create_model(rebuilt_spec);
  EXPECT_EQ(shapes(*rebuilt), shapes(*pruned));
  EXPECT_TRUE(rebuilt->training());
}

const ZooCase kCases[] = {
    {{.name = "mobilenet_v1", .width = 0.25f, .num_classes = 10, .small_input = true}, 32},
    {{.name = "mobilenet_v2", .width = 0.35f, .num_classes = 10, .small_input = true}, 32},
    {{.name = "mobilenet_v3_small", .num_classes = 10, .small_input = true}, 32},
    {{.name = "mobilenet_v3_large", .width = 0.5f, .num_classes = 10, .small_input = true}, 32},
    {{.name = "shufflenet_v1", .width = 0.5f, .num_classes = 10, .small_input = true, .groups = 3}, 32},
    {{.name = "shufflenet_v2_x0_5", .num_classes = 10, .small_input = true}, 32},
    {{.name = "squeezenet1_0", .num_classes = 10, .small_input = true}, 32},
    {{.name = "squeezenet1_1", .num_classes = 10, .small_input = true}, 32},
    {{.name = "resnet18", .num_classes = 10, .small_input = true}, 32},
    {{.name = "resnet50", .num_classes = 10, .small_input = true}, 32},
    {{.name = "resnet20", .num_classes = 10, .small_input = true}, 32},
    {{.name = "mnasnet0_5", .num_classes = 10, .small_input = true}, 32},
    {{.name = "efficientnet_b0", .num_classes = 10, .small_input = true}, 32},
    {{.name = "xception", .num_classes = 10, .small_input = true}, 32},
    {{.name = "googlenet", .num_classes = 10, .small_input = true}, 32},
    {{.name = "densenet121", .num_classes = 10, .small_input = true}, 32},
    {{.name = "mobilenet_v2", .width = 0.35f, .num_classes = 10, .in_channels = 1, .small_input = true}, 28},
};

INSTANTIATE_TEST_SUITE_P(Zoo, ChannelPrune, ::testing::ValuesIn(kCases),
                         [](const auto& test) { return std::to_string(test.index) + "_" + test.param.spec.name; });

// conv (2 -> 3 channels, 1x1) -> BN -> ReLU -> global pool -> linear (3 -> 2): one group of three
// units, the conv's filters f0 = (1, 0), f1 = (0, 1), f2 = (0.6, 0.6).
std::shared_ptr<Sequential> three_filter_model() {
  auto model = std::make_shared<Sequential>();
  auto conv = model->add(std::make_shared<Conv2d>(Conv2d::Options{.in = 2, .out = 3, .bias = false}));
  conv->weight().set_data(Tensor::from_plain({3, 2, 1, 1}, std::vector<float>{1, 0, 0, 1, 0.6f, 0.6f}));
  model->add(std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.channels = 3}));
  model->add(std::make_shared<Activation>(ActivationKind::relu));
  model->add(std::make_shared<GlobalAvgPool>());
  model->add(std::make_shared<Linear>(Linear::Options{.in = 3, .out = 2}));
  return model;
}

// Scores by hand: l1 (1, 1, 1.2); l2 (1, 1, 0.849); fpgm, the summed distances to the other
// filters: f0 and f1 sqrt(2) + sqrt(0.52) = 2.135, f2 2 sqrt(0.52) = 1.442.
TEST(ChannelScores, EachCriterionByHand) {
  auto model = three_filter_model();
  const ChannelGraph cg = analyse_channels(*model, {1, 2, 4, 4});
  ASSERT_EQ(cg.groups.size(), 1u);
  EXPECT_EQ(cg.groups[0].name, "0");
  const auto expect_scores = [&](PruneCriterion c, std::vector<double> want) {
    SCOPED_TRACE(criterion_name(c));
    const std::vector<double> got = unit_scores(cg.groups[0], c);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6) << i;
  };
  const double near = std::sqrt(0.52);
  expect_scores(PruneCriterion::l1, {1.0, 1.0, 1.2});
  expect_scores(PruneCriterion::l2, {1.0, 1.0, std::sqrt(0.72)});
  expect_scores(PruneCriterion::fpgm, {std::sqrt(2.0) + near, std::sqrt(2.0) + near, 2 * near});

  // A third of three units is one: l1 removes f0 (the first of the tied lowest), fpgm removes f2.
  const auto removed_unit = [&](PruneCriterion c) {
    const ChannelPruneResult r = select_units(cg, {.ratio = 1.0 / 3.0, .criterion = c});
    EXPECT_EQ(r.units_removed, 1);
    for (size_t u = 0; u < cg.groups[0].units.size(); ++u)
      if (r.removed[static_cast<size_t>(cg.groups[0].units[u].id)]) return static_cast<int>(u);
    return -1;
  };
  EXPECT_EQ(removed_unit(PruneCriterion::l1), 0);
  EXPECT_EQ(removed_unit(PruneCriterion::fpgm), 2);
  EXPECT_EQ(select_units(cg, {.ratio = 1.0 / 3.0}).plan, (std::vector<std::string>{"0:2"}));
}

// A removed unit is gone from the conv's output, the BN and the linear layer's input.
TEST(ChannelPrune, RemovesAUnitFromEveryLayerItTouches) {
  auto model = three_filter_model();
  prune_channels(*model, {1, 2, 4, 4}, {.ratio = 1.0 / 3.0, .criterion = PruneCriterion::fpgm});
  std::map<std::string, Dims> want{{"0.weight", {2, 2, 1, 1}}, {"1.weight", {2}}, {"1.bias", {2}},
                                   {"4.weight", {2, 2}},       {"4.bias", {2}}};
  EXPECT_EQ(shapes(*model), want);
  const std::vector<float> kept = model->named_parameters()[0].var.data().to_plain();
  EXPECT_EQ(kept, (std::vector<float>{1, 0, 0, 1}));  // f0 and f1 stay
}

TEST(ChannelPrune, PlanErrorsNameTheEntry) {
  ModelSpec spec{.name = "mobilenet_v1", .width = 0.25f, .num_classes = 10, .small_input = true};
  spec.channels = {"features.0.0"};
  expect_error([&] { create_model(spec); }, {"model.channels", "'layer:channels'", "'features.0.0'"});
  spec.channels = {"features.1.dw.0:4"};
  expect_error([&] { create_model(spec); }, {"model.channels", "'features.1.dw.0'", "not the first layer"});
  spec.channels = {"features.0.0:9"};
  expect_error([&] { create_model(spec); }, {"model.channels: features.0.0", "in [1, 8]", "got 9"});
  spec.channels = {"features.0.0:3"};
  EXPECT_EQ(create_model(spec)->named_parameters().front().shape, (Dims{3, 3, 3, 3}));
  spec.channels = {"features.0.0:3:0f"};
  expect_error([&] { create_model(spec); }, {"features.0.0", "a mask of 2 hex digits keeping 3 of its 8 units", "'0f'"});
  spec.channels = {"features.0.0:3:b0"};  // units 4, 5 and 7
  EXPECT_EQ(create_model(spec)->named_parameters().front().shape, (Dims{3, 3, 3, 3}));
}

// ShuffleNet v2's stride-1 unit splits its input in two and the shuffles tie each stage's units
// to one half or the other: pruning never empties a half, and where the kept units are not a
// group's first ones the plan says which they are, so that the rebuilt model splits alike.
TEST(ChannelPrune, ShuffleNetV2KeepsBothHalvesAndItsPlanSaysWhichUnits) {
  const ModelSpec spec{.name = "shufflenet_v2_x0_5", .num_classes = 10, .in_channels = 1, .small_input = true};
  for (const double ratio : {0.5, 0.9}) {
    SCOPED_TRACE(ratio);
    const auto model = create_model(spec);
    const ChannelPruneResult result = prune_channels(*model, {1, 1, 28, 28}, {.ratio = ratio});
    EXPECT_TRUE(std::any_of(result.plan.begin(), result.plan.end(),
                            [](const std::string& e) { return std::count(e.begin(), e.end(), ':') == 2; }));
    ModelSpec rebuilt_spec = spec;
    rebuilt_spec.channels = result.plan;
    EXPECT_EQ(shapes(*create_model(rebuilt_spec)), shapes(*model));
    const NoGrad no_grad;
    model->eval();
    EXPECT_EQ(model->forward(Var(Tensor::zeros({1, 1, 28, 28}))).dims(), (Dims{1, 10}));
  }
}

}  // namespace
}  // namespace minnow
