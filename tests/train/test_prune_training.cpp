// Pruning in the trainer on the tiny generated IDX dataset at 1 thread: the masks' sparsity
// after every step follows the schedule; the export holds the zeros and no masks, under the
// bare model's names; `minnow stats --weights` reads the checkpoint's sparsity; a run stopped
// mid-epoch and resumed ends bit-identical, masks included; and pruning composes with QAT (a
// pruned, fake-quantized model still learns) and with distillation (the student is pruned,
// its feature adapters are not).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/engine.h"
#include "tests/support/bit_identical.h"
#include "tests/support/python.h"
#include "tests/train/cli_run.h"
#include "tests/train/stop_after_steps.h"
#include "tests/train/tiny_dataset.h"
#include "train/checkpoint_io.h"
#include "train/feature_hooks.h"
#include "train/model_setup.h"
#include "train/prune/prune_hook.h"
#include "train/prune/weight_mask.h"
#include "train/state_dict.h"
#include "train/trainer.h"

namespace minnow {
namespace {

namespace fs = std::filesystem;
using test_support::expect_bit_identical;
using test_support::stop_after_steps;

constexpr int64_t kStepsPerEpoch = 6;  // 96 images / 16

// The entries a sparsity of s prunes from n.
int64_t pruned_count(double s, size_t n) { return static_cast<int64_t>(std::floor(s * static_cast<double>(n))); }

// After every step: each mask's count of pruned entries, and its size.
class MaskRecorder : public TrainHook {
 public:
  void on_model(Module& model) override { model_ = &model; }
  bool should_stop(const RunPosition& position) override {
    std::vector<std::pair<int64_t, int64_t>> counts;
    for (const auto& [name, module] : model_->named_modules()) {
      if (auto* mask = dynamic_cast<WeightMask*>(module)) {
        const std::vector<float> m = mask->mask().to_plain();
        counts.emplace_back(std::count(m.begin(), m.end(), 0.0f), static_cast<int64_t>(m.size()));
      }
    }
    steps.emplace_back(position.global_step, std::move(counts));
    return false;
  }
  std::vector<std::pair<int64_t, std::vector<std::pair<int64_t, int64_t>>>> steps;

 private:
  Module* model_ = nullptr;
};

class PruneTrainingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    set_num_threads(1);
    test_support::write_tiny_dataset(dir_.path(), "train", 96, 1);
    test_support::write_tiny_dataset(dir_.path(), "t10k", 32, 2);
  }

  Config config(const std::string& run, int epochs, const std::string& extra = "") const {
    const std::string yaml = "model: {name: mobilenet_v1, width: 0.25, resolution: 12, num_classes: 4, in_channels: 1,"
                             " small_input: true}\n"
                             "data: {format: idx, train: [" + dir_.path().string() + "], batch_size: 16, workers: 2,"
                             " transforms: {random_crop_padding: 2, mean: [0.3], std: [0.3]}}\n"
                             "optimizer: {name: sgd, lr: 0.05, momentum: 0.9, weight_decay: 1.0e-4}\n"
                             "prune: {enabled: true, scope: layer, initial_sparsity: 0.1, target_sparsity: 0.7,"
                             " start_epoch: 0, end_epoch: 2, every_steps: 2, exclude: [features.0]}\n"
                             "epochs: " + std::to_string(epochs) + "\nthreads: 1\nseed: 7\nlog_every_steps: 2\n"
                             "output: " + (dir_.path() / run).string() + "\n" + extra;
    return parse_config(yaml, "test config");
  }

  static SafeTensors exported(const Config& c) { return load_safetensors(c.output + "/model.safetensors"); }

  test_support::ScratchDir dir_;
};

