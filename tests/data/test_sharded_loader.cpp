// The data-parallel sampler (LoaderOptions::shards): every shard deals from the same
// epoch order; padded shards (training) are equally long and together cover every index,
// exactly once when the dataset divides evenly; unpadded shards (evaluation) cover every
// index exactly once; and the union of the shards' step-k batches is the step-k batch of one
// loader with the shards' batch sizes added, which is what makes N ranks x batch B train
// like one rank x batch N B.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "data/cifar.h"
#include "data/loader.h"
#include "tests/data/data_files.h"

namespace minnow {
namespace {

using data::Loader;

std::shared_ptr<const data::Dataset> small_cifar(int n) { return testing::cifar_dataset(n); }

data::LoaderOptions sharded(int shards, int shard, bool pad, int batch = 4) {
  return {.batch_size = batch, .workers = 0, .prefetch = 1, .shuffle = true, .drop_last = false, .seed = 77,
          .shards = shards, .shard = shard, .pad_shards = pad};
}

// How often each dataset index occurs in epoch's order over all shards.
std::map<int64_t, int> coverage(const std::shared_ptr<const data::Dataset>& dataset, int shards, bool pad,
                                int64_t epoch, std::vector<int64_t>* lengths = nullptr) {
  std::map<int64_t, int> seen;
  for (int s = 0; s < shards; ++s) {
    const Loader loader(dataset, {}, sharded(shards, s, pad));
    const std::vector<int64_t> order = loader.epoch_order(epoch);
    EXPECT_EQ(static_cast<int64_t>(order.size()), loader.samples_per_epoch());
    if (lengths) lengths->push_back(static_cast<int64_t>(order.size()));
    for (int64_t i : order) ++seen[i];
  }
  return seen;
}

TEST(ShardedLoader, EvenShardsCoverEveryIndexExactlyOncePerEpoch) {
  const auto dataset = small_cifar(96);
  for (int shards : {1, 2, 3, 4}) {
    for (int64_t epoch : {0, 1, 5}) {
      std::vector<int64_t> lengths;
      const auto seen = coverage(dataset, shards, true, epoch, &lengths);
      ASSERT_EQ(seen.size(), 96u) << shards << " shards, epoch " << epoch;
      for (const auto& [index, count] : seen) EXPECT_EQ(count, 1) << "index " << index << ", " << shards << " shards";
      EXPECT_TRUE(std::all_of(lengths.begin(), lengths.end(), [&](int64_t n) { return n == 96 / shards; }));
    }
  }
}

TEST(ShardedLoader, PaddedShardsAreEquallyLongAndRepeatOnlyThePadding) {
  const auto dataset = small_cifar(97);  // 97 = 3 * 32 + 1: pad 2 for 3 shards, 3 for 4
  for (int shards : {2, 3, 4}) {
    std::vector<int64_t> lengths;
    const auto seen = coverage(dataset, shards, true, 0, &lengths);
    const int64_t per_shard = (97 + shards - 1) / shards;
    EXPECT_TRUE(std::all_of(lengths.begin(), lengths.end(), [&](int64_t n) { return n == per_shard; }));
    ASSERT_EQ(seen.size(), 97u);
    int extra = 0;
    for (const auto& [index, count] : seen) {
      EXPECT_GE(count, 1);
      extra += count - 1;
    }
    EXPECT_EQ(extra, per_shard * shards - 97) << shards << " shards";
    const Loader shard0(dataset, {}, sharded(shards, 0, true));
    EXPECT_EQ(shard0.steps_per_epoch(), (per_shard + 3) / 4);
  }
}

TEST(ShardedLoader, UnpaddedShardsCoverEveryIndexExactlyOnce) {
  const auto dataset = small_cifar(97);
  for (int shards : {2, 3, 5}) {
    const auto seen = coverage(dataset, shards, false, 2);
    ASSERT_EQ(seen.size(), 97u);
    for (const auto& [index, count] : seen) EXPECT_EQ(count, 1) << "index " << index;
  }
  // A shard of a dataset smaller than the shard count may be empty (evaluation), but not a padded one.
  const auto tiny = small_cifar(2);
  const Loader empty(tiny, {}, sharded(3, 2, false));
  EXPECT_EQ(empty.steps_per_epoch(), 0);
  const Loader padded(tiny, {}, sharded(3, 2, true));
  EXPECT_EQ(padded.steps_per_epoch(), 1);
}

TEST(ShardedLoader, TheShardsStepKBatchesMakeOneLoadersStepKBatch) {
  const auto dataset = small_cifar(64);
  Loader whole(dataset, {}, sharded(1, 0, true, 8));
  Loader first(dataset, {}, sharded(2, 0, true, 4)), second(dataset, {}, sharded(2, 1, true, 4));
  ASSERT_EQ(whole.steps_per_epoch(), 8);
  ASSERT_EQ(first.steps_per_epoch(), 8);
  for (int64_t epoch : {0, 3}) {
    whole.begin_epoch(epoch);
    first.begin_epoch(epoch);
    second.begin_epoch(epoch);
    for (int64_t step = 0; step < 8; ++step) {
      const auto w = whole.next(), a = first.next(), b = second.next();
      ASSERT_TRUE(w && a && b);
      std::vector<int64_t> together = a->indices;
      together.insert(together.end(), b->indices.begin(), b->indices.end());
      std::vector<int64_t> expected = w->indices;
      std::sort(together.begin(), together.end());
      std::sort(expected.begin(), expected.end());
      EXPECT_EQ(together, expected) << "epoch " << epoch << " step " << step;
    }
  }
}

TEST(ShardedLoader, AShardOutOfRangeIsAnError) {
  const auto dataset = small_cifar(8);
  testing::expect_error([&] { Loader(dataset, {}, sharded(2, 2, true)); }, "loader: shard 2 of 2");
  testing::expect_error([&] { Loader(dataset, {}, sharded(0, 0, true)); }, "loader: shard 0 of 0");
}

}  // namespace
}  // namespace minnow
