// `minnow prune` end to end on a trained-looking checkpoint: the written weights and config
// rebuild the smaller model, which computes what the in-process pruning computes; `minnow
// eval` runs it from the written files; `minnow train` fine-tunes it; and each bad argument
// is one line naming it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/grad_mode.h"
#include "core/safetensors.h"
#include "models/model_stats.h"
#include "models/zoo.h"
#include "ops/losses.h"
#include "tests/support/python.h"
#include "tests/support/random.h"
#include "tests/train/cli_run.h"
#include "tests/train/tiny_idx_run.h"
#include "train/channel_prune_run.h"
#include "train/checkpoint.h"
#include "train/model_setup.h"

namespace minnow {
namespace {

namespace fs = std::filesystem;
using test_support::expect_one_line_error;
using test_support::run_minnow;
using test_support::CliRun;
using test_support::ScratchDir;

// A run folder whose last.safetensors holds a mobilenet_v1 0.25 after one SGD step, trained on
// an IDX folder of 10 random 28x28 images (labels i % 10), also its test split.
Config write_run(const ScratchDir& folder) {
  const Config config = test_support::tiny_idx_run(folder, 10, 4);
  Rng rng(6);  // the first step's batch
  auto model = create_model(model_spec(config.model, 0));
  NamedParams params;
  for (const auto& p : model->named_parameters()) params.emplace_back(p.name, p.var);
  auto optimizer = make_optimizer(config.optimizer, params);
  cross_entropy(model->forward(test_support::random_var({4, 1, 28, 28}, rng, false)), {1, 2, 3, 4}).backward();
  optimizer->step(0.1);
  fs::create_directories(folder.path() / "run");
  save_checkpoint(folder.file("run/last.safetensors"), *model, *optimizer, RunPosition{}, config);
  return config;
}

std::vector<float> logits(Module& model, const Tensor& x) {
  const NoGrad no_grad;
  model.eval();
  return model.forward(Var(x)).data().to_plain();
}

TEST(CliPrune, WritesASmallerModelThatEvalAndTrainLoad) {
  ScratchDir folder;
  const Config config = write_run(folder);
  const CliRun run = run_minnow({"prune", folder.file("run"), "--ratio", "0.5", "--criterion", "fpgm", "--exclude",
                                 "features.0", "-o", folder.file("pruned")},
                                folder.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("Mult-Adds"), std::string::npos) << run.out;

  // The same pruning in this process.
  auto expected = load_run_model(config, folder.file("run/last.safetensors"), "test").model;
  const int64_t params_before = expected->num_parameters();
  const ChannelPruneResult pruned = prune_channels(
      *expected, {1, 1, 28, 28}, {.ratio = 0.5, .criterion = PruneCriterion::fpgm, .exclude = {"features.0"}});

  const Config written = load_config(folder.file("pruned/config.yaml"));
  EXPECT_EQ(written.model.channels, pruned.plan);
  EXPECT_EQ(written.model.init_weights, folder.file("pruned/pruned.safetensors"));
  EXPECT_EQ(written.output, folder.file("pruned"));
  const auto rebuilt = build_model(written);
  EXPECT_LT(rebuilt->num_parameters(), params_before * 2 / 5);
  EXPECT_EQ(rebuilt->num_parameters(), expected->num_parameters());
  Rng rng(9);
  const Tensor x = test_support::random_tensor({3, 1, 28, 28}, rng);
  EXPECT_EQ(logits(*rebuilt, x), logits(*expected, x));

  // The stem conv was excluded: it keeps its 8 channels.
  EXPECT_EQ(rebuilt->named_parameters().front().name, "features.0.0.weight");
  EXPECT_EQ(rebuilt->named_parameters().front().shape, (Dims{8, 1, 3, 3}));

  std::string plan;
  for (const auto& entry : pruned.plan) plan += (plan.empty() ? "" : ",") + entry;
  const CliRun stats = run_minnow({"stats", "--model", "mobilenet_v1", "--width", "0.25", "--resolution", "28",
                                   "--num-classes", "10", "--in-channels", "1", "--small-input", "--channels", plan,
                                   "--json"},
                                  folder.path());
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_EQ(nlohmann::json::parse(stats.out)["params"].get<int64_t>(), rebuilt->num_parameters()) << stats.out;

  const CliRun eval = run_minnow({"eval", folder.file("pruned/config.yaml"), "--weights",
                                  folder.file("pruned/pruned.safetensors"), "--json"},
                                 folder.path());
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_EQ(nlohmann::json::parse(eval.out)["images"].get<int64_t>(), 10);

  const CliRun train = run_minnow({"train", folder.file("pruned/config.yaml")}, folder.path());
  ASSERT_EQ(train.exit_code, 0) << train.err;
  const SafeTensors tuned = load_safetensors(folder.file("pruned/last.safetensors"));
  for (const auto& p : rebuilt->named_parameters()) EXPECT_EQ(tuned.at("model." + p.name).dims(), p.shape) << p.name;

  // Pruning the pruned model again keeps the earlier plan's other entries.
  const CliRun again = run_minnow({"prune", folder.file("pruned"), "--ratio", "0.25", "--exclude", "features.0",
                                   "--exclude", "features.1", "-o", folder.file("again")},
                                  folder.path());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto twice = build_model(load_config(folder.file("again/config.yaml")));
  EXPECT_LT(twice->num_parameters(), rebuilt->num_parameters());
}

TEST(CliPrune, BadArgumentsAreOneLine) {
  ScratchDir folder;
  write_run(folder);
  const auto prune = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"prune", folder.file("run"), "-o", folder.file("out")};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_minnow(args, folder.path());
  };
  expect_one_line_error(prune({"--ratio", "1.0"}), "--ratio: expected a share in [0, 1), got 1");
  expect_one_line_error(prune({"--ratio", "0.99"}), "would remove all 8 channel unit(s) of features.0.0");
  expect_one_line_error(prune({"--ratio", "0.5", "--criterion", "l3"}), "--criterion: expected l1, l2 or fpgm, got 'l3'");
  expect_one_line_error(prune({"--ratio", "0.5", "--exclude", "features.99"}), "--exclude: expected a layer of the model");
  expect_one_line_error(run_minnow({"prune", folder.file("nowhere"), "--ratio", "0.5", "-o", folder.file("o")},
                                   folder.path()),
                        "does not exist");
  ASSERT_EQ(prune({"--ratio", "0.5"}).exit_code, 0);
  const std::string before = test_support::read_text(folder.path() / "out" / "config.yaml");
  expect_one_line_error(prune({"--ratio", "0.25"}), "already holds pruned.safetensors");
  EXPECT_EQ(test_support::read_text(folder.path() / "out" / "config.yaml"), before);
}

}  // namespace
}  // namespace minnow