TEST_F(PruneTrainingTest, SparsityFollowsTheScheduleAndTheExportHoldsTheZeros) {
  const Config c = config("run", 3);
  auto recorder = std::make_shared<MaskRecorder>();
  TrainHooks hooks = feature_hooks(c);
  hooks.push_back(recorder);
  Trainer(c, hooks).run();

  const SparsitySchedule schedule = PruneHook(c.prune).schedule(kStepsPerEpoch);
  ASSERT_EQ(recorder->steps.size(), 3u * kStepsPerEpoch);
  for (const auto& [global_step, counts] : recorder->steps) {
    const double s = scheduled_sparsity(schedule, global_step - 1);  // the step just taken
    ASSERT_FALSE(counts.empty());
    for (const auto& [zeros, size] : counts)
      EXPECT_EQ(zeros, pruned_count(s, static_cast<size_t>(size))) << "after step " << global_step;
  }
  EXPECT_EQ(scheduled_sparsity(schedule, 3 * kStepsPerEpoch - 1), 0.7);

  // The export: the bare model's names (no masks), the pruned weights' zeros, the first conv dense.
  const SafeTensors file = exported(c);
  const SafeTensors bare = state_dict(*create_run_model(c));
  ASSERT_EQ(file.tensors.size(), bare.tensors.size());
  for (size_t i = 0; i < bare.tensors.size(); ++i) EXPECT_EQ(file.tensors[i].first, bare.tensors[i].first);
  int64_t pruned_layers = 0;
  for (const auto& [name, tensor] : file.tensors) {
    EXPECT_FALSE(is_mask_tensor(name)) << name;
    if (tensor.dims().size() < 2) continue;  // conv and linear weights only
    const std::vector<float> w = tensor.to_plain();
    const auto zeros = std::count(w.begin(), w.end(), 0.0f);
    if (name.starts_with("features.0.")) {
      EXPECT_EQ(zeros, 0) << name << " is excluded";
    } else {
      EXPECT_GE(zeros, pruned_count(0.7, w.size())) << name;
      ++pruned_layers;
    }
  }
  EXPECT_EQ(pruned_layers, static_cast<int64_t>(recorder->steps.back().second.size()));
  // The checkpoint holds the masks, and still loads into the bare model (eval, export).
  const SafeTensors checkpoint = read_checkpoint_file(c.output + "/last.safetensors");
  EXPECT_TRUE(std::any_of(checkpoint.tensors.begin(), checkpoint.tensors.end(),
                          [](const auto& t) { return is_mask_tensor(t.first, "model."); }));
  EXPECT_NO_THROW(load_run_model(c, c.output + "/last.safetensors", "--weights"));

  // minnow stats reads the checkpoint's weights under its "model." prefix.
  const test_support::CliRun stats = test_support::run_minnow(
      {"stats", "--model", "mobilenet_v1", "--width", "0.25", "--resolution", "12", "--num-classes", "4",
       "--in-channels", "1", "--small-input", "--threads", "1", "--weights", c.output + "/last.safetensors", "--json"},
      dir_.path());
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  const nlohmann::json out = nlohmann::json::parse(stats.out);
  int64_t rows = 0;
  for (const auto& row : out["layers"]) {
    if (!row.contains("sparsity")) continue;
    const std::vector<float> w = checkpoint.at("model." + row["name"].get<std::string>() + ".weight").to_plain();
    EXPECT_DOUBLE_EQ(row["sparsity"].get<double>(),
                     static_cast<double>(std::count(w.begin(), w.end(), 0.0f)) / static_cast<double>(w.size()))
        << row["name"];
    ++rows;
  }
  EXPECT_EQ(rows, pruned_layers + 1) << "every conv and linear layer, the excluded first conv too";
}

