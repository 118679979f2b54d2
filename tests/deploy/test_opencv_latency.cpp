// bench/opencv_latency (the OpenCV side of bench/compare_latency.py) on a tiny model, one
// timed forward: its JSON parses, orders its timings, reports the threads OpenCV was given, and
// the export it keeps with --onnx is the one it timed. No timing is checked.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/scratch_dir.h"
#include "tests/train/cli_run.h"

namespace minnow {
namespace {

TEST(OpenCvLatency, PrintsOneJsonObjectOfOrderedTimings) {
#ifndef OPENCV_LATENCY_PATH
  GTEST_SKIP() << "built without the benchmark programs (MINNOW_BUILD_BENCH=OFF)";
#else
  testing::ScratchDir folder("opencv_latency");
  const std::string onnx = (folder / "model.onnx").string();
  const auto run = test_support::run_program(OPENCV_LATENCY_PATH,
                                             {"--model", "mobilenet_v1", "--width", "0.25", "--resolution", "32",
                                              "--small-input", "--threads", "1", "--steps", "1", "--onnx", onnx},
                                             folder.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json out = nlohmann::json::parse(run.out);
  EXPECT_EQ(out["model"], "mobilenet_v1");
  EXPECT_EQ(out["batch"], 1);
  EXPECT_EQ(out["steps"], 1);
  EXPECT_EQ(out["opencv_threads"], 1);
  EXPECT_EQ(out["onnx_bytes"].get<uintmax_t>(), std::filesystem::file_size(onnx));
  const double lo = out["ms_min"].get<double>(), mid = out["ms_per_batch"].get<double>(),
               hi = out["ms_max"].get<double>();
  EXPECT_GT(lo, 0);
  EXPECT_EQ(lo, mid);  // one forward
  EXPECT_EQ(mid, hi);
#endif
}

}  // namespace
}  // namespace minnow
