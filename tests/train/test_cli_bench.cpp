// `minnow bench` end to end: the training step's JSON report, batch-1 inference in f32 and
// int8, and --fold's report of what it folded.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/python.h"
#include "tests/train/cli_run.h"

namespace minnow {
namespace {

using nlohmann::json;
using test_support::CliRun;
using test_support::run_minnow;
using test_support::ScratchDir;

TEST(CliBench, JsonReportsThroughputMemoryAndOneDnnShare) {
  ScratchDir folder;
  const CliRun run = run_minnow({"bench", "--model", "mobilenet_v1", "--width", "0.25", "--resolution", "32",
                                 "--batch", "2", "--threads", "1", "--steps", "2", "--small-input", "--json"},
                                folder.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json out = json::parse(run.out);
  EXPECT_EQ(out["model"], "mobilenet_v1");
  EXPECT_EQ(out["batch"], 2);
  EXPECT_GT(out["images_per_second"].get<double>(), 0);
  EXPECT_GT(out["ms_per_step"].get<double>(), 0);
  EXPECT_GT(out["peak_rss_mib"].get<double>(), 0);
  EXPECT_GT(out["onednn_percent"].get<double>(), 0);
  EXPECT_LE(out["onednn_percent"].get<double>(), 100);
}

// min <= median <= max of one inference form's timings in the JSON report, all positive.
void expect_ordered_timings(const json& out, const std::string& form) {
  SCOPED_TRACE(form);
  const double lo = out[form + "_ms_min"].get<double>(), mid = out[form + "_ms_per_batch"].get<double>(),
               hi = out[form + "_ms_max"].get<double>();
  EXPECT_GT(lo, 0);
  EXPECT_LE(lo, mid);
  EXPECT_LE(mid, hi);
  EXPECT_DOUBLE_EQ(out[form + "_images_per_second"].get<double>(), 1000.0 / mid);  // batch 1
}

// Batch-1 inference: --eval reports the f32 forward alone, --int8 both forms and their ratio.
TEST(CliBench, InferenceJsonReportsMedianMinAndMax) {
  ScratchDir folder;
  const auto bench = [&](const std::string& mode) {
    return run_minnow({"bench", mode, "--model", "mobilenet_v1", "--width", "0.25", "--resolution", "32",
                       "--small-input", "--batch", "1", "--threads", "1", "--steps", "3", "--json"},
                      folder.path());
  };
  const CliRun eval = bench("--eval");
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  const json f32 = json::parse(eval.out);
  EXPECT_EQ(f32["batch"], 1);
  EXPECT_EQ(f32["steps"], 3);
  expect_ordered_timings(f32, "f32");
  EXPECT_FALSE(f32.contains("int8_ms_per_batch"));

  const CliRun int8 = bench("--int8");
  ASSERT_EQ(int8.exit_code, 0) << int8.err;
  const json both = json::parse(int8.out);
  expect_ordered_timings(both, "f32");
  expect_ordered_timings(both, "int8");
  EXPECT_DOUBLE_EQ(both["speedup"].get<double>(),
                   both["f32_ms_per_batch"].get<double>() / both["int8_ms_per_batch"].get<double>());
  EXPECT_EQ(both["int8_convs"], 27);  // the stem and 13 depthwise-separable blocks
  EXPECT_EQ(f32["folded_batch_norms"], 0);
}

// --fold reports what it folded: ResNet-18 has 17 convs, each with its batch norm, and three
// projection shortcuts (1x1 conv, batch norm), its ReLUs inside the batch norms; 13 of the
// convs are 3x3 at stride 1 (Winograd's shape), with 64-512 channels on 56x56-7x7 at 224 px,
// 12.8 M multiply-adds per tap, above FoldOptions::winograd's 2 M.
TEST(CliBench, FoldReportsFoldedLayersAndWinogradConvs) {
  ScratchDir folder;
  const auto bench = [&](std::vector<std::string> flags) {
    std::vector<std::string> args{"bench", "--model", "resnet18", "--resolution", "224", "--batch", "1",
                                  "--threads", "1", "--steps", "1", "--json"};
    args.insert(args.begin() + 1, flags.begin(), flags.end());
    const CliRun run = run_minnow(args, folder.path());
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return json::parse(run.out);
  };
  const json folded = bench({"--eval", "--fold"});
  EXPECT_EQ(folded["folded_batch_norms"], 20);
  EXPECT_EQ(folded["winograd_convs"], 0);
  const json winograd = bench({"--eval", "--fold", "--winograd"});
  EXPECT_EQ(winograd["folded_batch_norms"], 20);
  EXPECT_EQ(winograd["winograd_convs"], 13);
}

}  // namespace
}  // namespace minnow
