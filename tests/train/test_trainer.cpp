// The trainer end to end on a tiny generated IDX dataset at 1 thread: bit-exact
// resume from an epoch boundary and from the middle of an epoch, a failure
// injected before a checkpoint's rename, a non-finite loss, and the run folder's files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/engine.h"
#include "core/error.h"
#include "core/rng.h"
#include "ops/losses.h"
#include "tests/support/bit_identical.h"
#include "tests/support/python.h"
#include "tests/train/tiny_dataset.h"
#include "tests/train/stop_after_steps.h"
#include "train/feature_hooks.h"
#include "train/trainer.h"

namespace minnow {
namespace {

using test_support::expect_bit_identical;
using test_support::stop_after_steps;

namespace fs = std::filesystem;

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    set_num_threads(1);
    test_support::write_tiny_train_and_test(dir_.path());
  }

  Config config(const std::string& run, int epochs) const {
    const std::string yaml = "model: {name: mobilenet_v1, width: 0.125, resolution: 12, num_classes: 4, in_channels: 1,"
                             " small_input: true, dropout: 0.2}\n"
                             "data: {format: idx, train: [" + dir_.path().string() + "], batch_size: 16, workers: 2,"
                             " transforms: {random_crop_padding: 2, mean: [0.3], std: [0.3]}}\n"
                             "optimizer: {name: sgd, lr: 0.05, momentum: 0.9, weight_decay: 1.0e-4}\n"
                             "schedule: {name: cosine, warmup_epochs: 0.5}\n"
                             "epochs: " + std::to_string(epochs) + "\nthreads: 1\nseed: 7\nlog_every_steps: 2\n"
                             "output: " + (dir_.path() / run).string() + "\n";
    return parse_config(yaml, "test config");
  }

  static SafeTensors weights(const Config& c) { return load_safetensors(c.output + "/model.safetensors"); }

  // The global steps of metrics.jsonl's step records, in file order, across every run that
  // appended to it: a resumed run that silently restarted would log its early steps twice.
  static std::vector<int64_t> logged_steps(const Config& c) {
    std::ifstream metrics(c.output + "/metrics.jsonl");
    std::vector<int64_t> steps;
    for (std::string line; std::getline(metrics, line);) {
      const auto record = nlohmann::json::parse(line);
      if (record["type"] == "step") steps.push_back(record["global_step"].get<int64_t>());
    }
    return steps;
  }

  // The epoch and step a checkpoint says it was taken at.
  static std::pair<std::string, std::string> checkpoint_position(const std::string& path) {
    const SafeTensors file = load_safetensors(path);
    return {file.metadata.at("epoch"), file.metadata.at("step")};
  }

  test_support::ScratchDir dir_;
};

TEST_F(TrainerTest, ResumeFromAnEpochBoundaryIsBitExact) {
  const Config straight = config("straight", 3);
  Trainer(straight).run();

  Config resumed = config("resumed", 3);
  {
    Trainer first(resumed, stop_after_steps({}, 2 * 6));  // 96 images / 16 = 6 steps per epoch: crash after epoch 2
    first.run();
  }
  EXPECT_FALSE(fs::exists(resumed.output + "/model.safetensors"));
  ASSERT_TRUE(fs::exists(resumed.output + "/last.safetensors"));
  EXPECT_EQ(checkpoint_position(resumed.output + "/last.safetensors"),
            std::make_pair(std::string("2"), std::string("0")));
  resumed.resume = "auto";
  Trainer(resumed).run();
  expect_bit_identical(weights(straight), weights(resumed));
  // The first run logged steps 2..12 (every 2nd), the resumed one only the remaining 14..18.
  EXPECT_EQ(logged_steps(resumed), (std::vector<int64_t>{2, 4, 6, 8, 10, 12, 14, 16, 18}));
  EXPECT_EQ(logged_steps(resumed), logged_steps(straight));
}

TEST_F(TrainerTest, ResumeFromTheMiddleOfAnEpochContinuesTheSameOrder) {
  Config straight = config("straight", 2);
  straight.checkpoint.every_steps = 4;
  Trainer(straight).run();

  Config resumed = config("resumed", 2);
  resumed.checkpoint.every_steps = 4;
  {
    Trainer first(resumed, stop_after_steps({}, 9));  // checkpoint at global step 8 = epoch 2, step 2 of 6
    first.run();
  }
  resumed.resume = resumed.output + "/last.safetensors";
  ASSERT_TRUE(fs::exists(resumed.resume));
  EXPECT_EQ(checkpoint_position(resumed.resume), std::make_pair(std::string("1"), std::string("2")));
  {
    Trainer second(resumed);
    second.run();
  }
  expect_bit_identical(weights(straight), weights(resumed));
  // Steps 2..8 from the first run, then only 10 and 12 from the resumed one (step 9 ran
  // twice, but after the checkpoint at 8 and unlogged).
  EXPECT_EQ(logged_steps(resumed), (std::vector<int64_t>{2, 4, 6, 8, 10, 12}));
}

