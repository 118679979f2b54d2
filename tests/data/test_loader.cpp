// Loader: exact order on resume at (epoch 2, step 17), independence from the
// worker count, epoch restarts, batch contents, drop_last, and bad images.
#include <gtest/gtest.h>

#include <algorithm>

#include "data/cifar.h"
#include "data/folder.h"
#include "data/loader.h"
#include "tests/data/data_files.h"
#include "tests/support/scratch_dir.h"

namespace minnow {
namespace {

using data::Batch;
using data::Loader;
using testing::expect_error;

std::shared_ptr<const data::Dataset> small_cifar(int n) { return testing::cifar_dataset(n); }

const data::TransformOptions kAugment{.random_crop = {.size = 32, .padding = 4},
                                      .horizontal_flip = true,
                                      .color_jitter = {.brightness = 0.2f},
                                      .mean = {0.5f, 0.5f, 0.5f},
                                      .stddev = {0.25f, 0.25f, 0.25f}};

data::LoaderOptions options(int workers) {
  return {.batch_size = 8, .workers = workers, .prefetch = 2, .shuffle = true, .drop_last = false, .seed = 1234};
}

std::vector<Batch> drain(Loader& loader) {
  std::vector<Batch> out;
  while (auto batch = loader.next()) out.push_back(std::move(*batch));
  return out;
}

void expect_same(const Batch& a, const Batch& b) {
  EXPECT_EQ(a.epoch, b.epoch);
  EXPECT_EQ(a.step, b.step);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.indices, b.indices);
  ASSERT_EQ(a.images.dims(), b.images.dims());
  EXPECT_EQ(a.images.to_plain(), b.images.to_plain()) << "epoch " << a.epoch << " step " << a.step;
}

TEST(LoaderTest, ResumeAtEpoch2Step17ReproducesTheUninterruptedRun) {
  const auto dataset = small_cifar(203);  // 26 steps of 8, the last of 3
  Loader uninterrupted(dataset, kAugment, options(2));
  ASSERT_EQ(uninterrupted.steps_per_epoch(), 26);
  std::vector<Batch> reference;
  for (int64_t epoch = 0; epoch <= 2; ++epoch) {
    uninterrupted.begin_epoch(epoch);
    reference = drain(uninterrupted);
    ASSERT_EQ(reference.size(), 26u);
  }
  for (int workers : {0, 1, 2}) {
    Loader resumed(dataset, kAugment, options(workers));
    resumed.begin_epoch(2, 17);
    const auto rest = drain(resumed);
    ASSERT_EQ(rest.size(), 9u) << workers << " workers";
    for (size_t i = 0; i < rest.size(); ++i) expect_same(rest[i], reference[17 + i]);
    EXPECT_EQ(rest.back().size(), 3);
  }
}

TEST(LoaderTest, WorkerCountDoesNotChangeAnyBatch) {
  const auto dataset = small_cifar(64);
  Loader one(dataset, kAugment, options(1));
  Loader two(dataset, kAugment, options(2));
  for (int64_t epoch : {0, 5}) {
    one.begin_epoch(epoch);
    two.begin_epoch(epoch);
    const auto a = drain(one);
    const auto b = drain(two);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) expect_same(a[i], b[i]);
  }
}

TEST(LoaderTest, EpochsShuffleDifferentlyAndCoverEverySample) {
  const auto dataset = small_cifar(50);
  Loader loader(dataset, {}, options(1));
  const auto e0 = loader.epoch_order(0);
  const auto e1 = loader.epoch_order(1);
  EXPECT_NE(e0, e1);
  EXPECT_EQ(e0, loader.epoch_order(0));
  auto sorted = e1;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(sorted[static_cast<size_t>(i)], i);
  Loader ordered(dataset, {}, {.batch_size = 8, .workers = 1, .shuffle = false});
  EXPECT_EQ(ordered.epoch_order(3), sorted);
}

