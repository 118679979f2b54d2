// Every shipped config in configs/ parses and validates with load_config (their data
// folders need not exist: paths are checked only when the data is opened).
#include <gtest/gtest.h>

#include <filesystem>

#include "train/config.h"

namespace minnow {
namespace {

TEST(ConfigsDir, EveryShippedConfigLoads) {
  const std::filesystem::path folder = std::filesystem::path(MINNOW_SOURCE_DIR) / "configs";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().extension() != ".yaml") continue;
    ++count;
    SCOPED_TRACE(entry.path().string());
    Config config;
    EXPECT_NO_THROW(config = load_config(entry.path().string()));
    EXPECT_FALSE(config.model.name.empty());
    EXPECT_FALSE(config.data.train.empty());
  }
  EXPECT_GE(count, 5) << "configs/ should hold the default run and the four reference configs";
}

}  // namespace
}  // namespace minnow
