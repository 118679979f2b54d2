// Weight sharing end to end on the tiny IDX dataset at 1 thread. A pretrained MobileNet-v1 with
// the third of each layer's weights smallest in magnitude pruned is shared and fine-tuned: after
// every optimizer step each shared layer's weight is codebook[indices] with at most 2^bits
// values, the pruned zeros are still zero, the layers' own weights get no gradient, and the loss
// falls while the centroids move. A run resumed mid-epoch ends bit-identical (codebooks and
// indices included); the float and shared exports load into the plain model and compute what
// the shared run model computes; with distillation, the adapters stay unshared.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/engine.h"
#include "core/grad_mode.h"
#include "core/rng.h"
#include "deploy/export_run.h"
#include "models/layers.h"
#include "tests/support/bit_identical.h"
#include "tests/support/errors.h"
#include "tests/support/random.h"
#include "tests/support/scratch_dir.h"
#include "tests/train/stop_after_steps.h"
#include "tests/train/tiny_dataset.h"
#include "train/checkpoint.h"
#include "train/feature_hooks.h"
#include "train/model_setup.h"
#include "train/share/prepare_share.h"
#include "train/trainer.h"

namespace minnow {
namespace {

namespace fs = std::filesystem;
using test_support::stop_after_steps;

// Before sharing: zeroes the third of each Conv2d and Linear weight smallest in magnitude, as
// magnitude pruning would, and keeps where the zeros are.
class PruneThird : public TrainHook {
 public:
  void on_model(Module& model) override {
    for (const auto& [name, m] : model.named_modules()) {
      if (!dynamic_cast<Conv2d*>(m) && !dynamic_cast<Linear*>(m)) continue;
      const NamedParameter w = m->named_parameters().front();
      std::vector<float> v = w.var.data().to_plain(), magnitude(v.size());
      for (size_t i = 0; i < v.size(); ++i) magnitude[i] = std::abs(v[i]);
      std::nth_element(magnitude.begin(), magnitude.begin() + static_cast<std::ptrdiff_t>(v.size() / 3),
                       magnitude.end());
      const float threshold = magnitude[v.size() / 3];
      std::vector<bool>& mask = masks_[name];
      for (const float x : v) mask.push_back(std::abs(x) < threshold);
      for (size_t i = 0; i < v.size(); ++i)
        if (mask[i]) v[i] = 0.0f;
      w.var.set_data(Tensor::from_plain(w.shape, v));
    }
  }
  const std::vector<bool>& mask(const std::string& layer) const { return masks_.at(layer); }

 private:
  std::map<std::string, std::vector<bool>> masks_;
};

// After sharing: checks every shared layer after every step, and keeps the epochs' losses.
class CheckShared : public TrainHook {
 public:
  CheckShared(int bits, std::shared_ptr<const PruneThird> prune) : bits_(bits), prune_(std::move(prune)) {}
  void on_model(Module& model) override {
    layers_ = shared_layers(model);
    for (const SharedLayer& l : layers_) initial_.push_back(l.codebook->codebook().data().to_plain());
  }
  void after_step(const NamedParams&) override {
    ++steps_;
    for (const SharedLayer& l : layers_) {
      const std::vector<float> w = l.weight.data().to_plain(), book = l.codebook->codebook().data().to_plain();
      const Tensor& idx = l.codebook->indices();
      EXPECT_FALSE(l.weight.grad().defined()) << l.name << ": the layer's own weight got a gradient";
      EXPECT_TRUE(l.codebook->pinned_zero()) << l.name;
      EXPECT_EQ(book[0], 0.0f) << l.name << ": the pinned zero moved";
      const std::set<float> distinct(w.begin(), w.end());
      EXPECT_LE(distinct.size(), size_t{1} << bits_) << l.name << " at step " << steps_;
      const std::vector<bool>& pruned = prune_->mask(l.name);
      for (size_t i = 0; i < w.size(); ++i) {
        EXPECT_EQ(w[i], book[idx.data<uint8_t>()[i]]) << l.name << "[" << i << "] is off its codebook";
        if (pruned[i]) {
          EXPECT_EQ(w[i], 0.0f) << l.name << "[" << i << "] was pruned";
        }
      }
    }
  }
  void on_record(const nlohmann::json& record) override {
    if (record["type"] == "train_epoch") epoch_losses_.push_back(record["loss"].get<double>());
  }
  // How many centroids (of all layers) moved from their k-means start.
  int moved_centroids() const {
    int moved = 0;
    for (size_t l = 0; l < layers_.size(); ++l) {
      const std::vector<float> now = layers_[l].codebook->codebook().data().to_plain();
      for (size_t j = 0; j < now.size(); ++j) moved += now[j] != initial_[l][j];
    }
    return moved;
  }
  const std::vector<double>& epoch_losses() const { return epoch_losses_; }
  size_t layers() const { return layers_.size(); }
  int steps() const { return steps_; }

