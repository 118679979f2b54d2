// The latency lookup table's grid and lookup: the sampled channel counts, the estimate as the
// sum of each layer's entry rounded up to the next sampled count, and a cache that a second
// call reads instead of measuring.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/python.h"
#include "train/adapt/latency_table.h"

namespace minnow {
namespace {

using nlohmann::json;

TEST(AdaptLatencyTable, SampledCounts) {
  EXPECT_EQ(sampled_counts(128, 8, 1), (std::vector<int64_t>{16, 32, 48, 64, 80, 96, 112, 128}));
  EXPECT_EQ(sampled_counts(5, 8, 1), (std::vector<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(sampled_counts(10, 4, 1), (std::vector<int64_t>{3, 5, 8, 10}));
  EXPECT_EQ(sampled_counts(12, 8, 4), (std::vector<int64_t>{4, 8, 12}));  // a grouped conv's multiples
}

TEST(AdaptLatencyTable, EstimateRoundsUpAndTheCacheIsRead) {
  test_support::ScratchDir folder;
  const std::vector<LayerShape> full{
      {.name = "conv", .in = 6, .out = 10, .kernel = 3, .padding = 1, .in_h = 8, .in_w = 8, .out_h = 8, .out_w = 8},
      {.name = "dw",
       .in = 10,
       .out = 10,
       .kernel = 3,
       .padding = 1,
       .groups = 10,
       .depthwise = true,
       .in_h = 8,
       .in_w = 8,
       .out_h = 8,
       .out_w = 8},
      {.name = "fc", .linear = true, .in = 10, .out = 4, .bias = true}};
  const std::string path = folder.file("table.json");
  const LatencyTable table = LatencyTable::load_or_measure(path, full, {.samples = 4, .runs = 2});
  EXPECT_TRUE(table.measured());
  EXPECT_EQ(table.measurements(),
            4 * 4 + 4 + 4 * 4);  // conv 6 -> {2, 3, 5, 6} by 10 -> {3, 5, 8, 10}; fc 10 by 4 -> {1, 2, 3, 4}

  std::ifstream in(path);
  const json written = json::parse(in);
  const json& e = written["entries"];
  const auto ms = [&](int layer, size_t i) { return e[layer]["ms"][i].get<double>(); };
  EXPECT_DOUBLE_EQ(table.estimate_ms(full), ms(0, 15) + ms(1, 3) + ms(2, 15));
  // conv at 4 in (rounds up to 5, index 2) and 6 out (to 8, index 2); dw at 4 (to 5, index 1); fc at 7 in (to 8).
  std::vector<LayerShape> pruned = full;
  pruned[0].in = 4, pruned[0].out = 6;
  pruned[1].in = pruned[1].out = pruned[1].groups = 4;
  pruned[2].in = 7;
  EXPECT_DOUBLE_EQ(table.estimate_ms(pruned), ms(0, 2 * 4 + 2) + ms(1, 1) + ms(2, 2 * 4 + 3));

  const LatencyTable cached = LatencyTable::load_or_measure(path, full, {.samples = 4, .runs = 2});
  EXPECT_FALSE(cached.measured());
  EXPECT_DOUBLE_EQ(cached.estimate_ms(pruned), table.estimate_ms(pruned));
  std::vector<LayerShape> other = full;
  other[2].out = 5;  // another model: measured anew
  EXPECT_TRUE(LatencyTable::load_or_measure(path, other, {.samples = 4, .runs = 2}).measured());
}

}  // namespace
}  // namespace minnow
