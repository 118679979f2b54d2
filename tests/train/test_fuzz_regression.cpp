// The train layer's fuzz targets (fuzz/harness_files.h) replayed: every input they crashed
// on, tests/train/fuzz_crashes/<target>-<what>, must now be rejected with one clean
// minnow::Error line, and every seed in fuzz/corpus/{safetensors,checkpoint,config} accepted.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>

#include "data/read_file.h"
#include "fuzz/harness_files.h"

namespace minnow {
namespace {

namespace fs = std::filesystem;

using Harness = std::function<std::string(std::span<const uint8_t>)>;

const std::map<std::string, Harness> kTargets = {
    {"safetensors", fuzz::run_safetensors}, {"checkpoint", fuzz::run_checkpoint}, {"config", fuzz::run_config}};

// What each crash input's rejection must say.
const std::map<std::string, std::string> kExpected = {
    {"checkpoint-best-top1-not-a-number",
     "checkpoint fuzz.safetensors: metadata 'best_top1' should be a finite number >= -1, got 'x1.250000'"},
    {"checkpoint-dtype-with-newline", "tensor 'model.0.bias' has unsupported dtype dx\\n  train: [\"a.idx\""},
    {"config-override-with-newlines", "--set t stem (models/zoo.h: the\\n# stride"},
    {"safetensors-export-resolution-outside-int",
     "fuzz.safetensors: metadata 'model.resolution' should be an integer, got '4e9'"},
};

TEST(FuzzFilesRegressionTest, EveryCrashInputIsRejectedCleanly) {
  const fs::path crashes = fs::path(MINNOW_SOURCE_DIR) / "tests/train/fuzz_crashes";
  ASSERT_TRUE(fs::is_directory(crashes)) << crashes;
  int replayed = 0;
  for (const auto& entry : fs::directory_iterator(crashes)) {
    const std::string name = entry.path().filename().string();
    const auto target = kTargets.find(name.substr(0, name.find('-')));
    if (target == kTargets.end() || name.find('-') == std::string::npos) {
      ADD_FAILURE() << name << ": expected a safetensors-, checkpoint- or config- prefix";
      continue;
    }
    const std::string message = target->second(data::read_file(entry.path(), "test"));
    ++replayed;
    EXPECT_FALSE(message.empty()) << name << " was accepted";
    const auto expected = kExpected.find(name);
    ASSERT_NE(expected, kExpected.end()) << name << ": add its expected message to kExpected";
    EXPECT_NE(message.find(expected->second), std::string::npos) << name << ": " << message;
  }
  EXPECT_EQ(replayed, static_cast<int>(kExpected.size()));
}

TEST(FuzzFilesRegressionTest, EverySeedIsAccepted) {
  for (const auto& [target, harness] : kTargets) {
    int seeds = 0;
    for (const auto& entry : fs::directory_iterator(fs::path(MINNOW_SOURCE_DIR) / "fuzz/corpus" / target)) {
      EXPECT_EQ(harness(data::read_file(entry.path(), "test")), "") << entry.path();
      ++seeds;
    }
    EXPECT_GE(seeds, 6) << target;
  }
}

}  // namespace
}  // namespace minnow
