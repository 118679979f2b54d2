// The `minnow` subcommands end to end on tiny generated data: eval (--json and
// --save-logits against an in-process forward pass), predict (class names from a
// folder dataset, a malformed image), export (from a run folder's checkpoint), a
// QAT run's int8 model (eval --int8, export --format int8), and a binarize run's eval.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/grad_mode.h"
#include "core/safetensors.h"
#include "models/zoo.h"
#include "ops/losses.h"
#include "tests/data/data_files.h"
#include "tests/support/python.h"
#include "tests/support/random.h"
#include "tests/train/cli_run.h"
#include "train/checkpoint.h"
#include "train/model_setup.h"
#include "train/state_dict.h"

namespace minnow {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test_support::CliRun;
using test_support::expect_one_line_error;
using test_support::run_minnow;
using test_support::ScratchDir;

ModelConfig tiny_model(int resolution, int num_classes, int in_channels) {
  return {{.name = "mobilenet_v1", .width = 0.25f, .num_classes = num_classes, .in_channels = in_channels,
           .small_input = true},
          resolution};  // the ModelSpec, then model.resolution
}

std::string model_yaml(const ModelConfig& m) {
  std::string text = "model:\n  name: " + m.name + "\n  width: " + std::to_string(m.width);
  text.append("\n  resolution: ").append(std::to_string(m.resolution));
  text.append("\n  num_classes: ").append(std::to_string(m.num_classes));
  text.append("\n  in_channels: ").append(std::to_string(m.in_channels)).append("\n  small_input: true\n");
  return text;
}

std::string write_config(const ScratchDir& folder, const std::string& text) {
  const std::string path = folder.file("run.yaml");
  testing::write_text(path, text + "output: " + folder.file("run") + "\n");
  return path;
}

std::string export_model(const ScratchDir& folder, const ModelConfig& m, uint64_t seed) {
  const std::string path = folder.file("model.safetensors");
  export_weights(path, *create_model(model_spec(m, seed)), m);
  return path;
}

// An MNIST-style IDX folder of 28x28 gray images with labels i % 10: 10 training images
// and `tests` test images (tests >= 10, so both splits hold every class), whose pixels it returns.
testing::Bytes write_idx(const fs::path& root, int tests, Rng& rng) {
  testing::write_random_idx(root, "train", 10, rng);
  return testing::write_random_idx(root, "t10k", tests, rng);
}

// An IDX folder with 20 test images (write_idx) and the data section that trains and tests on it
// in batches of 5.
std::string idx_run_data(const ScratchDir& folder, Rng& rng) {
  write_idx(folder.path() / "idx", 20, rng);
  return "data:\n  format: idx\n  train: [" + folder.file("idx") +
         "]\n  batch_size: 5\n  workers: 0\n  transforms:\n    mean: [0.5]\n    std: [0.25]\n";
}

TEST(CliEval, JsonAndSavedLogitsMatchTheModel) {
  ScratchDir folder;
  Rng rng(5);
  const int n = 10;
  const testing::Bytes pixels = write_idx(folder.path() / "idx", n, rng);
  const ModelConfig m = tiny_model(28, 10, 1);
  const std::string weights = export_model(folder, m, 7);
  const std::string config = write_config(
      folder, model_yaml(m) + "data:\n  format: idx\n  train: [" + folder.file("idx") +
                  "]\n  batch_size: 4\n  workers: 0\n  transforms:\n    mean: [0.5]\n    std: [0.25]\n");
  const std::string logits_path = folder.file("logits.safetensors");
  const CliRun run =
      run_minnow({"eval", config, "--weights", weights, "--json", "--save-logits", logits_path}, folder.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;

  // The same images through the model in this process, normalised by hand, one batch.
  std::vector<float> input(pixels.size());
  for (size_t i = 0; i < pixels.size(); ++i) input[i] = (static_cast<float>(pixels[i]) / 255.0f - 0.5f) / 0.25f;
  auto model = create_model(model_spec(m, 7));
  model->eval();
  NoGrad no_grad;
  const std::vector<float> expected = model->forward(Var(Tensor::from_plain({n, 1, 28, 28}, input))).data().to_plain();
  std::vector<int32_t> labels;
  for (int i = 0; i < n; ++i) labels.push_back(i % 10);
  const double loss =
      cross_entropy(Var(Tensor::from_plain({n, 10}, expected)), labels).data().to_plain()[0];

  const json out = json::parse(run.out);
  for (const char* key : {"top1", "top5", "loss", "images"}) EXPECT_TRUE(out.contains(key)) << key << ": " << run.out;
  EXPECT_EQ(out["images"].get<int64_t>(), n);
  EXPECT_NEAR(out["loss"].get<double>(), loss, 1e-4);
  EXPECT_GE(out["top5"].get<double>(), out["top1"].get<double>());

  const SafeTensors saved = load_safetensors(logits_path);
  const Tensor& logits = saved.at("logits");
  EXPECT_EQ(logits.dims(), (Dims{n, 10}));
  EXPECT_EQ(logits.dtype(), DType::f32);
  EXPECT_LE(test_support::closeness(logits.to_plain(), expected, 1e-5, 1e-4), 1.0);

  const CliRun text = run_minnow({"eval", config, "--weights", weights}, folder.path());
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("top-1"), std::string::npos) << text.out;

  // Folded for inference: the same logits to rounding, every batch norm of the 27 convs folded.
  const CliRun folded = run_minnow(
      {"eval", config, "--weights", weights, "--json", "--fold", "--save-logits", logits_path}, folder.path());
  ASSERT_EQ(folded.exit_code, 0) << folded.err;
  const json fold_out = json::parse(folded.out);
  EXPECT_EQ(fold_out["folded_batch_norms"], 27);
  EXPECT_EQ(fold_out["unfolded_top1"], out["top1"]);
  EXPECT_EQ(fold_out["argmax_agreement"].get<double>(), 100.0);
  EXPECT_LE(test_support::closeness(load_safetensors(logits_path).at("logits").to_plain(), expected, 1e-5, 1e-4), 1.0);
}

// A folder dataset with classes cat and dog, and a model over its two classes at 32 px.
struct PredictSetup {
  std::string config, weights;
};

PredictSetup predict_setup(const ScratchDir& folder) {
  const auto root = folder.path() / "images";
  testing::write_file(root / "cat" / "a.png", testing::encode_image(testing::pattern_image(40, 30, 3), "png"));
  testing::write_file(root / "dog" / "b.png", testing::encode_image(testing::pattern_image(30, 40, 3), "png"));
  const ModelConfig m = tiny_model(32, 2, 3);
  const std::string data = "data:\n  format: folder\n  train: [" + root.string() +
                           "]\n  workers: 0\n  transforms:\n    resize: 32\n    mean: [0.5, 0.5, 0.5]\n"
                           "    std: [0.25, 0.25, 0.25]\n";
  return {write_config(folder, model_yaml(m) + data), export_model(folder, m, 3)};
}

TEST(CliPredict, TopClassesWithFolderClassNames) {
  ScratchDir folder;
  const PredictSetup setup = predict_setup(folder);
  const std::string color = folder.file("q1.png"), gray = folder.file("q2.bmp");
  testing::write_file(color, testing::encode_image(testing::pattern_image(48, 64, 3), "png"));
  testing::write_file(gray, testing::encode_image(testing::pattern_image(20, 20, 1), "bmp"));
  // One image per batch, and --set before the image arguments.
  const CliRun run = run_minnow(
      {"predict", setup.config, "--set", "data.batch_size=1", color, gray, "--weights", setup.weights, "--json"},
      folder.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json out = json::parse(run.out);
  ASSERT_EQ(out.size(), 2u) << run.out;
  EXPECT_EQ(out[0]["image"], color);
  EXPECT_EQ(out[1]["image"], gray);
  for (const auto& image : out) {
    const auto& top = image["top5"];
    ASSERT_EQ(top.size(), 2u) << "two classes, so two guesses: " << run.out;
    EXPECT_GE(top[0]["probability"].get<double>(), top[1]["probability"].get<double>());
    EXPECT_NEAR(top[0]["probability"].get<double>() + top[1]["probability"].get<double>(), 1.0, 1e-6);
    for (const auto& guess : top) {
      const int64_t index = guess["class"];
      EXPECT_EQ(guess["name"], index == 0 ? "cat" : "dog");
    }
  }
  // Folded for inference: the same classes in the same order, probabilities to rounding.
  const CliRun folded = run_minnow(
      {"predict", setup.config, color, gray, "--weights", setup.weights, "--json", "--fold", "--winograd"},
      folder.path());
  ASSERT_EQ(folded.exit_code, 0) << folded.err;
  const json fold_out = json::parse(folded.out);
  ASSERT_EQ(fold_out.size(), 2u) << folded.out;
  for (size_t i = 0; i < 2; ++i)
    for (size_t g = 0; g < 2; ++g) {
      EXPECT_EQ(fold_out[i]["top5"][g]["class"], out[i]["top5"][g]["class"]);
      EXPECT_NEAR(fold_out[i]["top5"][g]["probability"].get<double>(), out[i]["top5"][g]["probability"].get<double>(),
                  1e-5);
    }
  const CliRun text = run_minnow({"predict", setup.config, "--weights", setup.weights, color}, folder.path());
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("cat"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("q1.png"), std::string::npos) << text.out;
}

TEST(CliPredict, MalformedOrMissingImageIsOneLineNamingTheFile) {
  ScratchDir folder;
  const PredictSetup setup = predict_setup(folder);
  const std::string good = folder.file("good.png"), broken = folder.file("broken.png");
  testing::write_file(good, testing::encode_image(testing::pattern_image(32, 32, 3), "png"));
  testing::write_text(broken, "this is not an image");
  expect_one_line_error(run_minnow({"predict", setup.config, "--weights", setup.weights, good, broken}, folder.path()),
                        broken);
  const std::string missing = folder.file("missing.jpg");
  expect_one_line_error(run_minnow({"predict", setup.config, "--weights", setup.weights, missing}, folder.path()),
                        missing);
}

TEST(CliExport, RunFolderCheckpointToPlainWeights) {
  ScratchDir folder;
  Config config;
  config.model = tiny_model(28, 10, 1);
  config.data.train = {folder.file("data")};
  auto model = create_model(model_spec(config.model, 0));
  NamedParams params;
  for (const auto& p : model->named_parameters()) params.emplace_back(p.name, p.var);
  auto optimizer = make_optimizer(config.optimizer, params);
  Rng rng(2);
  cross_entropy(model->forward(test_support::random_var({4, 1, 28, 28}, rng, false)), {1, 2, 3, 4}).backward();
  optimizer->step(0.1);  // weights, BN statistics and momentum all move away from their start
  fs::create_directories(folder.path() / "run");
  save_checkpoint(folder.file("run/last.safetensors"), *model, *optimizer, RunPosition{}, config);

  const std::string out = folder.file("exported.safetensors");
  const CliRun run = run_minnow({"export", folder.file("run"), "--format", "safetensors", "-o", out}, folder.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const SafeTensors exported = load_safetensors(out);
  EXPECT_EQ(exported.metadata.at("format"), "minnow-weights-1");
  EXPECT_EQ(exported.metadata.at("model.name"), "mobilenet_v1");
  const SafeTensors expected = state_dict(*model);
  ASSERT_EQ(exported.tensors.size(), expected.tensors.size());
  for (size_t i = 0; i < expected.tensors.size(); ++i) {
    const auto& [name, tensor] = expected.tensors[i];
    EXPECT_EQ(exported.tensors[i].first, name);
    EXPECT_EQ(exported.tensors[i].second.dims(), tensor.dims()) << name;
    EXPECT_EQ(exported.tensors[i].second.to_plain(), tensor.to_plain()) << name;
  }

  expect_one_line_error(run_minnow({"export", folder.file("run"), "--format", "tflite", "-o", out}, folder.path()),
                        "--format 'tflite'");
  expect_one_line_error(run_minnow({"export", folder.file("run"), "--best", "-o", out}, folder.path()),
                        "best.safetensors");
  expect_one_line_error(run_minnow({"export", out, "-o", folder.file("again.safetensors")}, folder.path()),
                        "not a minnow checkpoint");
}

// A QAT run through the CLI, then its int8 model: eval --int8 reports the converted model next
// to the fake-quant one, export --format int8 writes s8 weights with their scales.
TEST(CliQat, EvalAndExportTheInt8Model) {
  ScratchDir folder;
  Rng rng(8);
  const std::string data = idx_run_data(folder, rng);
  const std::string config = write_config(folder, model_yaml(tiny_model(28, 10, 1)) + data +
                                                      "epochs: 1\nthreads: 1\nqat:\n  enabled: true\n");
  const CliRun train = run_minnow({"train", config}, folder.path());
  ASSERT_EQ(train.exit_code, 0) << train.err;

  const std::string weights = folder.file("run/model.safetensors");
  const CliRun eval = run_minnow({"eval", config, "--weights", weights, "--int8", "--json"}, folder.path());
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  const json out = json::parse(eval.out);
  EXPECT_EQ(out["images"].get<int64_t>(), 20);
  EXPECT_GE(out["argmax_agreement"].get<double>(), 95.0) << eval.out;  // at most 1 of 20 images
  EXPECT_LE(std::abs(out["top1"].get<double>() - out["fake_quant_top1"].get<double>()), 5.0) << eval.out;

  const std::string int8 = folder.file("int8.safetensors");
  const CliRun exported = run_minnow({"export", folder.file("run"), "--format", "int8", "-o", int8}, folder.path());
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const SafeTensors file = load_safetensors(int8);
  EXPECT_EQ(file.metadata.at("format"), "minnow-int8-1");
  EXPECT_NE(file.metadata.at("scheme").find("s8 symmetric per output channel"), std::string::npos);
  int convs = 0;
  for (const auto& [name, tensor] : file.tensors) {
    if (tensor.dtype() != DType::s8) continue;
    ++convs;
    const std::string base = name.substr(0, name.size() - std::string("weight").size());
    EXPECT_EQ(file.at(base + "weight_scale").dims(), (Dims{tensor.dim(0)})) << name;
    EXPECT_EQ(file.at(base + "bias").dims(), (Dims{tensor.dim(0)})) << name;
  }
  EXPECT_EQ(convs, 27);  // the stem and 13 depthwise-separable blocks
  EXPECT_EQ(file.at("classifier.1.weight").dims(), (Dims{10, 256}));

  expect_one_line_error(run_minnow({"eval", config, "--weights", weights, "--int8", "--set", "qat.enabled=false"},
                                   folder.path()),
                        "--int8 runs a QAT-trained model");
  expect_one_line_error(run_minnow({"eval", config, "--weights", weights, "--fold"}, folder.path()),
                        "--fold folds a float model; " + config + " has qat.enabled: true (use --int8)");
  const std::string image = folder.file("q.png");
  testing::write_file(image, testing::encode_image(testing::pattern_image(28, 28, 1), "png"));
  expect_one_line_error(run_minnow({"predict", config, image, "--weights", weights, "--fold"}, folder.path()),
                        "predict: --fold folds a float model; " + config + " has qat.enabled: true");
}

// A binarize run through the CLI: `minnow eval` of its export (the float latent weights) binarizes
// as the trainer did, so it reports the trainer's last test loss and top-1; the same weights
// unbinarized give another loss; the ONNX export, which would hold the latent weights, is refused.
TEST(CliBinarize, EvalOfTheExportEqualsTheTrainersFinalEval) {
  ScratchDir folder;
  Rng rng(9);
  const std::string data = idx_run_data(folder, rng);
  // BN momentum 1: the running statistics are the last batch's, so that eval's logits differ
  // between the binarized and the latent model after a few steps.
  const std::string config = write_config(folder, model_yaml(tiny_model(28, 10, 1)) + "  bn_momentum: 1.0\n" + data +
                                                      "epochs: 2\nthreads: 1\nbinarize:\n  enabled: true\n");
  const CliRun train = run_minnow({"train", config}, folder.path());
  ASSERT_EQ(train.exit_code, 0) << train.err;
  json last_eval;
  std::ifstream metrics(folder.file("run/metrics.jsonl"));
  for (std::string line; std::getline(metrics, line);)
    if (const json record = json::parse(line); record["type"] == "eval_epoch") last_eval = record;
  ASSERT_EQ(last_eval["epoch"].get<int64_t>(), 2) << "no eval record for the last epoch";

  const std::string weights = folder.file("run/model.safetensors");
  const CliRun eval = run_minnow({"eval", config, "--weights", weights, "--json"}, folder.path());
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  const json out = json::parse(eval.out);
  EXPECT_EQ(out["images"].get<int64_t>(), 20);
  EXPECT_NEAR(out["loss"].get<double>(), last_eval["loss"].get<double>(), 1e-6) << eval.out;
  EXPECT_EQ(out["top1"].get<double>(), last_eval["top1"].get<double>()) << eval.out;

  const CliRun latent =
      run_minnow({"eval", config, "--weights", weights, "--json", "--set", "binarize.enabled=false"}, folder.path());
  ASSERT_EQ(latent.exit_code, 0) << latent.err;
  EXPECT_GT(std::abs(json::parse(latent.out)["loss"].get<double>() - out["loss"].get<double>()), 1e-3) << latent.out;

  expect_one_line_error(
      run_minnow({"export", folder.file("run"), "--format", "onnx", "-o", folder.file("m.onnx")}, folder.path()),
      "export: --format onnx of a binarize run would hold its float latent weights");
}

// MobileNet-v3 through the same commands: eval --int8 runs its converted model, export
// --format int8 writes the squeeze-and-excitation gates' f32 weights, and the ONNX int8 form
// refuses it in one line naming the first step it has no form for.
TEST(CliQat, MobileNetV3EvalsAndExportsInt8) {
  ScratchDir folder;
  Rng rng(8);
  const std::string data = idx_run_data(folder, rng);
  ModelConfig m = tiny_model(28, 10, 1);
  m.name = "mobilenet_v3_small";
  m.width = 0.5f;
  const std::string config = write_config(folder, model_yaml(m) + data + "epochs: 1\nthreads: 1\nqat:\n  enabled: true\n");
  const CliRun train = run_minnow({"train", config}, folder.path());
  ASSERT_EQ(train.exit_code, 0) << train.err;

  const CliRun eval = run_minnow(
      {"eval", config, "--weights", folder.file("run/model.safetensors"), "--int8", "--json"}, folder.path());
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  const json out = json::parse(eval.out);
  EXPECT_EQ(out["images"].get<int64_t>(), 20);
  EXPECT_TRUE(out.contains("argmax_agreement")) << eval.out;

  const std::string int8 = folder.file("int8.safetensors");
  const CliRun exported = run_minnow({"export", folder.file("run"), "--format", "int8", "-o", int8}, folder.path());
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const SafeTensors file = load_safetensors(int8);
  EXPECT_EQ(file.at("features.1.block.1.fc1.weight").dtype(), DType::f32);
  EXPECT_EQ(file.at("features.1.block.1.fc1.weight").dims(), (Dims{8, 8}));
  EXPECT_EQ(file.at("features.1.block.1.fc2.bias").dims(), (Dims{8}));
  EXPECT_EQ(file.at("features.1.block.1.mul.output_scale").dims(), (Dims{1}));

  expect_one_line_error(run_minnow({"export", folder.file("run"), "--format", "onnx-int8", "-o",
                                    folder.file("model.onnx")},
                                   folder.path()),
                        "export: features.0.0 fuses a hardswish, swish or hardsigmoid; the ONNX int8 forms have no "
                        "such step, so this model exports only to float (--format onnx)");
}

}  // namespace
}  // namespace minnow
