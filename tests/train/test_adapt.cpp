// `minnow adapt` (NetAdapt) end to end on a tiny mobilenet_v1 0.25 and 40 random IDX images:
// a Mult-Add budget is met with every iteration lowering the estimate to its target and
// keeping its most accurate candidate, the estimate equals model_stats' count, the written
// config rebuilds the model and `minnow eval` runs it; the latency table is cached, reused
// and measured anew when its key differs; each bad argument is one line naming it.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "models/model_stats.h"
#include "models/zoo.h"
#include "tests/support/python.h"
#include "tests/train/cli_run.h"
#include "tests/train/tiny_idx_run.h"
#include "train/adapt/latency_table.h"
#include "train/model_setup.h"

namespace minnow {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test_support::CliRun;
using test_support::expect_one_line_error;
using test_support::run_minnow;
using test_support::ScratchDir;

// A training config over 40 random 28x28 IDX images (labels i % 10) whose model.init_weights
// is an export of a mobilenet_v1 0.25; written to folder/run.yaml.
Config write_config(const ScratchDir& folder) {
  Config config = test_support::tiny_idx_run(folder, 40, 5);
  config.threads = 1;
  const auto model = create_model(model_spec(config.model, 0));
  export_weights(folder.file("start.safetensors"), *model, config.model);
  config.model.init_weights = folder.file("start.safetensors");
  std::ofstream(folder.path() / "run.yaml") << to_yaml(config);
  return config;
}

std::vector<json> read_jsonl(const fs::path& path) {
  std::vector<json> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  return lines;
}

CliRun adapt(const ScratchDir& folder, const std::string& out, std::vector<std::string> extra) {
  std::vector<std::string> args{
      "adapt", folder.file("run.yaml"), "-o", folder.file(out), "--short-steps", "2", "--holdout", "0.25"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_minnow(args, folder.path());
}

TEST(Adapt, MacBudgetIsMetByTheMostAccurateCandidates) {
  ScratchDir folder;
  const Config config = write_config(folder);
  const int64_t start =
      model_stats(*build_model(config), {.resolution = 28, .in_channels = 1, .measure_latency = false}).macs;
  const double budget = 0.7 * static_cast<double>(start);
  const CliRun run =
      adapt(folder, "out", {"--budget-macs", std::to_string(budget), "--step-fraction", "0.1", "--decay", "0.9"});
  ASSERT_EQ(run.exit_code, 0) << run.err;

  const std::vector<json> lines = read_jsonl(folder.path() / "out" / "adapt.jsonl");
  ASSERT_GE(lines.size(), 2U);
  double before = static_cast<double>(start);
  double step = 0.1 * static_cast<double>(start);
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    const json& it = lines[i];
    EXPECT_EQ(it["iteration"], static_cast<int64_t>(i) + 1);
    EXPECT_DOUBLE_EQ(it["before"].get<double>(), before);
    EXPECT_NEAR(it["step"].get<double>(), step, 1e-6 * step);
    const double target = std::max(before - step, budget);
    EXPECT_NEAR(it["target"].get<double>(), target, 1e-6 * target);
    EXPECT_LE(it["after"].get<double>(), target);  // lowered by the step, or down to the budget
    double best = -1;
    bool chosen_found = false;
    for (const json& c : it["candidates"]) {
      EXPECT_LE(c["estimate"].get<double>(), target);
      EXPECT_LT(c["channels_after"].get<int64_t>(), c["channels_before"].get<int64_t>());
      best = std::max(best, c["holdout_top1"].get<double>());
      if (c["group"] == it["chosen"]) {
        chosen_found = true;
        EXPECT_EQ(c["holdout_top1"], it["holdout_top1"]);
        EXPECT_EQ(c["estimate"], it["after"]);
      }
    }
    EXPECT_TRUE(chosen_found) << it.dump();
    EXPECT_EQ(it["holdout_top1"].get<double>(), best);  // the most accurate candidate
    before = it["after"].get<double>();
    step *= 0.9;
  }
  const json& result = lines.back();
  EXPECT_EQ(result["result"], "budget met");
  EXPECT_LE(result["final"].get<double>(), budget);
  EXPECT_EQ(result["final"].get<double>(), before);
  EXPECT_EQ(result["macs_final"].get<double>(), result["final"].get<double>());  // the estimate is the count
  EXPECT_NE(result["holdout"].get<std::string>().find("10 training images held out"), std::string::npos);

  const Config written = load_config(folder.file("out/config.yaml"));
  EXPECT_EQ(written.model.channels, result["plan"].get<std::vector<std::string>>());
  EXPECT_EQ(written.model.init_weights, folder.file("out/pruned.safetensors"));
  const auto rebuilt = build_model(written);
  EXPECT_EQ(model_stats(*rebuilt, {.resolution = 28, .in_channels = 1, .measure_latency = false}).macs,
            result["macs_final"].get<int64_t>());
  const CliRun eval =
      run_minnow({"eval", folder.file("out/config.yaml"), "--weights", folder.file("out/pruned.safetensors"), "--json"},
                 folder.path());
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_EQ(json::parse(eval.out)["images"].get<int64_t>(), 10);
}

json read_json(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

TEST(Adapt, LatencyTableIsCachedAndMeasuredAnewForAnotherCpu) {
  ScratchDir folder;
  write_config(folder);
  const fs::path table = folder.path() / "out" / "latency_table.json";
  // No model meets 1 ns; the table is measured before the budget is checked against it.
  expect_one_line_error(adapt(folder, "out", {"--budget-ms", "1e-6"}), "--budget-ms: 1e-06 ms cannot be met");
  const std::string first = test_support::read_text(table);
  EXPECT_EQ(read_json(table)["key"]["cpu"], LatencyTable::cpu_name());
  expect_one_line_error(adapt(folder, "out", {"--budget-ms", "1e-6"}), "cannot be met");
  EXPECT_EQ(test_support::read_text(table), first);  // reused: measurements would differ

  // The table's floor (every count at its smallest sample) and start (at its full counts).
  json cached = read_json(table);
  double floor = 0, start = 0;
  for (const json& e : cached["entries"]) floor += e["ms"].front().get<double>(), start += e["ms"].back().get<double>();
  ASSERT_LT(floor, start);
  const CliRun run = adapt(folder, "out",
                           {"--budget-ms", std::to_string((floor + start) / 2), "--step-ms",
                            std::to_string((start - floor) / 1000), "--max-iterations", "1"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("latency table: reused"), std::string::npos) << run.out;
  EXPECT_EQ(test_support::read_text(table), first);
  const std::vector<json> lines = read_jsonl(folder.path() / "out" / "adapt.jsonl");
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_NEAR(lines[0]["before"].get<double>(), start, 1e-9 * start);
  EXPECT_LE(lines[0]["after"].get<double>(), lines[0]["target"].get<double>());
  EXPECT_EQ(lines[1]["result"], "--max-iterations reached");
  EXPECT_GT(lines[1]["measured_ms_final"].get<double>(), 0);

  cached["key"]["cpu"] = "another CPU";
  std::ofstream(table) << cached.dump();
  expect_one_line_error(adapt(folder, "out", {"--budget-ms", "1e-6"}), "cannot be met");
  EXPECT_EQ(read_json(table)["key"]["cpu"], LatencyTable::cpu_name());  // measured again and rewritten
}

TEST(Adapt, BadArgumentsAreOneLine) {
  ScratchDir folder;
  const Config config = write_config(folder);
  expect_one_line_error(adapt(folder, "o", {}), "expected a budget: --budget-ms X or --budget-macs N");
  expect_one_line_error(adapt(folder, "o", {"--budget-ms", "1", "--budget-macs", "1000"}),
                        "--budget-ms and --budget-macs: expected one budget, got both");
  expect_one_line_error(adapt(folder, "o", {"--budget-ms", "0"}), "--budget-ms: expected a positive latency, got 0");
  expect_one_line_error(adapt(folder, "o", {"--budget-macs", "-5"}), "--budget-macs: expected a positive");
  expect_one_line_error(adapt(folder, "o", {"--budget-macs", "1e12"}),
                        "--budget-macs: expected a budget below the starting model's");
  expect_one_line_error(adapt(folder, "o", {"--budget-macs", "10"}),
                        "cannot be met: with every channel group down to one unit");
  expect_one_line_error(adapt(folder, "o", {"--budget-macs", "1000", "--step-ms", "1"}),
                        "--step-ms: expected only with --budget-ms");
  expect_one_line_error(adapt(folder, "o", {"--budget-macs", "1000", "--decay", "0"}), "--decay: expected a factor");
  expect_one_line_error(run_minnow({"adapt", folder.file("run.yaml"), "-o", folder.file("o"), "--budget-macs", "1000",
                                    "--short-steps", "0"},
                                   folder.path()),
                        "--short-steps: expected a positive step count, got 0");
  expect_one_line_error(adapt(folder, "o", {"--budget-macs", "1000", "--step-fraction", "1"}),
                        "--step-fraction: expected a share in (0, 1), got 1");
  Config untrained = config;
  untrained.model.init_weights = "";
  std::ofstream(folder.path() / "run.yaml") << to_yaml(untrained);
  expect_one_line_error(adapt(folder, "o", {"--budget-macs", "1000"}),
                        "model.init_weights: expected the trained model to adapt, got none");
  expect_one_line_error(
      adapt(folder, "o", {"--budget-macs", "1e12", "--set", "model.init_weights=" + folder.file("start.safetensors")}),
      "--budget-macs: expected a budget below the starting model's");
}

}  // namespace
}  // namespace minnow
