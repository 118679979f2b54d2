// The prune: section: its defaults, the round trip through to_yaml, and the one-line errors
// for each key's range and for the keys that constrain each other.
#include <gtest/gtest.h>

#include "tests/support/errors.h"
#include "train/config.h"

namespace minnow {
namespace {

constexpr const char* kMinimal = "model: {name: mobilenet_v2}\ndata: {train: /data/train}\n";

void expect_parse_error(const std::vector<std::string>& overrides, std::initializer_list<std::string> needles) {
  test_support::expect_error([&] { (void)parse_config(kMinimal, "run.yaml", overrides); }, needles);
}

TEST(PruneConfig, DefaultsAndRoundTrip) {
  const Config c = parse_config(kMinimal, "run.yaml");
  EXPECT_FALSE(c.prune.enabled);
  EXPECT_EQ(c.prune.scope, PruneScope::layer);
  EXPECT_EQ(c.prune.initial_sparsity, 0.0);
  const Config set = parse_config(std::string(kMinimal) +
                                      "prune: {enabled: true, method: magnitude, scope: global, target_sparsity: 0.9,"
                                      " initial_sparsity: 0.05, start_epoch: 2, end_epoch: 8, every_steps: 25,"
                                      " exclude: [features.0, classifier.1.weight]}\n",
                                  "run.yaml");
  EXPECT_EQ(set.prune.scope, PruneScope::global);
  EXPECT_EQ(set.prune.target_sparsity, 0.9);
  EXPECT_EQ(set.prune.end_epoch, 8);
  EXPECT_EQ(set.prune.exclude, (std::vector<std::string>{"features.0", "classifier.1.weight"}));
  EXPECT_EQ(parse_config(to_yaml(set), "round trip"), set);
}

TEST(PruneConfig, ErrorsNameTheKeyTheExpectedAndTheReceived) {
  expect_parse_error({"prune.target_sparsity=1"}, {"prune.target_sparsity: expected a value in [0, 1), got 1.0"});
  expect_parse_error({"prune.initial_sparsity=-0.1"}, {"prune.initial_sparsity: expected a value in [0, 1), got -0.1"});
  expect_parse_error({"prune.scope=channel"}, {"prune.scope: expected one of global | layer, got 'channel'"});
  expect_parse_error({"prune.method=random"}, {"prune.method: expected one of magnitude, got 'random'"});
  expect_parse_error({"prune.every_steps=0"}, {"prune.every_steps: expected >= 1, got 0"});
  expect_parse_error({"prune.start_epoch=-1"}, {"prune.start_epoch: expected >= 0, got -1"});
  expect_parse_error({"prune.exclude=[\"\"]"}, {"prune.exclude: expected non-empty names, got \"\""});
  expect_parse_error({"prune.enabled=true", "prune.start_epoch=3", "prune.end_epoch=3"},
                     {"--set prune.end_epoch=3: prune.end_epoch: expected > prune.start_epoch (3), got 3"});
  expect_parse_error({"prune.enabled=true", "prune.end_epoch=11"},
                     {"prune.end_epoch: expected <= epochs (10), got 11"});
  expect_parse_error({"prune.enabled=true", "prune.initial_sparsity=0.6"},
                     {"prune.initial_sparsity: expected <= prune.target_sparsity (0.5), got 0.6"});
  // The relations bind only a run that prunes.
  EXPECT_NO_THROW((void)parse_config(kMinimal, "run.yaml", {"prune.end_epoch=11"}));
}

}  // namespace
}  // namespace minnow
