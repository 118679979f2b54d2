// Magnitude masks on small models: which weights are pruned (prune.exclude, its errors), the
// layer and global scopes against a naive sort, deterministic ties, when the hook recomputes
// them, and pruned weights that stay exactly zero through SGD with momentum and AdamW with
// weight decay, blocked layouts included.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/engine.h"
#include "models/layers.h"
#include "models/sequential.h"
#include "models/zoo.h"
#include "ops/losses.h"
#include "tests/support/errors.h"
#include "tests/support/random.h"
#include "train/optimizer.h"
#include "train/prune/magnitude_masks.h"
#include "train/prune/prune_hook.h"

namespace minnow {
namespace {

using test_support::expect_error;

// "0": Conv2d(2 -> 4, 3x3), "1": Sequential{"0": Linear(36 -> 8)}, "2": Linear(8 -> 3).
std::shared_ptr<Sequential> small_model() {
  auto model = std::make_shared<Sequential>();
  model->add(std::make_shared<Conv2d>(Conv2d::Options{.in = 2, .out = 4, .kernel = 3}));
  auto inner = model->add(std::make_shared<Sequential>());
  inner->add(std::make_shared<Linear>(Linear::Options{.in = 36, .out = 8}));
  model->add(std::make_shared<Linear>(Linear::Options{.in = 8, .out = 3}));
  return model;
}

std::vector<std::string> names(const std::vector<PrunedWeight>& weights) {
  std::vector<std::string> out;
  for (const auto& w : weights) out.push_back(w.name);
  return out;
}

TEST(PruneMasks, EveryConvAndLinearWeightUnlessExcluded) {
  EXPECT_EQ(names(attach_weight_masks(*small_model(), {})),
            (std::vector<std::string>{"0.weight", "1.0.weight", "2.weight"}));
  EXPECT_EQ(names(attach_weight_masks(*small_model(), {"1"})), (std::vector<std::string>{"0.weight", "2.weight"}));
  EXPECT_EQ(names(attach_weight_masks(*small_model(), {"2.weight", "0"})), (std::vector<std::string>{"1.0.weight"}));
  // A mask is a buffer of the layer, named after it.
  auto model = small_model();
  (void)attach_weight_masks(*model, {"0", "1"});
  std::vector<std::string> buffers;
  for (const auto& b : model->named_buffers()) buffers.push_back(b.name);
  EXPECT_EQ(buffers, (std::vector<std::string>{"2.pruning.weight_mask"}));
}

TEST(PruneMasks, ExcludeNamingNothingIsAnError) {
  expect_error([] { (void)attach_weight_masks(*small_model(), {"classifier"}); },
               {"prune.exclude: 'classifier' names no module or parameter of the model"});
  expect_error([] { (void)attach_weight_masks(*small_model(), {"1.0.weigh"}); }, {"prune.exclude: '1.0.weigh'"});
  expect_error([] { (void)attach_weight_masks(*small_model(), {"0", "1", "2"}); },
               {"prune.exclude: expected at least one Conv2d or Linear weight left to prune"});
}

// The entries a naive full sort prunes: the floor(s n) smallest (magnitude, position) pairs.
std::vector<std::vector<float>> reference_masks(const std::vector<std::vector<float>>& weights, double sparsity,
                                                bool global) {
  std::vector<std::vector<float>> masks;
  for (const auto& w : weights) masks.emplace_back(w.size(), 1.0f);
  auto prune = [&](const std::vector<size_t>& layers) {
    std::vector<std::tuple<float, size_t, size_t>> entries;  // magnitude, layer, index: position order
    for (const size_t l : layers)
      for (size_t i = 0; i < weights[l].size(); ++i) entries.emplace_back(std::fabs(weights[l][i]), l, i);
    std::sort(entries.begin(), entries.end());
    const auto count = static_cast<size_t>(std::floor(sparsity * static_cast<double>(entries.size())));
    for (size_t k = 0; k < count; ++k) masks[std::get<1>(entries[k])][std::get<2>(entries[k])] = 0.0f;
  };
  if (global) {
    std::vector<size_t> all(weights.size());
    for (size_t l = 0; l < all.size(); ++l) all[l] = l;
    prune(all);
  } else {
    for (size_t l = 0; l < weights.size(); ++l) prune({l});
  }
  return masks;
}

// Layers of very different scales, with ties: global pruning takes the small layer first.
void check_scope(PruneScope scope, double sparsity) {
  auto model = small_model();
  const auto weights = attach_weight_masks(*model, {});
  Rng rng(3);
  std::vector<std::vector<float>> before;
  const float scales[] = {1.0f, 0.01f, 10.0f};
  for (size_t l = 0; l < weights.size(); ++l) {
    std::vector<float> v = test_support::random_tensor(weights[l].weight.dims(), rng).to_plain();
    for (size_t i = 0; i < v.size(); ++i) v[i] = i % 5 == 0 ? 0.25f * scales[l] : v[i] * scales[l];  // ties
    weights[l].weight.set_data(Tensor::from_plain(weights[l].weight.dims(), v));
    before.push_back(v);
  }
  update_magnitude_masks(weights, scope, sparsity);
  const auto expected = reference_masks(before, sparsity, scope == PruneScope::global);
  for (size_t l = 0; l < weights.size(); ++l) {
    EXPECT_EQ(weights[l].mask->mask().to_plain(), expected[l]) << weights[l].name;
    std::vector<float> masked = before[l];
    for (size_t i = 0; i < masked.size(); ++i) masked[i] *= expected[l][i];
    EXPECT_EQ(weights[l].weight.data().to_plain(), masked) << weights[l].name;
  }
}

TEST(PruneMasks, LayerScopePrunesEachWeightOnItsOwn) {
  check_scope(PruneScope::layer, 0.3);
  check_scope(PruneScope::layer, 0.75);
}

TEST(PruneMasks, GlobalScopeUsesOneThreshold) {
  check_scope(PruneScope::global, 0.3);
  check_scope(PruneScope::global, 0.75);
}

TEST(PruneMasks, GlobalAndLayerScopesDiffer) {
  auto layer_model = small_model(), global_model = small_model();
  const auto layer = attach_weight_masks(*layer_model, {});
  const auto global = attach_weight_masks(*global_model, {});
  for (size_t l = 0; l < layer.size(); ++l) {
    std::vector<float> v = layer[l].weight.data().to_plain();
    for (float& x : v) x *= l == 1 ? 0.001f : 1.0f;  // "1.0" is tiny
    layer[l].weight.set_data(Tensor::from_plain(layer[l].weight.dims(), v));
    global[l].weight.set_data(Tensor::from_plain(global[l].weight.dims(), v));
  }
  update_magnitude_masks(layer, PruneScope::layer, 0.5);
  update_magnitude_masks(global, PruneScope::global, 0.5);
  auto zeros = [](const PrunedWeight& w) {
    const auto m = w.mask->mask().to_plain();
    return std::count(m.begin(), m.end(), 0.0f);
  };
  for (size_t l = 0; l < layer.size(); ++l) EXPECT_EQ(zeros(layer[l]), layer[l].mask->mask().numel() / 2);
  // 192 of the 72 + 288 + 24 weights, all in the tiny layer.
  EXPECT_EQ(zeros(global[0]), 0);
  EXPECT_EQ(zeros(global[1]), (72 + 288 + 24) / 2) << "the tiny layer goes first under one threshold";
  EXPECT_EQ(zeros(global[2]), 0);
}

// Each mask's count of pruned entries.
std::vector<int64_t> pruned_counts(Module& model) {
  std::vector<int64_t> counts;
  for (const auto& [name, module] : model.named_modules()) {
    if (auto* mask = dynamic_cast<WeightMask*>(module)) {
      const std::vector<float> m = mask->mask().to_plain();
      counts.push_back(std::count(m.begin(), m.end(), 0.0f));
    }
  }
  return counts;
}

// floor(s n) for each of small_model()'s weights (72, 288 and 24 entries).
std::vector<int64_t> expected_counts(double s) {
  std::vector<int64_t> counts;
  for (const double n : {72.0, 288.0, 24.0}) counts.push_back(static_cast<int64_t>(std::floor(s * n)));
  return counts;
}

// Pruning at steps 0, 2, 4, 6, 8 (2 epochs of 4 steps): the masks follow the stage of the step
// about to run, also when a pruning step did not run; a hook resumed between pruning steps
// keeps the masks it finds until the next one.
TEST(PruneHook, RecomputesMasksWhenTheStageChanges) {
  PruneConfig config;
  config.initial_sparsity = 0.2;
  config.target_sparsity = 0.6;
  config.end_epoch = 2;
  config.every_steps = 2;
  const int64_t steps_per_epoch = 4;
  PruneHook hook(config);
  auto model = small_model();
  hook.on_model(*model);
  const SparsitySchedule s = hook.schedule(steps_per_epoch);
  auto at = [&](PruneHook& h, int64_t step) {
    h.before_step({.epoch = step / steps_per_epoch, .step = step % steps_per_epoch}, steps_per_epoch);
  };
  at(hook, 0);
  EXPECT_EQ(pruned_counts(*model), expected_counts(0.2));
  at(hook, 1);
  EXPECT_EQ(pruned_counts(*model), expected_counts(0.2));
  at(hook, 3);  // step 2 did not run: its stage is applied now
  EXPECT_EQ(pruned_counts(*model), expected_counts(scheduled_sparsity(s, 2)));
  EXPECT_GT(scheduled_sparsity(s, 2), 0.2);

  PruneHook resumed(config);
  auto fresh = small_model();
  resumed.on_model(*fresh);
  at(resumed, 5);  // the masks of step 4 would be loaded from a checkpoint: none computed here
  EXPECT_EQ(pruned_counts(*fresh), expected_counts(0.0));
  at(resumed, 6);
  EXPECT_EQ(pruned_counts(*fresh), expected_counts(scheduled_sparsity(s, 6)));
  at(resumed, 9);
  EXPECT_EQ(pruned_counts(*fresh), expected_counts(0.6));
}

// A tiny zoo model trained with the hook by hand: 2 dense steps build up optimizer state, the
// one-shot prune at step 2, then every step must leave the pruned weights exactly zero although
// the optimizer's state at those entries would move them.
void check_stays_zero(const OptimizerConfig& optimizer_config, const std::string& state_name) {
  set_num_threads(1);
  ModelSpec spec;
  spec.name = "mobilenet_v1";
  spec.width = 0.25;
  spec.num_classes = 4;
  spec.in_channels = 1;
  spec.small_input = true;
  auto model = create_model(spec);
  PruneConfig config;
  config.enabled = true;
  config.target_sparsity = 0.6;
  config.initial_sparsity = 0.6;
  config.start_epoch = 1;
  config.end_epoch = 2;
  PruneHook hook(config);
  hook.on_model(*model);
  NamedParams params;
  for (const auto& p : model->named_parameters()) params.emplace_back(p.name, p.var);
  auto optimizer = make_optimizer(optimizer_config, params);
  Rng rng(11);
  const int64_t steps_per_epoch = 2;
  hook.on_epoch_start(0);
  for (int64_t step = 0; step < 7; ++step) {
    hook.before_step({.epoch = step / steps_per_epoch, .step = step % steps_per_epoch}, steps_per_epoch);
    const Var logits = model->forward(Var(test_support::random_tensor({4, 1, 12, 12}, rng)));  // (4, 4)
    const Var loss = cross_entropy(logits, {0, 1, 2, 3}, {});
    optimizer->zero_grad();
    loss.backward();
    hook.after_backward(optimizer->params());
    optimizer->step(0.05);
    hook.after_step(optimizer->params());
    if (step < 2) continue;
    int64_t live_state = 0;  // optimizer state at pruned entries: what the re-masking holds off
    const NamedTensors state = optimizer->state();
    for (const auto& [name, module] : model->named_modules()) {
      auto* mask = dynamic_cast<WeightMask*>(module);
      if (mask == nullptr) continue;
      const std::string layer = name.substr(0, name.size() - std::string(".pruning").size());
      const std::vector<float> m = mask->mask().to_plain();
      std::vector<float> w;
      for (const auto& p : model->named_parameters())
        if (p.name == layer + ".weight") w = p.var.data().to_plain();
      std::vector<float> s;
      for (const auto& [state_key, t] : state)
        if (state_key == layer + ".weight." + state_name) s = t.to_plain();
      ASSERT_EQ(w.size(), m.size()) << layer;
      ASSERT_EQ(s.size(), m.size()) << layer;
      EXPECT_EQ(std::count(m.begin(), m.end(), 0.0f), static_cast<int64_t>(std::floor(0.6 * m.size()))) << layer;
      for (size_t i = 0; i < m.size(); ++i) {
        if (m[i] != 0.0f) continue;
        ASSERT_EQ(w[i], 0.0f) << layer << " entry " << i << " after step " << step;
        live_state += s[i] != 0.0f;
      }
    }
    EXPECT_GT(live_state, 0) << "the optimizer state at pruned entries is all zero: the test would pass unmasked";
  }
}

TEST(PruneMasks, PrunedWeightsStayZeroUnderSgdMomentumAndWeightDecay) {
  check_stays_zero({.name = OptimizerKind::sgd, .lr = 0.05, .momentum = 0.9, .weight_decay = 0.01}, "momentum_buffer");
}

TEST(PruneMasks, PrunedWeightsStayZeroUnderAdamWWeightDecay) {
  check_stays_zero({.name = OptimizerKind::adamw, .lr = 0.01, .momentum = 0.9, .weight_decay = 0.1}, "exp_avg");
}

}  // namespace
}  // namespace minnow
