// From a trained run to a file OpenCV runs, through the `minnow` command as a user goes:
// train (float, then QAT) on a tiny IDX set, `minnow export --format onnx / onnx-int8`,
// `minnow eval --save-logits` (with --int8 for the QAT run), and OpenCV 4.6 on the same test
// images, prepared by the same data pipeline. Plus the malformed runs, one clear line each.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/safetensors.h"
#include "tests/data/data_files.h"
#include "tests/deploy/opencv_net.h"
#include "tests/deploy/run_images.h"
#include "tests/support/python.h"
#include "tests/support/qat_models.h"
#include "tests/train/cli_run.h"
#include "tests/train/tiny_dataset.h"

namespace minnow {
namespace {

using test_support::expect_one_line_error;
using test_support::run_minnow;
using test_support::run_program;
using test_support::ScratchDir;

// A run config over a tiny IDX set (4 classes of 12x12 gray images), MobileNet-v1 0.25.
std::string write_run(const ScratchDir& folder, bool qat) {
  std::filesystem::create_directories(folder.path() / "idx");
  test_support::write_tiny_dataset(folder.path() / "idx", "train", 64, 1);
  test_support::write_tiny_dataset(folder.path() / "idx", "t10k", 48, 2);
  const std::string path = folder.file(qat ? "qat.yaml" : "float.yaml");
  std::ofstream(path) << "model:\n  name: mobilenet_v1\n  width: 0.25\n  resolution: 12\n  num_classes: 4\n"
                         "  in_channels: 1\n  small_input: true\n"
                         "data:\n  format: idx\n  train: [" + folder.file("idx") + "]\n  batch_size: 16\n  workers: 0\n"
                         "  transforms:\n    mean: [0.5]\n    std: [0.25]\n"
                         "epochs: 2\nthreads: 1\noutput: " + folder.file(qat ? "qat_run" : "float_run") + "\n" +
                         (qat ? "qat:\n  enabled: true\n" : "");
  return path;
}

std::vector<float> saved_logits(const std::string& path) { return load_safetensors(path).at("logits").to_plain(); }

// minnow train CONFIG, minnow export RUN --format FORMAT -o ONNX, minnow eval CONFIG (eval_flags)
// --save-logits, then OpenCV on the run's test images against the saved logits.
test_support::Agreement train_export_compare(const ScratchDir& folder, const std::string& config,
                                             const std::string& run, const std::string& format,
                                             const std::string& onnx, const std::vector<std::string>& eval_flags) {
  const auto trained = run_minnow({"train", config}, folder.path());
  EXPECT_EQ(trained.exit_code, 0) << trained.err;
  const auto exported = run_minnow({"export", folder.file(run), "--format", format, "-o", onnx}, folder.path());
  EXPECT_EQ(exported.exit_code, 0) << exported.err;
  const std::string logits = folder.file(run + "_logits.safetensors");
  std::vector<std::string> eval{"eval", config, "--weights", folder.file(run + "/model.safetensors")};
  eval.insert(eval.end(), eval_flags.begin(), eval_flags.end());
  eval.insert(eval.end(), {"--save-logits", logits});
  const auto evaluated = run_minnow(eval, folder.path());
  EXPECT_EQ(evaluated.exit_code, 0) << evaluated.err;
  return test_support::agreement(
      test_support::opencv_forward(onnx, test_support::run_test_images(config).images), saved_logits(logits), 4);
}

TEST(CliOnnx, AFloatRunExportsWhatOpenCvRunsWithEvalsLogits) {
  ScratchDir folder;
  const std::string config = write_run(folder, false);
  const std::string onnx = folder.file("model.onnx");
  const auto a = train_export_compare(folder, config, "float_run", "onnx", onnx, {});
  ASSERT_FALSE(::testing::Test::HasFailure());
  EXPECT_LE(a.relative_error, 1e-4);
  EXPECT_EQ(a.top1, 1.0);

  // docs/examples/opencv_classify.cpp on one image picks the class `minnow predict` picks.
  const std::string image = folder.file("image.png");
  testing::write_file(image, testing::encode_image(testing::pattern_image(12, 12, 1), "png"));
  const auto predicted = run_minnow({"predict", config, "--weights", folder.file("float_run/model.safetensors"),
                                     image, "--json"}, folder.path());
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  const int64_t expected_class = nlohmann::json::parse(predicted.out)[0]["top5"][0]["class"].get<int64_t>();
  const auto classified =
      run_program(OPENCV_CLASSIFY_PATH, {onnx, image, "12", "0.5", "0.25"}, folder.path());
  ASSERT_EQ(classified.exit_code, 0) << classified.err;
  EXPECT_EQ(classified.out.rfind("class " + std::to_string(expected_class) + " ", 0), 0u) << classified.out;

  expect_one_line_error(run_minnow({"export", folder.file("float_run"), "--format", "onnx-int8", "-o",
                                    folder.file("int8.onnx")}, folder.path()),
                        "--format onnx-int8 needs a QAT run");
  expect_one_line_error(run_minnow({"export", folder.path().string(), "--format", "onnx", "-o",
                                    folder.file("none.onnx")}, folder.path()),
                        "has no last.safetensors");
  expect_one_line_error(run_minnow({"export", folder.file("float_run"), "--format", "tflite", "-o",
                                    folder.file("x.tflite")}, folder.path()),
                        "expected safetensors, int8, onnx, onnx-int8, onnx-qdq or shared");
}

TEST(CliOnnx, AQatRunExportsAnInt8FileOpenCvRuns) {
  ScratchDir folder;
  const std::string config = write_run(folder, true);
  const auto a = train_export_compare(folder, config, "qat_run", "onnx-int8", folder.file("int8.onnx"), {"--int8"});
  ASSERT_FALSE(::testing::Test::HasFailure());
  EXPECT_GE(a.top1, 0.95) << "relative error " << a.relative_error;
  const auto qdq = run_minnow({"export", folder.file("qat_run"), "--format", "onnx-qdq", "-o",
                               folder.file("qdq.onnx")}, folder.path());
  EXPECT_EQ(qdq.exit_code, 0) << qdq.err;
}

}  // namespace
}  // namespace minnow
