// SGD and AdamW against torch.optim over several steps (parameters after every step and the
// final state), the exact state round trip, blocked layouts, the weight-decay exemption and
// the errors of load_state, and that one parallel pass over all parameters gives the floats
// each parameter gets stepping alone.
#include <gtest/gtest.h>
#include <omp.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "tests/support/errors.h"
#include "tests/support/random.h"
#include "tests/support/torch_parity.h"
#include "tests/train/optim_parity.h"
#include "train/adamw.h"
#include "train/param_sweep.h"
#include "train/sgd.h"

namespace minnow {
namespace {

using test_support::random_tensor;

const std::vector<std::pair<std::string, Dims>> kShapes = {
    {"conv.weight", {4, 3, 3, 3}}, {"bn.weight", {4}}, {"bn.bias", {4}}, {"fc.weight", {5, 8}}, {"fc.bias", {5}}};
constexpr int kSteps = 5;

struct Fixture {
  NamedTensors initial;
  std::vector<NamedTensors> grads;  // per step; fc.bias has no gradient at step 2
};

Fixture make_fixture() {
  Rng rng(7);
  Fixture f;
  for (const auto& [name, dims] : kShapes) f.initial.emplace_back(name, random_tensor(dims, rng));
  for (int step = 0; step < kSteps; ++step) {
    f.grads.emplace_back();
    for (const auto& [name, dims] : kShapes) {
      if (step == 2 && name == "fc.bias") continue;
      f.grads.back().emplace_back(name, random_tensor(dims, rng, -2.0f, 2.0f));
    }
  }
  return f;
}

NamedParams params_from(const NamedTensors& values) {
  NamedParams params;
  for (const auto& [name, t] : values) params.emplace_back(name, Var(t.clone(), true));
  return params;
}

void set_grads(const NamedParams& params, const NamedTensors& grads) {
  for (const auto& [name, var] : params) {
    var.zero_grad();
    for (const auto& [gname, g] : grads)
      if (gname == name) var.set_grad(g.clone().to_layout(var.data().desc()));
  }
}

struct OptimCase {
  std::string id;
  std::string optimizer;
  nlohmann::json args;  // torch keyword arguments
  bool no_decay_bn_bias;
  std::vector<double> lrs;
  std::function<std::unique_ptr<Optimizer>(NamedParams)> make;
};

std::vector<OptimCase> optim_cases() {
  const std::vector<double> sgd_lrs{0.1, 0.05, 0.2, 0.1, 0.01};
  const std::vector<double> adam_lrs{1e-2, 5e-3, 2e-2, 1e-2, 1e-3};
  auto sgd = [](SgdOptions o) { return [o](NamedParams p) -> std::unique_ptr<Optimizer> { return std::make_unique<Sgd>(std::move(p), o); }; };
  auto adamw = [](AdamWOptions o) { return [o](NamedParams p) -> std::unique_ptr<Optimizer> { return std::make_unique<AdamW>(std::move(p), o); }; };
  return {
      {"sgd_plain", "sgd", {}, false, sgd_lrs, sgd({})},
      {"sgd_momentum_wd", "sgd", {{"momentum", 0.9}, {"weight_decay", 1e-2}}, false, sgd_lrs,
       sgd({.momentum = 0.9, .weight_decay = 1e-2})},
      {"sgd_dampening", "sgd", {{"momentum", 0.8}, {"dampening", 0.3}}, false, sgd_lrs,
       sgd({.momentum = 0.8, .dampening = 0.3})},
      {"sgd_nesterov_no_decay_bn_bias", "sgd", {{"momentum", 0.9}, {"nesterov", true}, {"weight_decay", 5e-2}}, true,
       sgd_lrs, sgd({.momentum = 0.9, .nesterov = true, .weight_decay = 5e-2, .no_decay_bn_bias = true})},
      {"adamw", "adamw", {}, false, adam_lrs, adamw({})},
      {"adamw_betas_no_decay_bn_bias", "adamw",
       {{"betas", {0.8, 0.95}}, {"eps", 1e-6}, {"weight_decay", 0.1}}, true, adam_lrs,
       adamw({.betas = {0.8, 0.95}, .eps = 1e-6, .weight_decay = 0.1, .no_decay_bn_bias = true})},
  };
}

TEST(Optimizer, MatchesTorchOverFiveSteps) {
  const Fixture f = make_fixture();
  SafeTensors request;
  nlohmann::json names = nlohmann::json::array(), cases = nlohmann::json::array();
  for (const auto& [name, t] : f.initial) {
    names.push_back(name);
    request.tensors.emplace_back("param/" + name, t);
  }
  for (int step = 0; step < kSteps; ++step)
    for (const auto& [name, g] : f.grads[static_cast<size_t>(step)])
      request.tensors.emplace_back("grad/" + std::to_string(step) + "/" + name, g);
  const auto all = optim_cases();
  for (const auto& c : all)
    cases.push_back({{"id", c.id}, {"optimizer", c.optimizer}, {"args", c.args.is_null() ? nlohmann::json::object() : c.args},
                     {"no_decay_bn_bias", c.no_decay_bn_bias}, {"lrs", c.lrs}});
  request.metadata = {{"params", names.dump()}, {"cases", cases.dump()}};

  const SafeTensors torch = test_support::run_optim_parity("optim", request);

  for (const auto& c : all) {
    const NamedParams params = params_from(f.initial);
    const auto optimizer = c.make(params);
    for (int step = 0; step < kSteps; ++step) {
      set_grads(params, f.grads[static_cast<size_t>(step)]);
      optimizer->step(c.lrs[static_cast<size_t>(step)]);
      for (const auto& [name, var] : params) {
        const std::string key = c.id + "/" + std::to_string(step) + "/" + name;
        test_support::expect_matches_torch(var.data().to_plain(), torch.at(key).to_plain(), 1e-6, 1e-5, key);
      }
    }
    size_t torch_state = 0;
    for (const auto& [key, t] : torch.tensors) torch_state += key.starts_with(c.id + "/state/");
    const NamedTensors state = optimizer->state();
    EXPECT_EQ(state.size(), torch_state) << c.id;
    for (const auto& [key, t] : state) {
      const Tensor& expected = torch.at(c.id + "/state/" + key);
      if (key.ends_with(".step")) {
        EXPECT_EQ(*t.data<int32_t>(), *expected.data<int32_t>()) << c.id << " " << key;
      } else {
        test_support::expect_matches_torch(t.to_plain(), expected.to_plain(), 1e-6, 1e-5, c.id + " " + key);
      }
    }
  }
}

TEST(Optimizer, StateRoundTripContinuesBitForBit) {
  const Fixture f = make_fixture();
  for (const auto& c : optim_cases()) {
    const NamedParams params = params_from(f.initial);
    const auto optimizer = c.make(params);
    for (int step = 0; step < 3; ++step) {
      set_grads(params, f.grads[static_cast<size_t>(step)]);
      optimizer->step(0.1);
    }
    SafeTensors saved;
    saved.tensors = optimizer->state();
    const std::string bytes = encode_safetensors(saved);
    const SafeTensors loaded = decode_safetensors(std::as_bytes(std::span(bytes)), "state");

    NamedTensors current;
    for (const auto& [name, var] : params) current.emplace_back(name, var.data());
    const NamedParams resumed = params_from(current);
    const auto restored = c.make(resumed);
    restored->load_state(loaded.tensors);
    for (int step = 3; step < kSteps; ++step) {
      set_grads(params, f.grads[static_cast<size_t>(step)]);
      set_grads(resumed, f.grads[static_cast<size_t>(step)]);
      optimizer->step(0.1);
      restored->step(0.1);
    }
    for (size_t i = 0; i < params.size(); ++i)
      EXPECT_EQ(params[i].second.data().to_plain(), resumed[i].second.data().to_plain()) << c.id << " " << params[i].first;
  }
}

// A nChw16c tensor of 20 channels keeps 12 channels of zero padding per block of 32.
std::vector<bool> padding_mask(const dnnl::memory::desc& md) {
  const Tensor ones = Tensor::full(md.dims(), 1.0f).to_layout(md);
  std::vector<bool> mask;
  for (float v : ones.f32_buffer()) mask.push_back(v == 0.0f);
  return mask;
}

TEST(Optimizer, BlockedLayoutEqualsPlainAndKeepsPaddingZero) {
  const Dims dims{2, 20, 3, 3};
  const dnnl::memory::desc blocked_md(dims, dt::f32, dnnl::memory::format_tag::nChw16c);
  const auto mask = padding_mask(blocked_md);
  ASSERT_EQ(std::count(mask.begin(), mask.end(), true), 2 * 12 * 3 * 3);
  Rng rng(3);
  const Tensor initial = random_tensor(dims, rng);
  std::vector<Tensor> grads;
  for (int step = 0; step < 6; ++step) grads.push_back(random_tensor(dims, rng));

  for (const auto& c : optim_cases()) {
    const NamedParams plain = params_from({{"w", initial}});
    const NamedParams blocked = params_from({{"w", initial.to_layout(blocked_md)}});
    const auto plain_opt = c.make(plain);
    auto blocked_opt = c.make(blocked);
    for (int step = 0; step < 6; ++step) {
      plain[0].second.set_grad(grads[static_cast<size_t>(step)].clone());
      // Odd steps hand the blocked parameter a plain gradient: it is reordered, same result.
      const Tensor& g = grads[static_cast<size_t>(step)];
      blocked[0].second.set_grad(step % 2 ? g.clone() : g.to_layout(blocked_md));
      plain_opt->step(0.05);
      blocked_opt->step(0.05);
      if (step == 2) {  // the state goes out plain and comes back into the blocked layout
        const NamedTensors state = blocked_opt->state();
        blocked_opt = c.make(blocked);
        blocked_opt->load_state(state);
      }
      const Tensor& w = blocked[0].second.data();
      ASSERT_EQ(w.desc(), blocked_md);
      EXPECT_EQ(w.to_plain(), plain[0].second.data().to_plain()) << c.id << " step " << step;
      const auto buffer = w.f32_buffer();
      for (size_t k = 0; k < buffer.size(); ++k) {
        if (mask[k]) {
          ASSERT_EQ(buffer[k], 0.0f) << c.id << " padding at " << k << " after step " << step;
        }
      }
    }
  }
}

TEST(Optimizer, OnePassOverAllParametersEqualsEachParameterAlone) {
  // Together these exceed kParallelSweepElements, so the update is cut among three threads
  // at other places than when each parameter steps alone (the small ones then on one
  // thread). Same floats.
  const std::vector<std::pair<std::string, Dims>> shapes = {
      {"a.weight", {3}}, {"b.weight", {70001}}, {"b.bias", {17}}, {"c.weight", {40000}}, {"d.bias", {1}}};
  static_assert(3 + 70001 + 17 + 40000 + 1 > kParallelSweepElements);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(3);
  Rng rng(11);
  NamedTensors initial;
  for (const auto& [name, dims] : shapes) initial.emplace_back(name, random_tensor(dims, rng));
  std::vector<NamedTensors> grads(3);
  for (auto& step : grads)
    for (const auto& [name, dims] : shapes) step.emplace_back(name, random_tensor(dims, rng, -2.0f, 2.0f));
  for (const auto& c : optim_cases()) {
    const NamedParams together = params_from(initial);
    const auto together_opt = c.make(together);
    std::vector<NamedParams> alone;
    std::vector<std::unique_ptr<Optimizer>> alone_opts;
    for (const auto& named : initial) {
      alone.push_back(params_from({named}));
      alone_opts.push_back(c.make(alone.back()));
    }
    for (size_t step = 0; step < grads.size(); ++step) {
      const double lr = c.lrs[step];
      set_grads(together, grads[step]);
      together_opt->step(lr);
      for (size_t i = 0; i < alone.size(); ++i) {
        set_grads(alone[i], grads[step]);
        alone_opts[i]->step(lr);
        EXPECT_EQ(together[i].second.data().to_plain(), alone[i][0].second.data().to_plain())
            << c.id << " " << shapes[i].first << " step " << step;
      }
    }
  }
  omp_set_num_threads(threads);
}

TEST(Optimizer, StateFollowsAParameterIntoANewLayout) {
  // A model may move a weight into its conv's layout after the optimizer has state for it.
  const Dims dims{2, 20, 3, 3};
  const dnnl::memory::desc blocked_md(dims, dt::f32, dnnl::memory::format_tag::nChw16c);
  Rng rng(4);
  const Tensor initial = random_tensor(dims, rng);
  const Tensor g0 = random_tensor(dims, rng), g1 = random_tensor(dims, rng);
  for (const auto& c : optim_cases()) {
    const NamedParams moved = params_from({{"w", initial}}), reference = params_from({{"w", initial}});
    const auto moved_opt = c.make(moved), reference_opt = c.make(reference);
    for (const auto& params : {moved, reference}) params[0].second.set_grad(g0.clone());
    moved_opt->step(0.1);
    reference_opt->step(0.1);
    moved[0].second.set_data(moved[0].second.data().to_layout(blocked_md));
    moved[0].second.set_grad(g1.to_layout(blocked_md));
    reference[0].second.set_grad(g1.clone());
    moved_opt->step(0.1);
    reference_opt->step(0.1);
    EXPECT_EQ(moved[0].second.data().desc(), blocked_md);
    EXPECT_EQ(moved[0].second.data().to_plain(), reference[0].second.data().to_plain()) << c.id;
  }
}

TEST(Optimizer, WeightDecayExemptsOneDimensionalAndBias) {
  EXPECT_TRUE(exempt_from_weight_decay("features.1.weight", {32}));  // BN weight
  EXPECT_TRUE(exempt_from_weight_decay("classifier.1.bias", {10}));
  EXPECT_TRUE(exempt_from_weight_decay("conv.bias", {8, 1}));
  EXPECT_TRUE(exempt_from_weight_decay("bias", {8, 1}));
  EXPECT_FALSE(exempt_from_weight_decay("conv.weight", {8, 3, 3, 3}));
  EXPECT_FALSE(exempt_from_weight_decay("fc.weight", {10, 64}));
  EXPECT_FALSE(exempt_from_weight_decay("unbias", {10, 64}));

  // With no_decay_bn_bias a 1-D parameter with a zero gradient does not move.
  const NamedParams params = params_from({{"bn.weight", Tensor::full({3}, 1.0f)}, {"fc.weight", Tensor::full({2, 2}, 1.0f)}});
  Sgd sgd(params, {.weight_decay = 0.5, .no_decay_bn_bias = true});
  for (const auto& [name, var] : params) var.set_grad(Tensor::zeros(var.dims()));
  sgd.step(0.1);
  EXPECT_EQ(params[0].second.data().to_plain(), std::vector<float>(3, 1.0f));
  EXPECT_EQ(params[1].second.data().to_plain(), std::vector<float>(4, 0.95f));
}

TEST(Optimizer, ZeroGradDropsGradients) {
  const NamedParams params = params_from({{"w", Tensor::full({2}, 1.0f)}});
  params[0].second.set_grad(Tensor::full({2}, 1.0f));
  AdamW adamw(params, {});
  adamw.zero_grad();
  EXPECT_FALSE(params[0].second.grad().defined());
  adamw.step(0.1);  // nothing to do without gradients
  EXPECT_TRUE(adamw.state().empty());
}

TEST(Optimizer, MakeOptimizerFollowsTheConfig) {
  const NamedParams params = params_from({{"w", Tensor::full({2}, 1.0f)}});
  OptimizerConfig config{.name = OptimizerKind::adamw, .weight_decay = 0.3, .betas = {0.5, 0.6}};
  const auto adamw = make_optimizer(config, params);
  const auto& adamw_options = dynamic_cast<const AdamW&>(*adamw).options();  // throws if it is not AdamW
  EXPECT_EQ(adamw_options.betas[1], 0.6);
  EXPECT_EQ(adamw_options.weight_decay, 0.3);
  config.name = OptimizerKind::sgd;
  const auto sgd = make_optimizer(config, params);
  EXPECT_EQ(dynamic_cast<const Sgd&>(*sgd).options().momentum, 0.9);
}

using test_support::expect_error;

TEST(Optimizer, BadInputsGiveClearErrors) {
  const NamedParams params = params_from({{"a.weight", Tensor::full({2, 2}, 1.0f)}, {"a.bias", Tensor::full({2}, 1.0f)}});
  expect_error([&] { Sgd(params_from({{"w", Tensor::full({1}, 1.0f)}, {"w", Tensor::full({1}, 1.0f)}}), {}); },
               "parameter 'w' is given twice");
  expect_error([] { Sgd(params_from({{"w", Tensor::full({1}, 1.0f)}}), {.nesterov = true}); }, "nesterov needs momentum > 0");
  expect_error([] { AdamW(params_from({{"w", Tensor::full({1}, 1.0f)}}), {.betas = {0.9, 1.0}}); }, "betas must lie in [0, 1)");

  AdamW adamw(params, {});
  const Tensor buffer = Tensor::zeros({2, 2});
  Tensor step(plain_desc({1}, DType::s32));
  *step.data<int32_t>() = 3;
  expect_error([&] { adamw.load_state({{"c.weight.exp_avg", buffer}}); }, "'c.weight.exp_avg' matches no parameter");
  expect_error([&] { adamw.load_state({{"a.weight.exp_avg", Tensor::zeros({4})}}); },
               "'a.weight.exp_avg' is f32 [4]; expected f32 [2, 2]");
  expect_error([&] { adamw.load_state({{"a.weight.exp_avg", buffer}, {"a.weight.step", step}}); },
               "'a.weight.exp_avg_sq' is missing");
  expect_error([&] { adamw.load_state({{"a.weight.exp_avg", buffer}, {"a.weight.exp_avg_sq", buffer}, {"a.weight.step", buffer}}); },
               "'a.weight.step' must be one s32 count >= 1");
  adamw.load_state({{"a.weight.exp_avg", buffer}, {"a.weight.exp_avg_sq", buffer}, {"a.weight.step", step}});
  EXPECT_EQ(adamw.state().size(), 3u);
}

}  // namespace
}  // namespace minnow
