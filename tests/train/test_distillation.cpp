// Distillation end to end on the tiny IDX dataset at 1 thread, with a random ResNet-20
// teacher at twice the student's resolution and two feature pairs: the teacher's weights
// and BN buffers are bit-for-bit unchanged after a distillation epoch; a Trainer run logs
// the soft, hard and feature terms, checkpoints the adapters, exports the bare student and
// resumes bit-exactly; a binarized student keeps its adapters float; and every bad teacher or
// pair is an error naming key and value.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/engine.h"
#include "data/loader.h"
#include "models/layers.h"
#include "tests/support/errors.h"
#include "tests/support/bit_identical.h"
#include "tests/support/python.h"
#include "tests/train/stop_after_steps.h"
#include "tests/train/tiny_dataset.h"
#include "train/checkpoint.h"
#include "train/data_setup.h"
#include "train/distillation.h"
#include "train/feature_hooks.h"
#include "train/model_setup.h"
#include "train/optimizer.h"
#include "train/state_dict.h"
#include "train/trainer.h"
#include "train/weights_file.h"

namespace minnow {
namespace {

using test_support::expect_bit_identical;

namespace fs = std::filesystem;

// ResNet-20 at 24 px: conv1 and layer1 24x24, layer2 12x12, layer3 6x6. The MobileNet-v1
// student (small-input stem) at 12 px: features.1 12x12, features.3 6x6.
constexpr const char* kPairs = R"(["layer2:features.1", "layer3:features.3"])";

class DistillationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    set_num_threads(1);
    test_support::write_tiny_train_and_test(dir_.path());
    teacher_ = export_teacher("resnet20", 4);
  }

  // A random-init teacher exported as minnow-weights-1, as `minnow train` leaves it.
  std::string export_teacher(const std::string& name, int classes) const {
    const ModelConfig m{{.name = name, .num_classes = classes, .in_channels = 1, .small_input = true}, 24};  // 24 px
    const std::string path = dir_.file(name + "_" + std::to_string(classes) + ".safetensors");
    export_weights(path, *create_model(model_spec(m, 3)), m);
    return path;
  }

  Config config(const std::string& run, int epochs, const std::string& features = kPairs) const {
    const std::string yaml =
        "model: {name: mobilenet_v1, width: 0.125, resolution: 12, num_classes: 4, in_channels: 1, small_input: true}\n"
        "data: {format: idx, train: [" + dir_.path().string() + "], batch_size: 16, workers: 0,"
        " transforms: {random_crop_padding: 2, mean: [0.3], std: [0.3]}}\n"
        "optimizer: {name: sgd, lr: 0.05, momentum: 0.9, weight_decay: 1.0e-4}\n"
        "schedule: {name: cosine}\nlabel_smoothing: 0.1\n"
        "epochs: " + std::to_string(epochs) + "\nthreads: 1\nseed: 7\nlog_every_steps: 1\n"
        "output: " + (dir_.path() / run).string() + "\n"
        "distill: {enabled: true, teacher: {model: resnet20, resolution: 24, weights: " + teacher_ + "},"
        " temperature: 3, alpha: 0.7, beta: 0.5, features: " + features + "}\n";
    return parse_config(yaml, "test config");
  }

  test_support::ScratchDir dir_;
  std::string teacher_;
};

