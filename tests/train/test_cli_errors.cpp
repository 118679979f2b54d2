// The `minnow` command's contract: --help for every subcommand, and bad input (an
// unknown config key, a wrong type, a missing data path, a bad argument) as one
// "minnow: error:" line on stderr and a non-zero exit, never a stack trace.
#include <gtest/gtest.h>

#include "models/zoo.h"
#include "tests/data/data_files.h"
#include "tests/support/python.h"
#include "tests/train/cli_run.h"
#include "train/model_setup.h"

namespace minnow {
namespace {

using test_support::CliRun;
using test_support::expect_one_line_error;
using test_support::run_minnow;

// A valid config whose data.train is data (which need not exist) and output is in folder.
std::string config_text(const std::string& data, const test_support::ScratchDir& folder,
                        const std::string& model_extra = "") {
  std::string text = "model:\n  name: mobilenet_v1\n  width: 0.25\n  resolution: 28\n  num_classes: 10\n";
  text.append("  in_channels: 1\n  small_input: true\n").append(model_extra);
  text.append("data:\n  format: idx\n  train: [").append(data).append("]\n  workers: 0\n");
  text.append("epochs: 1\noutput: ").append(folder.file("run")).append("\n");
  return text;
}

std::string write_config(const test_support::ScratchDir& folder, const std::string& text) {
  const std::string path = folder.file("run.yaml");
  testing::write_text(path, text);
  return path;
}

TEST(CliHelp, EverySubcommandHasHelp) {
  test_support::ScratchDir folder;
  const CliRun top = run_minnow({"--help"}, folder.path());
  EXPECT_EQ(top.exit_code, 0) << top.err;
  for (const std::string command : {"train", "eval", "predict", "export", "bench", "stats"}) {
    EXPECT_NE(top.out.find(command), std::string::npos) << "minnow --help does not list " << command;
    const CliRun run = run_minnow({command, "--help"}, folder.path());
    EXPECT_EQ(run.exit_code, 0) << command << ": " << run.err;
    EXPECT_NE(run.out.find("Usage:"), std::string::npos) << command;
    EXPECT_NE(run.out.find(command), std::string::npos) << command;
    EXPECT_EQ(run.err, "") << command;
  }
}

TEST(CliErrors, UnknownConfigKeyIsOneLine) {
  test_support::ScratchDir folder;
  std::string text = config_text(folder.file("data"), folder);
  text.replace(text.find("width:"), 6, "widht:");
  const CliRun run = run_minnow({"train", write_config(folder, text)}, folder.path());
  expect_one_line_error(run, "model.widht");
  EXPECT_NE(run.err.find("did you mean"), std::string::npos) << run.err;
}

TEST(CliErrors, WrongTypeIsOneLine) {
  test_support::ScratchDir folder;
  const std::string text = config_text(folder.file("data"), folder) + "label_smoothing: lots\n";
  expect_one_line_error(run_minnow({"train", write_config(folder, text)}, folder.path()), "label_smoothing");
}

TEST(CliErrors, WrongTypeInSetIsOneLine) {
  test_support::ScratchDir folder;
  const std::string config = write_config(folder, config_text(folder.file("data"), folder));
  expect_one_line_error(run_minnow({"train", config, "--set", "optimizer.lr=fast"}, folder.path()), "optimizer.lr");
}

// oneDNN limited to AVX-512 without its bf16 instructions stands in for a CPU that lacks them.
TEST(CliErrors, Bf16WithoutCpuSupportIsOneLine) {
  test_support::ScratchDir folder;
  const std::string config = write_config(folder, config_text(folder.file("data"), folder));
  const CliRun run = test_support::run_program(
      "env", {"ONEDNN_MAX_CPU_ISA=AVX512_CORE", MINNOW_CLI_PATH, "train", config, "--set", "precision=bf16"},
      folder.path());
  expect_one_line_error(run, "precision: expected f32 on this CPU (bf16 needs AVX512-BF16 or AMX; oneDNN finds ");
}

TEST(CliErrors, MissingDataPathIsOneLine) {
  test_support::ScratchDir folder;
  const std::string missing = folder.file("no-such-data");
  const std::string config = write_config(folder, config_text(missing, folder));
  const CliRun train = run_minnow({"train", config}, folder.path());
  expect_one_line_error(train, "data.train");
  EXPECT_NE(train.err.find(missing), std::string::npos) << train.err;

  const ModelConfig model{{.name = "mobilenet_v1", .width = 0.25f, .num_classes = 10, .in_channels = 1,
                           .small_input = true},
                          28};  // resolution
  const std::string weights = folder.file("model.safetensors");
  export_weights(weights, *create_model(model_spec(model, 0)), model);
  expect_one_line_error(run_minnow({"eval", config, "--weights", weights}, folder.path()), "data.train");
}

TEST(CliErrors, BadDistillationTeacherIsOneLine) {
  test_support::ScratchDir folder;
  const ModelConfig teacher{{.name = "resnet20", .num_classes = 10, .in_channels = 1}, 28};  // resolution 28
  const std::string weights = folder.file("teacher.safetensors");
  export_weights(weights, *create_model(model_spec(teacher, 0)), teacher);
  const std::string distill = "distill: {enabled: true, teacher: {model: resnet56, weights: " + weights + "}}\n";
  const std::string config = write_config(folder, config_text(folder.file("data"), folder) + distill);
  const CliRun wrong_model = run_minnow({"train", config}, folder.path());
  expect_one_line_error(wrong_model, "distill.teacher.weights '" + weights + "' holds resnet20 weights");
  EXPECT_NE(wrong_model.err.find("distill.teacher.model is 'resnet56'"), std::string::npos) << wrong_model.err;
  expect_one_line_error(
      run_minnow({"train", config, "--set", "distill.teacher.model=resnet20", "--set",
                  "distill.features=[layer9:features.1]"},
                 folder.path()),
      "distill.features: 'layer9:features.1': the teacher (resnet20) has no layer 'layer9'");
}

TEST(CliErrors, BadArgumentsAreOneLine) {
  test_support::ScratchDir folder;
  const std::string config = write_config(folder, config_text(folder.file("data"), folder));
  expect_one_line_error(run_minnow({"eval", config}, folder.path()), "--weights");
  expect_one_line_error(run_minnow({"eval", config, "--weights", folder.file("none.safetensors")}, folder.path()),
                        "none.safetensors");
  expect_one_line_error(run_minnow({"bench", "--model", "no_such_net"}, folder.path()), "no_such_net");
  expect_one_line_error(run_minnow({"train", folder.file("missing.yaml")}, folder.path()), "missing.yaml");
  expect_one_line_error(run_minnow({"frobnicate"}, folder.path()), "subcommand");
}

// A family convert_int8 refuses: `bench --int8` names it and points at --eval, in one line.
TEST(CliErrors, BenchInt8OfAFamilyWithoutInt8FormIsOneLine) {
  test_support::ScratchDir folder;
  expect_one_line_error(run_minnow({"bench", "--int8", "--model", "densenet121", "--resolution", "32", "--small-input",
                                    "--batch", "1", "--threads", "1", "--steps", "1", "--num-classes", "10"},
                                   folder.path()),
                        "bench --int8: densenet121 has no int8 model (convert_int8: ");
  expect_one_line_error(run_minnow({"bench", "--eval", "--int8", "--model", "mobilenet_v1"}, folder.path()),
                        "--eval excludes --int8");
  expect_one_line_error(run_minnow({"bench", "--fold", "--model", "mobilenet_v1"}, folder.path()),
                        "--fold: expected --eval or --int8 with it");
  expect_one_line_error(run_minnow({"bench", "--eval", "--winograd", "--model", "mobilenet_v1"}, folder.path()),
                        "--winograd requires --fold");
}

}  // namespace
}  // namespace minnow