TEST_F(PruneTrainingTest, ResumeFromTheMiddleOfThePruningIsBitExact) {
  auto every_3 = [this](const std::string& run) {
    Config c = config(run, 3, "checkpoint: {every_steps: 4}\n");
    c.prune.every_steps = 3;  // pruning at steps 0, 3, 6, 9, 12
    return c;
  };
  const Config straight = every_3("straight");
  Trainer(straight, feature_hooks(straight)).run();

  Config resumed = every_3("resumed");
  {
    // checkpoint at global step 8 = epoch 2, step 2 of 6: the resumed run masks before it prunes again
    Trainer first(resumed, stop_after_steps(feature_hooks(resumed), 9));
    first.run();
  }
  resumed.resume = resumed.output + "/last.safetensors";
  ASSERT_TRUE(fs::exists(resumed.resume));
  Trainer(resumed, feature_hooks(resumed)).run();
  expect_bit_identical(exported(straight), exported(resumed));
  SafeTensors a = read_checkpoint_file(straight.output + "/last.safetensors");
  SafeTensors b = read_checkpoint_file(resumed.output + "/last.safetensors");
  auto masks = [](SafeTensors& f) { std::erase_if(f.tensors, [](const auto& t) { return !is_mask_tensor(t.first); }); };
  masks(a);
  masks(b);
  EXPECT_FALSE(a.tensors.empty());
  expect_bit_identical(a, b);
}

// The training loss of each epoch, from metrics.jsonl.
std::vector<double> epoch_losses(const Config& c) {
  std::ifstream metrics(c.output + "/metrics.jsonl");
  std::vector<double> losses;
  for (std::string line; std::getline(metrics, line);) {
    const auto record = nlohmann::json::parse(line);
    if (record["type"] == "train_epoch") losses.push_back(record["loss"].get<double>());
  }
  return losses;
}

// Half the weights pruned over epochs 1 and 2 of 6, under 8-bit QAT.
TEST_F(PruneTrainingTest, ComposesWithQatAndStillLearns) {
  Config c = config("qat", 6, "qat: {enabled: true, weight_bits: 8}\n");
  c.prune.target_sparsity = 0.5;
  c.prune.start_epoch = 1;
  c.prune.end_epoch = 3;
  Trainer(c, feature_hooks(c)).run();
  const std::vector<double> losses = epoch_losses(c);
  ASSERT_EQ(losses.size(), 6u);
  EXPECT_LT(losses.back(), 0.6 * losses.front()) << "from " << losses.front() << " to " << losses.back();
  // The fake-quantized weights are the masked ones: zeros stay zero through the quantizer.
  const SafeTensors file = exported(c);
  int64_t pruned_layers = 0;
  for (const auto& [name, tensor] : file.tensors) {
    if (tensor.dims().size() < 2 || name.starts_with("features.0.")) continue;
    const std::vector<float> w = tensor.to_plain();
    EXPECT_GE(std::count(w.begin(), w.end(), 0.0f), pruned_count(0.5, w.size())) << name;
    ++pruned_layers;
  }
  EXPECT_EQ(pruned_layers, 27) << "mobilenet_v1: 13 depthwise and 13 pointwise convs after the first, the classifier";
}

TEST_F(PruneTrainingTest, ComposesWithDistillationAndLeavesTheAdaptersDense) {
  const ModelConfig teacher{{.name = "resnet20", .num_classes = 4, .in_channels = 1, .small_input = true}, 24};
  const std::string teacher_file = dir_.file("teacher.safetensors");
  export_weights(teacher_file, *create_model(model_spec(teacher, 3)), teacher);
  const std::string distill = "distill: {enabled: true, teacher: {model: resnet20, resolution: 24, weights: " +
                              teacher_file + "}, features: [\"layer2:features.1\"]}\n";
  const Config c = config("distill", 2, distill);
  Trainer(c, feature_hooks(c)).run();
  const SafeTensors checkpoint = read_checkpoint_file(c.output + "/last.safetensors");
  int64_t masks = 0, adapter_tensors = 0;
  for (const auto& [name, tensor] : checkpoint.tensors) {
    adapter_tensors += name.starts_with("model.distill_adapters.");
    if (!is_mask_tensor(name, "model.")) continue;
    ++masks;
    EXPECT_FALSE(name.starts_with("model.distill_adapters.")) << name;
  }
  EXPECT_GT(adapter_tensors, 0);
  EXPECT_EQ(masks, 27) << "mobilenet_v1's weights but the first conv's";
  EXPECT_NO_THROW(load_run_model(c, c.output + "/model.safetensors", "--weights"));
}

}  // namespace
}  // namespace minnow