// One epoch of the Trainer's step (forward, distillation loss, backward, SGD step) by hand,
// so the teacher object can be inspected afterwards.
TEST_F(DistillationTest, TeacherIsBitForBitUnchangedAfterAnEpoch) {
  const Config c = config("manual", 1);
  auto student = build_model(c);
  Distillation distillation(c, *student);
  Module& teacher = distillation.teacher().model();
  const SafeTensors teacher_before = state_dict(teacher);
  const SafeTensors student_before = state_dict(*student);
  const auto fresh_teacher = create_model(model_spec(distillation.teacher().model_config(), 0));
  EXPECT_EQ(teacher_before.tensors.size(), state_dict(*fresh_teacher).tensors.size()) << "the teacher got extra state";

  const data::DataPipeline data = data::make_data(to_data_config(c));
  NamedParams params;
  for (const auto& p : student->named_parameters()) params.emplace_back(p.name, p.var);
  const auto optimizer = make_optimizer(c.optimizer, params);
  student->train();
  data.train_loader->begin_epoch(0, 0);
  int steps = 0;
  while (auto batch = data.train_loader->next()) {
    const Var logits = student->forward(Var(batch->images));
    LossTerms terms;
    const Var loss = distillation.loss(logits, *batch, terms);
    optimizer->zero_grad();
    loss.backward();
    optimizer->step(0.05);
    ++steps;
  }
  EXPECT_EQ(steps, 6);
  EXPECT_FALSE(teacher.training());
  expect_bit_identical(teacher_before, state_dict(teacher));
  for (const auto& p : teacher.named_parameters()) EXPECT_FALSE(p.var.grad().defined()) << p.name << " has a gradient";

  // The student and its adapters did train (and their BN statistics moved), so the check above can fail.
  size_t changed = 0, adapters_changed = 0;
  for (const auto& [name, t] : state_dict(*student).tensors) {
    const Tensor& before = student_before.at(name);
    const bool differs = std::memcmp(before.raw(), t.raw(), t.bytes()) != 0;
    changed += differs;
    adapters_changed += differs && name.starts_with("distill_adapters.");
  }
  EXPECT_GT(changed, student_before.tensors.size() / 2);
  EXPECT_EQ(adapters_changed, 2u * 6u) << "two adapters: conv weight, BN weight, bias, mean, var, batch count";
}

TEST_F(DistillationTest, TrainerLogsTheTermsCheckpointsAdaptersAndExportsTheBareStudent) {
  const Config c = config("run", 2);
  Trainer(c, feature_hooks(c)).run();

  int records = 0;
  std::ifstream metrics(c.output + "/metrics.jsonl");
  for (std::string line; std::getline(metrics, line);) {
    const auto record = nlohmann::json::parse(line);
    if (record["type"] != "step") continue;
    ++records;
    const double soft = record["loss_soft"], hard = record["loss_hard"], feature = record["loss_feature"];
    EXPECT_GT(soft, 0);
    EXPECT_GT(hard, 0);
    EXPECT_GT(feature, 0);
    EXPECT_NEAR(record["loss"].get<double>(), 0.7 * soft + 0.3 * hard + 0.5 * feature, 1e-5 * (1 + soft + feature));
  }
  EXPECT_EQ(records, 12);

  const SafeTensors exported = load_safetensors(c.output + "/model.safetensors");
  for (const auto& [name, t] : exported.tensors) EXPECT_FALSE(name.starts_with("distill_adapters")) << name;
  auto bare = create_model(model_spec(c.model, 0));
  EXPECT_EQ(load_weights(*bare, c.output + "/model.safetensors", "mobilenet_v1", "test"), WeightsFormat::minnow_export);
  std::ifstream summary(c.output + "/summary.json");
  EXPECT_EQ(nlohmann::json::parse(summary)["params"].get<int64_t>(), bare->num_parameters()) << "adapters counted";
  EXPECT_NE(load_safetensors(c.output + "/last.safetensors").find("model.distill_adapters.1.0.weight"), nullptr);
  EXPECT_EQ(load_weights(*bare, c.output + "/last.safetensors", "mobilenet_v1", "test"), WeightsFormat::checkpoint);
  EXPECT_NO_THROW(load_checkpoint(c.output + "/last.safetensors", *bare, nullptr)) << "as minnow export loads it";

  Config resumed = config("resumed", 2);
  {
    // a crash after epoch 1's checkpoint
    Trainer first(resumed, test_support::stop_after_steps(feature_hooks(resumed), 6));
    first.run();
  }
  resumed.resume = "auto";
  Trainer(resumed, feature_hooks(resumed)).run();
  const SafeTensors straight = load_safetensors(c.output + "/model.safetensors");
  expect_bit_identical(straight, load_safetensors(resumed.output + "/model.safetensors"));
}

