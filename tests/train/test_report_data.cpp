// Reading run folders for the report (train/report/report_data.h): metrics.jsonl as the
// trainer writes it, a resumed run's repeated steps, older files without the epochs' global
// steps, the JSON columns the page reads, the model's costs, and one clear error a bad input.
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "models/model_stats.h"
#include "models/zoo.h"
#include "tests/data/data_files.h"
#include "tests/support/python.h"
#include "tests/train/report_runs.h"
#include "train/report/model_costs.h"
#include "train/report/report_data.h"

namespace minnow {
namespace {

using nlohmann::json;
using report::read_run;
using test_support::run_config_yaml;
using test_support::step_record;
using test_support::write_run_folder;

// 'path', as messages quote a path.
std::string in_quotes(const std::string& path) { return "'" + path + "'"; }

std::string error_of(const std::function<void()>& work) {
  try {
    work();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

void expect_error(const std::string& folder, const std::vector<std::string>& fragments) {
  const std::string message = error_of([&] { read_run(folder); });
  for (const std::string& fragment : fragments)
    EXPECT_NE(message.find(fragment), std::string::npos) << "expected \"" << fragment << "\" in: " << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(ReportData, ReadsStepsAndEpochsAsTheTrainerWritesThem) {
  test_support::ScratchDir dir;
  std::vector<std::string> lines = test_support::two_epoch_metrics();
  lines.insert(lines.begin() + 2, R"({"type": "replica_check", "global_step": 4, "ranks": 2, "checksum": "7"})");
  const report::RunData run = read_run(write_run_folder(dir.path() / "plain", run_config_yaml(), lines));
  EXPECT_EQ(run.name, "plain");
  EXPECT_EQ(run.config.model.name, "mobilenet_v1");
  EXPECT_EQ(run.steps_per_epoch, 4);
  ASSERT_EQ(run.steps.size(), 4u);
  EXPECT_EQ(run.steps[0].global_step, 2);
  EXPECT_DOUBLE_EQ(run.steps[0].epoch, 0.5);
  EXPECT_DOUBLE_EQ(run.steps[3].epoch, 2.0);
  EXPECT_DOUBLE_EQ(run.steps[1].lr, 0.08);
  EXPECT_DOUBLE_EQ(run.steps[2].train_top1, 55);
  ASSERT_EQ(run.epochs.size(), 2u);
  EXPECT_EQ(run.epochs[1].global_step, 8);
  EXPECT_DOUBLE_EQ(*run.epochs[1].test_top1, 62.5);
  EXPECT_DOUBLE_EQ(*run.epochs[0].train_loss, 1.7);
  EXPECT_TRUE(run.summary.is_null());
}

TEST(ReportData, AResumedRunKeepsTheLastRecordOfARepeatedStep) {
  test_support::ScratchDir dir;
  const std::vector<std::string> lines = {step_record(1, 2, 2, 0.1, 2.0, 30).dump(),
                                          step_record(1, 4, 4, 0.1, 9.0, 30).dump(), "",
                                          step_record(1, 4, 4, 0.1, 1.0, 50).dump()};
  const report::RunData run = read_run(write_run_folder(dir.path() / "resumed", run_config_yaml(), lines));
  ASSERT_EQ(run.steps.size(), 2u);
  EXPECT_DOUBLE_EQ(run.steps[1].loss, 1.0);
}

TEST(ReportData, FilesWithoutTheEpochsGlobalStepsInferThem) {
  test_support::ScratchDir dir;
  std::vector<std::string> lines;
  for (std::string line : test_support::two_epoch_metrics()) {
    json record = json::parse(line);
    if (record["type"] != "step") record.erase("global_step");
    lines.push_back(record.dump());
  }
  const report::RunData run = read_run(write_run_folder(dir.path() / "old", run_config_yaml(), lines));
  EXPECT_EQ(run.steps_per_epoch, 4);  // (global step 6 - step 2) / 1 epoch before
  EXPECT_EQ(run.epochs[0].global_step, 4);
  EXPECT_EQ(run.epochs[1].global_step, 8);
}

TEST(ReportData, ARunThatHasLoggedNothingYetIsNoError) {
  test_support::ScratchDir dir;
  const report::RunData run = read_run(write_run_folder(dir.path() / "starting", run_config_yaml(), {}));
  EXPECT_TRUE(run.steps.empty());
  EXPECT_TRUE(run.epochs.empty());
  EXPECT_EQ(report::to_json(run)["steps"]["loss"], json::array());
}

TEST(ReportData, DistillationTermsQatAndSummaryReachTheJson) {
  test_support::ScratchDir dir;
  const std::string extra =
      "distill: {enabled: true, teacher: {model: resnet20, weights: teacher.safetensors}, temperature: 3}\n"
      "qat: {enabled: true, weight_bits: 4, freeze_bn_epoch: 1}\n";
  json with_terms = step_record(1, 2, 2, 0.1, 2.0, 30);
  with_terms["loss_soft"] = 0.5;
  with_terms["loss_hard"] = 1.5;
  const std::string folder = write_run_folder(dir.path() / "student", run_config_yaml(extra),
                                              {with_terms.dump(), step_record(1, 4, 4, 0.1, 1.0, 50).dump()});
  testing::write_text(dir.path() / "student" / "summary.json", R"({"test_top1": 61.0, "train_seconds": 12.5})");
  const json out = report::to_json(read_run(folder));
  EXPECT_EQ(out["steps"]["terms"]["loss_soft"], json::parse("[0.5, null]"));
  EXPECT_EQ(out["steps"]["terms"]["loss_hard"], json::parse("[1.5, null]"));
  EXPECT_EQ(out["distill"]["teacher"], "resnet20");
  EXPECT_EQ(out["distill"]["temperature"], 3.0);
  EXPECT_EQ(out["qat"]["weight_bits"], 4);
  EXPECT_EQ(out["qat"]["freeze_bn_epoch"], 1);
  EXPECT_EQ(out["qat"]["freeze_observer_epoch"], -1);
  EXPECT_EQ(out["summary"]["train_seconds"], 12.5);
  EXPECT_TRUE(out["test_top1"].is_null());  // no eval_epoch record yet
  EXPECT_EQ(out["steps"]["global_step"], json::parse("[2, 4]"));
}

TEST(ReportData, PlainRunsHaveNoDistillationOrQatAndTheLastTestTop1) {
  test_support::ScratchDir dir;
  const json out = report::to_json(
      read_run(write_run_folder(dir.path() / "plain", run_config_yaml(), test_support::two_epoch_metrics())));
  EXPECT_TRUE(out["distill"].is_null());
  EXPECT_TRUE(out["qat"].is_null());
  EXPECT_EQ(out["steps"]["terms"], json::object());
  EXPECT_EQ(out["test_top1"], 62.5);
  EXPECT_EQ(out["best_top1"], 62.5);
  EXPECT_EQ(out["epochs"]["test_top1"], json::parse("[45.0, 62.5]"));
}

TEST(ReportData, ModelCostsAreTheZooModelsStatistics) {
  test_support::ScratchDir dir;
  const report::RunData run =
      read_run(write_run_folder(dir.path() / "plain", run_config_yaml(), test_support::two_epoch_metrics()));
  const report::ModelCosts costs = report::model_costs(run.config, false);
  auto model = create_model(run.config.model);
  const ModelStats stats = model_stats(*model, {.resolution = 16, .in_channels = 1, .measure_latency = false});
  EXPECT_EQ(costs.params, stats.params);
  EXPECT_EQ(costs.macs, stats.macs);
  EXPECT_GT(costs.macs, 0);
  EXPECT_FALSE(costs.latency_ms.has_value());
  const report::ModelCosts measured = report::model_costs(run.config, true);
  ASSERT_TRUE(measured.latency_ms.has_value());
  EXPECT_GT(*measured.latency_ms, 0.0);
}

TEST(ReportData, EveryBadInputIsOneLineNamingTheFile) {
  test_support::ScratchDir dir;
  const std::string good = step_record(1, 2, 2, 0.1, 2.0, 30).dump();
  expect_error(dir.file("absent"), {"run folder " + in_quotes(dir.file("absent")) + " does not exist"});
  testing::write_text(dir.path() / "a_file", "x");
  expect_error(dir.file("a_file"), {in_quotes(dir.file("a_file")) + " is not a folder"});
  std::filesystem::create_directories(dir.path() / "empty");
  testing::write_text(dir.path() / "empty" / "config.yaml", run_config_yaml());
  expect_error(dir.file("empty"), {(dir.path() / "empty" / "metrics.jsonl").string() + "' does not exist"});

  const auto metrics_error = [&](const std::string& name, const std::string& bad_line,
                                 const std::vector<std::string>& fragments) {
    const std::string folder = write_run_folder(dir.path() / name, run_config_yaml(), {good, bad_line});
    std::vector<std::string> all = {folder + "/metrics.jsonl:2: "};
    all.insert(all.end(), fragments.begin(), fragments.end());
    expect_error(folder, all);
  };
  metrics_error("truncated", R"({"type": "step", "epoch": 1, "st)",
                {"expected one JSON object per line, got '{\"type\": \"step\", \"epoch\": 1, \"st'"});
  metrics_error("array", "[1, 2]", {"expected a JSON object with a string \"type\", got '[1, 2]'"});
  metrics_error("no_type", R"({"epoch": 1})", {"expected a JSON object with a string \"type\""});
  json bad = step_record(1, 4, 4, 0.1, 1.0, 50);
  bad["lr"] = "fast";
  metrics_error("text_lr", bad.dump(), {"a \"step\" record needs a number \"lr\", got '\"fast\"'"});
  bad = step_record(1, 4, 4, 0.1, 1.0, 50);
  bad.erase("loss");
  metrics_error("no_loss", bad.dump(), {"needs a number \"loss\", got none"});
  bad = step_record(0, 4, 4, 0.1, 1.0, 50);
  metrics_error("epoch_zero", bad.dump(), {"needs a whole number >= 1 \"epoch\", got '0'"});
  metrics_error("eval_top1", R"({"type": "eval_epoch", "epoch": 1, "loss": 1.0, "top1": "high"})",
                {"a \"eval_epoch\" record needs a number \"top1\", got '\"high\"'"});

  const std::string summary_folder =
      write_run_folder(dir.path() / "bad_summary", run_config_yaml(), test_support::two_epoch_metrics());
  testing::write_text(dir.path() / "bad_summary" / "summary.json", "{\"test_top1\": ");
  expect_error(summary_folder, {summary_folder + "/summary.json: expected one JSON object (summary.json)"});

  const std::string config_folder =
      write_run_folder(dir.path() / "bad_config", "model: {name: nonet}\n", test_support::two_epoch_metrics());
  expect_error(config_folder, {config_folder + "/config.yaml"});
}

}  // namespace
}  // namespace minnow