 private:
  int bits_;
  std::shared_ptr<const PruneThird> prune_;
  std::vector<SharedLayer> layers_;
  std::vector<std::vector<float>> initial_;
  std::vector<double> epoch_losses_;
  int steps_ = 0;
};

// With share.start_epoch: the layers train as floats (a gradient of their own, no clustering)
// before it, and from its start hold at most 2^bits values with no gradient of their own.
class CheckStartEpoch : public TrainHook {
 public:
  CheckStartEpoch(int bits, int start_epoch) : bits_(bits), start_epoch_(start_epoch) {}
  void on_model(Module& model) override { layers_ = shared_layers(model); }
  void on_epoch_start(int64_t epoch) override { epoch_ = epoch; }
  void after_step(const NamedParams&) override {
    const bool shared = epoch_ >= start_epoch_;
    ++(shared ? shared_steps_ : float_steps_);
    for (const SharedLayer& l : layers_) {
      EXPECT_EQ(l.codebook->clustered(), shared) << l.name << " in epoch " << epoch_;
      EXPECT_EQ(l.weight.grad().defined(), !shared) << l.name << " in epoch " << epoch_;
      const std::vector<float> w = l.weight.data().to_plain();
      const size_t distinct = std::set<float>(w.begin(), w.end()).size();
      if (shared) {
        EXPECT_LE(distinct, size_t{1} << bits_) << l.name;
      } else {
        EXPECT_GT(distinct, size_t{1} << bits_) << l.name;
      }
    }
  }
  int float_steps_ = 0, shared_steps_ = 0;

 private:
  int bits_, start_epoch_;
  int64_t epoch_ = -1;
  std::vector<SharedLayer> layers_;
};

class ShareTraining : public ::testing::Test {
 protected:
  void SetUp() override {
    set_num_threads(1);
    test_support::write_tiny_train_and_test(dir_.path());
  }

  // MobileNet-v1 0.25 on the tiny set, the stem conv kept in float, the rest shared at 3 bits.
  Config config(const std::string& run, int epochs) const {
    std::string yaml = R"(
model: {name: mobilenet_v1, width: 0.25, resolution: 12, num_classes: 4, in_channels: 1, small_input: true,
        dropout: 0.0}
data: {format: idx, train: [DATA], batch_size: 16, workers: 2, transforms: {mean: [0.3], std: [0.3]}}
optimizer: {name: sgd, lr: 0.05, momentum: 0.9, weight_decay: 1.0e-4}
share: {enabled: true, bits: 3, exclude: [features.0.0]}
checkpoint: {every_steps: 4}
threads: 1
seed: 7
log_every_steps: 2
)";
    yaml.replace(yaml.find("DATA"), 4, dir_.path().string());
    return parse_config(yaml, "test config",
                        {"epochs=" + std::to_string(epochs), "output=" + (dir_.path() / run).string()});
  }

  static TrainHooks hooks(const Config& c, const std::shared_ptr<PruneThird>& prune = std::make_shared<PruneThird>(),
                          const std::shared_ptr<TrainHook>& check = nullptr) {
    TrainHooks out{prune};
    for (auto& h : feature_hooks(c)) out.push_back(h);
    if (check) out.push_back(check);
    return out;
  }