// Binarization composes with distillation: its hook runs first, so the student's convs are
// binarized and the adapters distillation adds afterwards stay float; the run trains on.
TEST_F(DistillationTest, BinarizedStudentKeepsItsAdaptersFloat) {
  Config c = config("binarized", 1);
  c.binarize.enabled = true;
  auto student = build_model(c);
  for (const auto& hook : feature_hooks(c)) hook->on_model(*student);
  size_t binarized = 0, adapters = 0;
  for (const auto& [name, m] : student->named_modules()) {
    const auto* conv = dynamic_cast<Conv2d*>(m);
    if (conv && name.starts_with("distill_adapters.")) {
      ++adapters;
      EXPECT_FALSE(conv->has_weight_transform()) << name;
    } else if (conv) {
      binarized += conv->has_weight_transform();
    }
  }
  EXPECT_EQ(adapters, 2u);
  EXPECT_EQ(binarized, 26u);  // every conv of MobileNet-v1 but the stem

  Trainer(c, feature_hooks(c)).run();
  double last_loss = 0;
  std::ifstream metrics(c.output + "/metrics.jsonl");
  for (std::string line; std::getline(metrics, line);)
    if (const auto record = nlohmann::json::parse(line); record["type"] == "step") last_loss = record["loss"];
  EXPECT_TRUE(std::isfinite(last_loss) && last_loss > 0) << last_loss;
}

TEST_F(DistillationTest, BadTeachersAndPairsNameTheKeyAndValue) {
  auto setup = [&](const Config& c) {
    auto student = build_model(c);
    Distillation distillation(c, *student);
  };
  test_support::expect_error(
      [&] { setup(config("e1", 1, R"(["layer9:features.1"])")); },
      "config: distill.features: 'layer9:features.1': the teacher (resnet20) has no layer 'layer9'; its top-level "
      "layers are conv1, bn1, layer1, layer2, layer3, avgpool, fc");
  test_support::expect_error([&] { setup(config("e2", 1, R"(["layer2:features.99"])")); },
                             "'layer2:features.99': the student (mobilenet_v1) has no layer 'features.99'");
  test_support::expect_error(
      [&] { setup(config("e3", 1, R"(["layer3:features.1"])")); },
      "config: distill.features: 'layer3:features.1': teacher layer 'layer3' gives [1, 64, 6, 6] but student layer "
      "'features.1' gives [1, 8, 12, 12]; the spatial sizes must match");

  Config other = config("e4", 1);
  other.distill.teacher.model = "resnet56";
  test_support::expect_error([&] { setup(other); },
                             "config: distill.teacher.weights '" + teacher_ +
                                 "' holds resnet20 weights, but distill.teacher.model is 'resnet56'");
  Config wide = config("e5", 1);
  wide.distill.teacher.width = 2.0;
  test_support::expect_error([&] { setup(wide); }, "holds a resnet20 of width 1, but distill.teacher.width is 2");
  Config classes = config("e6", 1);
  classes.distill.teacher.weights = export_teacher("resnet20", 10);
  test_support::expect_error([&] { setup(classes); },
                             "holds a resnet20 with 10 classes, but the student has model.num_classes 4");
  Config missing = config("e7", 1);
  missing.distill.teacher.weights = dir_.file("none.safetensors");
  test_support::expect_error([&] { setup(missing); },
                             "config: distill.teacher.weights '" + missing.distill.teacher.weights + "': no such file");

  // A plain state dict records no model: a wrong one shows up as missing and unexpected tensors.
  Config plain = config("e8", 1, "[]");
  plain.distill.teacher.weights = dir_.file("plain.safetensors");
  save_safetensors(plain.distill.teacher.weights, state_dict(*create_model(model_spec(plain.model, 0))));
  test_support::expect_error([&] { setup(plain); }, "config: distill.teacher.weights '" +
                                                        plain.distill.teacher.weights + "': ");
}

}  // namespace
}  // namespace minnow