// QAT state (observer ranges, scales, frozen flags) is in the checkpoint: a QAT run resumed
// mid-epoch, after BN froze and before the observers do, ends bit-identical, QAT buffers included.
TEST_F(TrainerTest, QatResumeFromTheMiddleOfARunIsBitExact) {
  auto qat_config = [this](const std::string& run) {
    Config c = config(run, 3);
    c.qat.enabled = true;
    c.qat.weight_bits = 4;
    c.qat.freeze_bn_epoch = 1;
    c.qat.freeze_observer_epoch = 2;
    c.checkpoint.every_steps = 4;
    return c;
  };
  const Config straight = qat_config("straight");
  Trainer(straight, feature_hooks(straight)).run();

  Config resumed = qat_config("resumed");
  {
    // checkpoint at global step 8 = epoch 2, step 2 of 6
    Trainer first(resumed, stop_after_steps(feature_hooks(resumed), 9));
    first.run();
  }
  resumed.resume = resumed.output + "/last.safetensors";
  ASSERT_TRUE(fs::exists(resumed.resume));
  EXPECT_EQ(checkpoint_position(resumed.resume), std::make_pair(std::string("1"), std::string("2")));
  Trainer(resumed, feature_hooks(resumed)).run();
  EXPECT_EQ(logged_steps(resumed), (std::vector<int64_t>{2, 4, 6, 8, 10, 12, 14, 16, 18}));
  const SafeTensors a = weights(straight);
  int quantizer_tensors = 0;
  for (const auto& [name, t] : a.tensors) quantizer_tensors += name.find("fake_quant") != std::string::npos ||
                                                              name.find("activation_post_process") != std::string::npos;
  EXPECT_GT(quantizer_tensors, 50);
  expect_bit_identical(a, weights(resumed));
}

TEST_F(TrainerTest, FailureBeforeRenameKeepsThePreviousCheckpoint) {
  Config c = config("run", 2);
  {
    Trainer first(c, stop_after_steps({}, 6));  // after epoch 1 and its checkpoint
    first.run();
  }
  const SafeTensors before = load_safetensors(c.output + "/last.safetensors");
  c.resume = "auto";
  Trainer second(c);
  second.set_checkpoint_write_options({.before_rename = [](const std::string&) { throw std::runtime_error("injected crash"); }});
  EXPECT_THROW(second.run(), std::runtime_error);
  const SafeTensors after = load_safetensors(c.output + "/last.safetensors");
  expect_bit_identical(before, after);
  EXPECT_EQ(after.metadata.at("epoch"), "1");
}

TEST_F(TrainerTest, NonFiniteLossStopsNamingTheStep) {
  Config c = config("run", 2);
  { Trainer(c).run(); }
  const auto last = c.output + "/last.safetensors";
  const auto stamp = fs::last_write_time(last);
  c.epochs = 3;
  c.resume = "auto";
  // A loss that turns infinite at the third step.
  struct InfiniteAtThirdStep : TrainHook {
    int calls = 0;
    Var loss(const Var& logits, const data::Batch& batch, LossTerms&) override {
      const Var loss = cross_entropy(logits, batch.labels);
      return ++calls == 3 ? mse_loss(loss, Var(Tensor::full({1}, INFINITY))) : loss;
    }
  };
  Trainer trainer(c, {std::make_shared<InfiniteAtThirdStep>()});
  try {
    trainer.run();
    FAIL() << "expected the run to stop";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("epoch 3 step 3"), std::string::npos) << e.what();
  }
  EXPECT_EQ(fs::last_write_time(last), stamp);
  // The kept checkpoint still loads, at the end of epoch 2 where the first run left it.
  EXPECT_EQ(checkpoint_position(last), std::make_pair(std::string("2"), std::string("0")));
  Config check = config("run", 3);
  check.resume = last;
  EXPECT_NO_THROW(Trainer{check});
}

TEST_F(TrainerTest, RunFolderHoldsConfigMetricsSummaryWeightsAndReport) {
  const Config c = config("run", 1);
  const TrainSummary s = Trainer(c).run();
  for (const char* file : {"config.yaml", "metrics.jsonl", "summary.json", "model.safetensors", "last.safetensors",
                           "best.safetensors", "report.html"})
    EXPECT_TRUE(fs::exists(c.output + "/" + file)) << file;
  std::ifstream summary_file(c.output + "/summary.json");
  const auto summary = nlohmann::json::parse(summary_file);
  for (const char* key : {"test_top1", "test_top5", "train_seconds", "epochs", "images_per_second"})
    EXPECT_TRUE(summary.contains(key)) << key;
  EXPECT_DOUBLE_EQ(summary["test_top1"].get<double>(), s.test_top1);
  std::ifstream metrics(c.output + "/metrics.jsonl");
  int steps = 0, epochs = 0;
  for (std::string line; std::getline(metrics, line);) {
    const auto record = nlohmann::json::parse(line);
    steps += record["type"] == "step";
    epochs += record["type"] == "eval_epoch";
  }
  EXPECT_EQ(steps, 3);  // 6 steps, logged every 2
  EXPECT_EQ(epochs, 1);
  EXPECT_EQ(parse_config(to_yaml(c), "round trip"), load_config(c.output + "/config.yaml"));
}

}  // namespace
}  // namespace minnow