  testing::ScratchDir dir_{"share_training"};
};

TEST_F(ShareTraining, WeightsStayOnTheCodebookAndTheLossFalls) {
  // Three float epochs, not four: from the fourth the fine-tune starts near the floor of this
  // tiny set, and whether its loss still falls turns on the summation order of the gradients
  // (it did not when 1x1 weight gradients on small maps became matrix products, ops/conv2d.cpp).
  Config pretrain = config("pretrain", 3);
  pretrain.share.enabled = false;
  Trainer(pretrain).run();
  Config c = config("run", 4);
  c.model.init_weights = pretrain.output + "/model.safetensors";
  c.optimizer.lr = 0.003;  // SGD moves a centroid by the sum of its members' gradients: fine-tune slowly
  c.share.bits = 4;
  auto prune = std::make_shared<PruneThird>();
  auto check = std::make_shared<CheckShared>(c.share.bits, prune);
  Trainer trainer(c, hooks(c, prune, check));  // holds the model the check looks at
  trainer.run();
  EXPECT_EQ(check->steps(), 4 * 6);
  EXPECT_EQ(check->layers(), 27u);  // 13 depthwise-separable blocks' 2 convs and the classifier; the stem excluded
  const std::vector<double>& loss = check->epoch_losses();
  ASSERT_EQ(loss.size(), 4u);
  EXPECT_LT((loss[1] + loss[2] + loss[3]) / 3, 0.8 * loss[0])
      << loss[0] << " " << loss[1] << " " << loss[2] << " " << loss[3];
  EXPECT_LT(loss[3], loss[0]);
  EXPECT_GT(check->moved_centroids(), 100) << "the centroids did not train";
}

TEST_F(ShareTraining, ResumeFromTheMiddleOfAnEpochIsBitExact) {
  const Config straight = config("straight", 2);
  Trainer(straight, hooks(straight)).run();
  Config resumed = config("resumed", 2);
  {
    Trainer first(resumed, stop_after_steps(hooks(resumed), 9));  // checkpoint at step 8 = epoch 2, step 2 of 6
    first.run();
  }
  resumed.resume = resumed.output + "/last.safetensors";
  ASSERT_TRUE(fs::exists(resumed.resume));
  Trainer(resumed, hooks(resumed)).run();
  test_support::expect_bit_identical(load_safetensors(straight.output + "/model.safetensors"),
                                     load_safetensors(resumed.output + "/model.safetensors"));
  const SafeTensors a = load_safetensors(straight.output + "/last.safetensors");
  int codebook_tensors = 0;
  for (const auto& [name, t] : a.tensors) codebook_tensors += name.starts_with("model.") && is_codebook_tensor(name);
  EXPECT_EQ(codebook_tensors, 4 * 27);  // codebook, indices, clustered and pinned_zero of each shared layer
  test_support::expect_bit_identical(a, load_safetensors(resumed.output + "/last.safetensors"));
}

TEST_F(ShareTraining, StartEpochTrainsFloatsFirstAndResumesOnEitherSide) {
  auto with_start = [this](const std::string& run) {
    Config c = config(run, 2);
    c.share.start_epoch = 1;
    return c;
  };
  const Config straight = with_start("straight");
  auto check = std::make_shared<CheckStartEpoch>(straight.share.bits, 1);
  {
    Trainer trainer(straight, hooks(straight, std::make_shared<PruneThird>(), check));
    trainer.run();
  }
  EXPECT_EQ(check->float_steps_, 6);
  EXPECT_EQ(check->shared_steps_, 6);
  // Checkpoints at step 4 (epoch 1, before clustering) and step 8 (epoch 2, after it).
  for (const int crash : {5, 9}) {
    Config resumed = with_start("resumed_" + std::to_string(crash));
    {
      Trainer first(resumed, stop_after_steps(hooks(resumed), crash));
      first.run();
    }
    resumed.resume = resumed.output + "/last.safetensors";
    Trainer(resumed, hooks(resumed)).run();
    test_support::expect_bit_identical(load_safetensors(straight.output + "/last.safetensors"),
                                       load_safetensors(resumed.output + "/last.safetensors"));
  }
}

// The logits of model (eval mode) on a fixed batch.
std::vector<float> logits(Module& model) {
  Rng rng(17);
  const Tensor x = test_support::random_tensor({2, 1, 12, 12}, rng);
  const NoGrad no_grad;
  model.eval();
  return model(Var(x)).data().to_plain();
}

TEST_F(ShareTraining, ExportsLoadIntoThePlainModelAndComputeTheSame) {
  const Config c = config("run", 1);
  Trainer(c, hooks(c)).run();
  auto run_model = create_run_model(c);
  load_checkpoint(c.output + "/last.safetensors", *run_model, nullptr);
  const std::vector<float> want = logits(*run_model);

  const std::string shared_path = (dir_.path() / "shared.safetensors").string();
  const ExportResult r = export_checkpoint({.source = c.output, .output = shared_path, .format = "shared"});
  ASSERT_TRUE(r.shared.has_value());
  EXPECT_EQ(r.shared->layers, 27);
  EXPECT_EQ(r.shared->bits, 3);
  EXPECT_LT(fs::file_size(shared_path) * 5, fs::file_size(c.output + "/model.safetensors"));

  Config plain = c;
  plain.share.enabled = false;
  for (const Config& eval_config : {plain, c}) {  // eval --weights with the run's config or without sharing
    for (const std::string& file : {c.output + "/model.safetensors", shared_path}) {
      const RunModel loaded = load_run_model(eval_config, file, "--weights");
      EXPECT_EQ(loaded.format, WeightsFormat::minnow_export) << file;
      EXPECT_TRUE(shared_layers(*loaded.model).empty()) << file;
      EXPECT_EQ(logits(*loaded.model), want) << file;
    }
  }
  EXPECT_EQ(shared_layers(*load_run_model(c, c.output + "/last.safetensors", "--weights").model).size(), 27u);

  Config unshared = config("unshared", 1);
  unshared.share.enabled = false;
  Trainer(unshared).run();
  test_support::expect_error(
      [&] { export_checkpoint({.source = unshared.output, .output = shared_path, .format = "shared"}); },
      {"export: --format shared needs a weight-sharing run; '", "' was trained with share.enabled: false"});
}

// Sharing composes with distillation: the student's layers are shared, the feature adapters that
// distillation adds after it are not, and the student's export is the bare plain model.
TEST_F(ShareTraining, ComposesWithDistillation) {
  Config teacher = config("teacher", 1);
  teacher.share.enabled = false;
  Trainer(teacher).run();
  Config c = config("run", 1);
  c.distill.enabled = true;
  c.distill.teacher = {.model = "mobilenet_v1", .width = 0.25, .weights = teacher.output + "/model.safetensors"};
  c.distill.features = {"features.3:features.3"};
  Trainer trainer(c, hooks(c));
  trainer.run();
  const SafeTensors checkpoint = load_safetensors(c.output + "/last.safetensors");
  int codebook_tensors = 0, adapter_tensors = 0;
  for (const auto& [name, t] : checkpoint.tensors) {
    if (!name.starts_with("model.")) continue;
    codebook_tensors += is_codebook_tensor(name);
    adapter_tensors += name.find("distill_adapters") != std::string::npos;
    EXPECT_FALSE(name.find("distill_adapters") != std::string::npos && is_codebook_tensor(name)) << name;
  }
  EXPECT_EQ(codebook_tensors, 4 * 27);
  EXPECT_GT(adapter_tensors, 0);
  Config plain = c;
  plain.share.enabled = false;
  plain.distill.enabled = false;
  (void)load_run_model(plain, c.output + "/model.safetensors", "--weights");
}

TEST(ShareConfig, ErrorsNameTheKey) {
  const std::string base = "model: {name: mobilenet_v1}\ndata: {train: /data/train}\n";
  test_support::expect_error([&] { (void)parse_config(base, "run.yaml", {"share.bits=9"}); },
                             "share.bits: expected 1 to 8, got 9");
  test_support::expect_error(
      [&] {
        (void)parse_config(base, "run.yaml", {"share.enabled=true", "share.start_epoch=10", "epochs=10"});
      },
      "share.start_epoch: expected fewer than epochs (10) when share.enabled is true, got 10");
  test_support::expect_error(
      [&] {
        (void)parse_config(base, "run.yaml", {"share.enabled=true", "qat.enabled=true"});
      },
      {"share.enabled: expected false when qat.enabled is true", "QAT folds BN into the conv weights"});
  auto model = create_model(model_spec(parse_config(base, "run.yaml").model, 0));
  ShareConfig config;
  config.exclude = {"features.0"};  // a block, not a layer
  test_support::expect_error([&] { prepare_share(*model, config); },
                             "share.exclude: expected dotted names of the model's Conv2d or Linear layers, got "
                             "'features.0'");
  config.exclude = {};
  prepare_share(*model, config);
  test_support::expect_error(
      [&] { prepare_share(*model, config); },
      "prepare_share: features.0.0 already transforms its weight (QAT or sharing already applied)");
}

}  // namespace
}  // namespace minnow
