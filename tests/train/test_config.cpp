// Config loading: defaults, a full file, `--set` overrides, the to_yaml round trip, and the
// one-line errors for unknown keys, wrong types and out-of-range values.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>

#include "core/error.h"
#include "tests/support/errors.h"
#include "tests/support/python.h"
#include "models/zoo.h"
#include "tests/support/random.h"
#include "train/config.h"
#include "train/model_setup.h"

namespace minnow {
namespace {

constexpr const char* kMinimal = "model: {name: mobilenet_v2}\ndata: {train: /data/train}\n";

using test_support::expect_error;

void expect_parse_error(const std::string& yaml, std::initializer_list<std::string> needles,
                        const std::vector<std::string>& overrides = {}) {
  expect_error([&] { (void)parse_config(yaml, "run.yaml", overrides); }, needles);
}

TEST(Config, MinimalFileTakesDefaults) {
  const Config c = parse_config(kMinimal, "run.yaml");
  Config expected;
  expected.model.name = "mobilenet_v2";
  expected.data.train = {"/data/train"};
  EXPECT_EQ(c, expected);
  EXPECT_EQ(c.optimizer.name, OptimizerKind::sgd);
  EXPECT_EQ(to_string(c.schedule.name), "cosine");
}

TEST(Config, FullFileBindsEveryKind) {
  const Config c = parse_config(R"(
model: {name: shufflenet_v1, width: 0.5, resolution: 160, num_classes: 10, in_channels: 1, small_input: yes, groups: 8}
data:
  format: cifar100
  train: [a.bin, b.bin]
  test: t.bin
  cifar100_label: coarse
  on_bad_image: skip
  max_pixels: 1000000
  transforms:
    random_resized_crop: {enabled: true, scale: [0.25, 1], ratio: [0.5, 2.0]}
    mean: [0.5]
    std: [4]
    color_jitter: {contrast: 0.4}
optimizer: {name: adamw, lr: 1e-3, betas: [0.8, 0.99], no_decay_bn_bias: true}
schedule: {name: multistep, milestones: [3, 6], warmup_epochs: 0.5}
seed: 42
resume: auto
distill: {enabled: true, teacher: {model: mobilenet_v2, weights: t.safetensors}, features: ["a.b:c.d"], beta: 0.5}
qat: {enabled: on, weight_bits: 4}
)",
                                "run.yaml");
  EXPECT_EQ(c.model.groups, 8);
  EXPECT_TRUE(c.model.small_input);
  EXPECT_EQ(c.data.format, DataFormat::cifar100);
  EXPECT_EQ(c.data.train, (std::vector<std::string>{"a.bin", "b.bin"}));
  EXPECT_EQ(c.data.test, (std::vector<std::string>{"t.bin"}));
  EXPECT_EQ(c.data.cifar100_label, Cifar100Label::coarse);
  EXPECT_EQ(c.data.on_bad_image, BadImagePolicy::skip);
  EXPECT_EQ(c.data.max_pixels, 1000000);
  EXPECT_EQ(c.data.transforms.random_resized_crop.scale, (std::array<double, 2>{0.25, 1.0}));
  EXPECT_EQ(c.data.transforms.std, (std::vector<double>{4.0}));
  EXPECT_EQ(c.data.transforms.color_jitter.contrast, 0.4);
  EXPECT_EQ(c.optimizer.name, OptimizerKind::adamw);
  EXPECT_EQ(c.optimizer.lr, 1e-3);
  EXPECT_EQ(c.schedule.milestones, (std::vector<int>{3, 6}));
  EXPECT_EQ(c.schedule.warmup_epochs, 0.5);
  EXPECT_EQ(c.seed, 42);
  EXPECT_EQ(c.resume, "auto");
  EXPECT_TRUE(c.distill.enabled);
  EXPECT_EQ(c.distill.features, (std::vector<std::string>{"a.b:c.d"}));
  EXPECT_EQ(c.distill.beta, 0.5);
  EXPECT_TRUE(c.qat.enabled);
  EXPECT_EQ(c.qat.weight_bits, 4);
}

TEST(Config, ToYamlRoundTripsExactly) {
  Config c = parse_config(kMinimal, "run.yaml");
  c.model.width = 0.35;
  c.model.init_weights = "we\"ird \\ name\n\x01é.safetensors";
  c.data.transforms.mean = {0.485, 0.456, 0.406};
  c.data.transforms.std = {0.229, 0.224, 0.225};
  c.data.test = {};
  c.optimizer.lr = 0.1 + 0.2;  // not a short decimal
  c.optimizer.eps = 1e-300;
  c.schedule.name = ScheduleKind::onecycle;
  c.schedule.milestones = {1, 2};
  c.seed = 1234567890123;
  c.output = "true";  // a string that reads as a bool unquoted
  c.distill.features = {"null:1.5", "true:~"};
  const std::string text = to_yaml(c);
  const Config back = parse_config(text, "resolved.yaml");
  EXPECT_EQ(back, c) << text;
  EXPECT_EQ(to_yaml(back), text);
  EXPECT_NE(text.find("  width: 0.35\n"), std::string::npos) << text;
  EXPECT_NE(text.find("    random_resized_crop:\n      enabled: false\n"), std::string::npos) << text;
  EXPECT_NE(text.find("epochs: 10\n"), std::string::npos) << text;
  // Floats keep a '.' so YAML 1.1 readers (PyYAML) take them as floats too.
  EXPECT_NE(text.find("  eps: 1.0e-300\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  weight_decay: 0.0005\n"), std::string::npos) << text;
}

TEST(Config, OverridesApplyBeforeBinding) {
  const Config c = parse_config(kMinimal, "run.yaml",
                                {"optimizer.lr=0.05", "schedule.milestones=[10, 20]", "data.transforms.hflip=true",
                                 "distill.teacher.model=resnet18", "model.name=squeezenet1_1", "resume="});
  EXPECT_EQ(c.optimizer.lr, 0.05);
  EXPECT_EQ(c.schedule.milestones, (std::vector<int>{10, 20}));
  EXPECT_TRUE(c.data.transforms.hflip);
  EXPECT_EQ(c.distill.teacher.model, "resnet18");
  EXPECT_EQ(c.model.name, "squeezenet1_1");
  EXPECT_EQ(c.resume, "");
  // Overrides also work on an empty file.
  EXPECT_EQ(parse_config("", "empty.yaml", {"model.name=x", "data.train=d"}).model.name, "x");
}

TEST(Config, LoadsFromFile) {
  const test_support::ScratchDir dir;
  std::ofstream(dir.file("run.yaml")) << kMinimal << "epochs: 3\n";
  EXPECT_EQ(load_config(dir.file("run.yaml"), {"epochs=4"}).epochs, 4);
  expect_error([&] { (void)load_config(dir.file("missing.yaml")); }, {"missing.yaml", "No such file"});
}

TEST(Config, UnknownKeysSuggestTheNearest) {
  expect_parse_error(std::string(kMinimal) + "optimizer:\n  momentun: 0.8\n",
                     {"run.yaml:4:", "unknown key 'optimizer.momentun'", "'0.8'", "did you mean 'optimizer.momentum'",
                      "(float)"});
  expect_parse_error(std::string(kMinimal) + "lr: 0.1\n", {"unknown key 'lr'", "did you mean 'optimizer.lr'"});
  expect_parse_error(std::string(kMinimal) + "optimiser: {lr: 0.1}\n",
                     {"unknown key 'optimiser'", "did you mean 'optimizer' (a section)"});
  expect_parse_error(std::string(kMinimal) + "data: {bath_size: 3}\n", {"duplicate key 'data'"});
  expect_parse_error("model: {name: a}\ndata: {train: d, bath_size: 3}\n",
                     {"unknown key 'data.bath_size'", "did you mean 'data.batch_size' (int)"});
  expect_parse_error(kMinimal, {"--set schedule.warmup_step=1", "did you mean 'schedule.warmup_steps'"},
                     {"schedule.warmup_step=1"});
}

TEST(Config, WrongTypesNameKeyExpectedAndReceived) {
  const std::string base = kMinimal;
  expect_parse_error(base + "optimizer: {lr: fast}\n", {"run.yaml:3: optimizer.lr: expected a number, got 'fast'"});
  expect_parse_error(base + "optimizer: {lr: \"0.1\"}\n", {"optimizer.lr: expected a number", "(a quoted string)"});
  expect_parse_error(base + "epochs: 2.5\n", {"run.yaml:3: epochs: expected an integer, got '2.5'"});
  expect_parse_error(base + "epochs: 99999999999\n", {"epochs: expected an integer in [", "2147483647"});
  expect_parse_error(base + "optimizer: {nesterov: maybe}\n", {"optimizer.nesterov: expected true or false"});
  expect_parse_error(base + "optimizer: {name: adam}\n", {"optimizer.name: expected one of sgd | adamw, got 'adam'"});
  expect_parse_error(base + "optimizer: {lr: -inf}\n", {"optimizer.lr: expected a finite number, got '-inf'"});
  expect_parse_error(base + "optimizer: {betas: [0.9]}\n", {"optimizer.betas: expected [float, float], got [0.9]"});
  expect_parse_error(base + "schedule: {milestones: [1, x]}\n", {"schedule.milestones[1]: expected an integer"});
  expect_parse_error("model: 3\n", {"run.yaml:1: model: expected a section (a mapping of keys), got '3'"});
  expect_parse_error("model: {name: [a]}\n", {"model.name: expected a string, got [a]"});
  expect_parse_error("- a\n", {"run.yaml: expected a mapping of config keys at the top level"});
  expect_parse_error("model: {name: a\n", {"run.yaml:", "invalid YAML"});
  expect_parse_error(kMinimal, {"--set optimizer.lr=abc: optimizer.lr: expected a number, got 'abc'"},
                     {"optimizer.lr=abc"});
  expect_parse_error(kMinimal, {"--set lr: expected key=value"}, {"lr"});
  expect_parse_error(kMinimal, {"--set model.name.x=1: 'model.name' holds 'mobilenet_v2', not a section"},
                     {"model.name.x=1"});
}

TEST(Config, ControlCharactersInMessagesAreEscaped) {
  expect_parse_error(kMinimal, {"--set lr\\n# comment: expected key=value"}, {"lr\n# comment"});
  expect_parse_error(std::string(kMinimal) + "\"a\\nb\": 1\n", {"unknown key 'a\\nb'"});
  expect_parse_error(std::string(kMinimal) + "epochs: \"two\\x01\"\n", {"got 'two\\x01' (a quoted string)"});
}

TEST(Config, RangeChecksNameTheKey) {
  const std::string base = kMinimal;
  expect_parse_error("data: {train: d}\n", {"run.yaml: model.name: expected a zoo model name", "got \"\""});
  expect_parse_error("model: {name: a}\n", {"data.train: expected at least one path", "got []"});
  expect_parse_error(base + "optimizer:\n  lr: -0.1\n", {"run.yaml:4: optimizer.lr: expected > 0, got -0.1"});
  expect_parse_error(base, {"--set data.batch_size=0: data.batch_size: expected >= 1, got 0"}, {"data.batch_size=0"});
  expect_parse_error(base + "label_smoothing: 1\n", {"label_smoothing: expected a value in [0, 1), got 1.0"});
  expect_parse_error(base, {"model.width: expected > 0, got 0.0"}, {"model.width=0"});
  expect_parse_error(base, {"optimizer.nesterov: expected false when optimizer.momentum is 0"},
                     {"optimizer.momentum=0", "optimizer.nesterov=true"});
  expect_parse_error(base, {"schedule.milestones: expected strictly increasing epochs"}, {"schedule.milestones=[5, 5]"});
  expect_parse_error(base, {"schedule.milestones: expected at least one epoch"}, {"schedule.name=multistep"});
  expect_parse_error(base, {"schedule.warmup_steps: expected 0 when schedule.warmup_epochs is set"},
                     {"schedule.warmup_steps=5", "schedule.warmup_epochs=1"});
  expect_parse_error(base, {"data.transforms.std: expected as many values as data.transforms.mean (3)"},
                     {"data.transforms.mean=[0.5, 0.5, 0.5]"});
  expect_parse_error(base, {"data.transforms.mean: expected no values, one, or one per input channel (3)"},
                     {"data.transforms.mean=[0.5, 0.5]", "data.transforms.std=[1, 1]"});
  expect_parse_error(base, {"distill.teacher.model: expected a zoo model name when distill.enabled is true"},
                     {"distill.enabled=true"});
  expect_parse_error(base, {"precision: expected f32 when qat.enabled is true", "got bf16"},
                     {"precision=bf16", "qat.enabled=true"});
  expect_parse_error(base, {"precision: expected one of f32 | bf16, got 'fp16'"}, {"precision=fp16"});
  expect_parse_error(base, {"distill.features: expected entries \"teacher_layer:student_layer\", got \"layer3\""},
                     {"distill.features=[layer3]"});
  expect_parse_error(base, {"distill.features: expected entries", "got \"a:b:c\""}, {"distill.features=[\"a:b:c\"]"});
  expect_parse_error(base, {"model.channels: expected entries \"layer:channels[:unitmask]\"", "got \"conv1\""},
                     {"model.channels=[conv1]"});
  expect_parse_error(base, {"model.channels: expected entries", "got \"conv1:0\""}, {"model.channels=[\"conv1:0\"]"});
  expect_parse_error(base, {"model.channels: expected entries", "got \"conv1:4:3G\""},
                     {"model.channels=[\"conv1:4:3G\"]"});
  EXPECT_EQ(parse_config(base, "run.yaml", {"model.channels=[\"conv1:4\", \"layer1.0:8:0f3\"]"}).model.channels,
            (std::vector<std::string>{"conv1:4", "layer1.0:8:0f3"}));
  expect_parse_error(base, {"distill.beta: expected >= 0, got -1.0"}, {"distill.beta=-1"});
  expect_parse_error(base, {"qat.weight_bits: expected 2 to 8, got 16"}, {"qat.weight_bits=16"});
  expect_error([] {
    const Config defaults;  // no model.name
    validate_config(defaults, "api");
  }, {"api: model.name: expected"});
}

// What a new user writes in the first hour: each message names the key they wrote and where.
TEST(Config, FirstHourMistakesNameTheKeyTheUserWrote) {
  const std::string base = kMinimal;
  // epochs is checked before the schedule's checks that compare against it.
  expect_parse_error(base + "epochs: -3\n", {"run.yaml:3: epochs: expected >= 1, got -3"});
  expect_parse_error(base, {"--set epochs=0: epochs: expected >= 1, got 0"}, {"epochs=0"});
  expect_parse_error("model: {name: mobilenet_v2,\n  resolution: 1000000}\ndata: {train: d}\n",
                     {"run.yaml:2: model.resolution: expected 1 to 8192, got 1000000"});
  expect_parse_error(base, {"data.transforms.resize: expected 0 to 8192, got 9000"}, {"data.transforms.resize=9000"});
  expect_parse_error(base, {"data.val_split: expected 0 when data.test is set"},
                     {"data.test=/data/test", "data.val_split=0.1"});
  expect_parse_error(base, {"data.class_names: expected one name per class (model.num_classes is 1000)"},
                     {"data.format=idx", "data.class_names=[a, b]"});
  expect_parse_error(base, {"data.class_names: expected no names for the folder format"},
                     {"model.num_classes=2", "data.class_names=[a, b]"});
}

TEST(Config, DropoutZeroMeansZeroAndNullTheModelsOwn) {
  EXPECT_EQ(parse_config(kMinimal, "run.yaml").model.dropout, std::nullopt);
  EXPECT_EQ(parse_config(kMinimal, "run.yaml", {"model.dropout=0"}).model.dropout, 0.0f);
  EXPECT_EQ(parse_config(kMinimal, "run.yaml", {"model.dropout=0.3"}).model.dropout, 0.3f);
  EXPECT_EQ(parse_config(kMinimal, "run.yaml", {"model.dropout=null"}).model.dropout, std::nullopt);
  expect_parse_error(kMinimal, {"model.dropout: expected a value in [0, 1), or null", "got 1.0"}, {"model.dropout=1"});
  const Config c = parse_config(kMinimal, "run.yaml", {"model.dropout=0"});
  EXPECT_EQ(parse_config(to_yaml(c), "round trip"), c);
  const Config defaults = parse_config(kMinimal, "run.yaml");
  EXPECT_EQ(parse_config(to_yaml(defaults), "round trip").model.dropout, std::nullopt);

  // What the model does with it: in training mode, two forward passes on one batch agree
  // exactly with dropout 0 and differ with mobilenet_v2's own 0.2.
  auto passes_agree = [](const Config& config) {
    auto model = create_model(model_spec(config.model, 1));
    model->train();
    Rng rng(4);
    const Var x = test_support::random_var({2, 3, 32, 32}, rng, false);
    return model->forward(x).data().to_plain() == model->forward(x).data().to_plain();
  };
  const std::vector<std::string> small{"model.width=0.25", "model.num_classes=10"};
  std::vector<std::string> zero = small;
  zero.push_back("model.dropout=0");
  EXPECT_TRUE(passes_agree(parse_config(kMinimal, "run.yaml", zero)));
  EXPECT_FALSE(passes_agree(parse_config(kMinimal, "run.yaml", small)));
}

}  // namespace
}  // namespace minnow