TEST(LoaderTest, BatchHoldsNormalisedImagesInOrder) {
  const auto dataset = small_cifar(10);
  Loader loader(dataset, {}, {.batch_size = 4, .workers = 1, .shuffle = false, .drop_last = true});
  EXPECT_EQ(loader.steps_per_epoch(), 2);
  loader.begin_epoch(0);
  const auto batches = drain(loader);
  ASSERT_EQ(batches.size(), 2u);
  const Batch& second = batches[1];
  EXPECT_EQ(second.images.dims(), (Dims{4, 3, 32, 32}));
  EXPECT_TRUE(second.images.is_plain());
  EXPECT_EQ(second.indices, (std::vector<int64_t>{4, 5, 6, 7}));
  EXPECT_EQ(second.labels[1], (5 * 7) % 10);
  const auto values = second.images.to_plain();
  // Sample 6, channel 2 (blue), pixel (3, 5).
  const size_t at = ((2 * 3 + 2) * 32 + 3) * 32 + 5;
  EXPECT_FLOAT_EQ(values[at], testing::cifar_pixel(6, 2, 3 * 32 + 5) / 255.0f);
}

TEST(LoaderTest, RestartingAnEpochDropsBatchesInFlight) {
  const auto dataset = small_cifar(100);
  Loader loader(dataset, kAugment, options(2));
  loader.begin_epoch(0);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(loader.next().has_value());
  loader.begin_epoch(1, 4);
  const auto batch = loader.next();
  ASSERT_TRUE(batch.has_value());
  Loader fresh(dataset, kAugment, options(0));
  fresh.begin_epoch(1, 4);
  expect_same(*batch, *fresh.next());
}

TEST(LoaderTest, MisuseIsAnError) {
  const auto dataset = small_cifar(10);
  Loader loader(dataset, {}, options(1));
  expect_error([&] { loader.next(); }, {"call begin_epoch(epoch) before next()"});
  expect_error([&] { loader.begin_epoch(0, 3); }, {"start step 3, expected 0..2"});
  expect_error([&] { Loader(dataset, {}, {.batch_size = 0}); }, {"batch_size 0"});
  expect_error([&] { Loader(dataset, {}, {.batch_size = 11, .drop_last = true}); }, {"leaves no batch"});
}

class LoaderFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 6; ++i) {
      const int side = 16 + 4 * i;
      const std::string name = std::string("img").append(std::to_string(i)).append(".png");
      testing::write_file(dir_ / (i % 2 == 0 ? "c0" : "c1") / name,
                          testing::encode_image(testing::pattern_image(side, side + 1, 3), "png"));
    }
    testing::write_file(dir_ / "c0/bad.jpg", {0xff, 0xd8, 0xff, 0x00, 0x01});
  }
  testing::ScratchDir dir_{"loader-folder"};
};

TEST_F(LoaderFolderTest, SkippedImagesShrinkTheirBatch) {
  const auto dataset = std::make_shared<data::FolderDataset>(
      dir_.path(), data::FolderOptions{.on_bad_image = data::BadImagePolicy::skip});
  ASSERT_EQ(dataset->size(), 7);
  Loader loader(dataset, {.center_crop = 12}, {.batch_size = 7, .workers = 2, .shuffle = false});
  loader.begin_epoch(0);
  const auto batch = loader.next();
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->size(), 6);
  EXPECT_EQ(batch->images.dims(), (Dims{6, 3, 12, 12}));
  EXPECT_EQ(dataset->skipped(), 1);
  EXPECT_FALSE(loader.next().has_value());
}

TEST_F(LoaderFolderTest, BadImageUnderErrorStopsWithTheFileName) {
  const auto dataset = std::make_shared<data::FolderDataset>(dir_.path());
  Loader loader(dataset, {.center_crop = 12}, {.batch_size = 2, .workers = 2, .shuffle = false});
  loader.begin_epoch(0);
  expect_error([&] { loader.next(); }, {"bad.jpg"});
}

TEST_F(LoaderFolderTest, DifferentSizesWithoutACropAreAnError) {
  const auto dataset = std::make_shared<data::FolderDataset>(
      dir_.path(), data::FolderOptions{.on_bad_image = data::BadImagePolicy::skip});
  Loader loader(dataset, {}, {.batch_size = 7, .workers = 1, .shuffle = false});
  loader.begin_epoch(0);
  expect_error([&] { loader.next(); }, {"img2.png is 3x24x25 (CxHxW) after transforms but", "img0.png is 3x16x17",
                                        "add a resize or crop"});
}

}  // namespace
}  // namespace minnow
