// The DataConfig factory for each format, the stratified split and the
// decoded-image cache.
#include <gtest/gtest.h>

#include "data/cache.h"
#include "data/data_config.h"
#include "data/folder.h"
#include "data/subset.h"
#include "tests/data/data_files.h"
#include "tests/support/scratch_dir.h"

namespace minnow {
namespace {

using data::DataConfig;
using data::DataFormat;
using testing::expect_error;

void write_folder(const std::filesystem::path& root, const std::vector<std::string>& classes, int per_class) {
  for (const auto& name : classes) {
    for (int i = 0; i < per_class; ++i) {
      testing::write_file(root / name / (std::to_string(i) + ".png"),
                          testing::encode_image(testing::pattern_image(10 + i, 12, 3), "png"));
    }
  }
}

TEST(DataConfigTest, CifarGivesTrainAndTestLoaders) {
  testing::ScratchDir dir("config-cifar");
  for (int b = 1; b <= 5; ++b) {
    testing::write_file(dir / ("data_batch_" + std::to_string(b) + ".bin"),
                        testing::cifar_bytes(data::CifarVariant::cifar10, 10));
  }
  testing::write_file(dir / "test_batch.bin", testing::cifar_bytes(data::CifarVariant::cifar10, 7));
  const auto data = data::make_data({.format = DataFormat::cifar10,
                                     .root = dir.path().string(),
                                     .train_transform = {.random_crop = {.size = 32, .padding = 4}},
                                     .loader = {.batch_size = 16, .workers = 1, .drop_last = true}});
  EXPECT_EQ(data.train->size(), 50);
  EXPECT_EQ(data.val->size(), 7);
  EXPECT_EQ(data.train_loader->steps_per_epoch(), 3);
  EXPECT_EQ(data.val_loader->steps_per_epoch(), 1);
  EXPECT_FALSE(data.val_loader->options().shuffle);
  data.val_loader->begin_epoch(0);
  const auto batch = data.val_loader->next();
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->images.dims(), (Dims{7, 3, 32, 32}));
  EXPECT_EQ(data.skipped_images(), 0);
}

// data.test for CIFAR: another folder holding the test batch, or the batch file itself;
// and class names given by the config.
TEST(DataConfigTest, CifarTestsOnAFolderOrABatchFileWithGivenNames) {
  testing::ScratchDir dir("config-cifar-test");
  for (int b = 1; b <= 5; ++b) {
    testing::write_file(dir / "train" / ("data_batch_" + std::to_string(b) + ".bin"),
                        testing::cifar_bytes(data::CifarVariant::cifar10, 4));
  }
  testing::write_file(dir / "held_out" / "test_batch.bin", testing::cifar_bytes(data::CifarVariant::cifar10, 9));
  const std::vector<std::string> names{"plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
  DataConfig config{.format = DataFormat::cifar10,
                    .root = (dir / "train").string(),
                    .val_root = (dir / "held_out").string(),
                    .class_names = names,
                    .loader = {.batch_size = 4, .workers = 0}};
  const auto by_folder = data::make_data(config);
  EXPECT_EQ(by_folder.train->size(), 20);
  EXPECT_EQ(by_folder.val->size(), 9);
  EXPECT_EQ(by_folder.val->class_names(), names);
  EXPECT_EQ(by_folder.train->class_names(), names);

  config.val_root = (dir / "held_out" / "test_batch.bin").string();
  const auto by_file = data::make_data(config);
  EXPECT_EQ(by_file.val->size(), 9);
  EXPECT_EQ(by_file.val->source(0), (dir / "held_out" / "test_batch.bin").string() + " record 0");

  // The 5 training batches cannot be named by one file; the message says so.
  config.root = (dir / "train" / "data_batch_1.bin").string();
  expect_error([&] { data::make_data(config); }, {"data_batch_1.bin is a file", "5 batch files"});
  config.root = (dir / "train").string();
  config.class_names = {"a", "b"};
  expect_error([&] { data::make_data(config); }, {"2 class names, expected 10"});
  config.format = DataFormat::folder;
  expect_error([&] { data::make_data(config); }, {"class_names", "folder format"});
}

TEST(DataConfigTest, IdxConvertsToThreeChannelsOnRequest) {
  testing::ScratchDir dir("config-idx");
  for (const std::string split : {"train", "t10k"}) {
    testing::write_file(dir / (split + "-images-idx3-ubyte"), testing::idx_bytes({4, 2, 2}, testing::Bytes(16, 9)));
    testing::write_file(dir / (split + "-labels-idx1-ubyte"), testing::idx_bytes({4}, {0, 1, 1, 0}));
  }
  const auto data = data::make_data(
      {.format = DataFormat::idx, .root = dir.path().string(), .channels = 3, .loader = {.batch_size = 4}});
  data.train_loader->begin_epoch(0);
  EXPECT_EQ(data.train_loader->next()->images.dims(), (Dims{4, 3, 2, 2}));
}

TEST(DataConfigTest, FolderWithSplitFractionOrValRoot) {
  testing::ScratchDir dir("config-folder");
  write_folder(dir / "train", {"ant", "bee"}, 5);
  write_folder(dir / "val", {"ant", "bee"}, 2);
  const DataConfig base{.format = DataFormat::folder,
                        .root = (dir / "train").string(),
                        .cache_bytes = 1 << 20,
                        .train_transform = {.center_crop = 8},
                        .val_transform = {.center_crop = 8},
                        .loader = {.batch_size = 4}};
  DataConfig split = base;
  split.val_fraction = 0.4;
  const auto by_fraction = data::make_data(split);
  EXPECT_EQ(by_fraction.train->size(), 6);
  EXPECT_EQ(by_fraction.val->size(), 4);
  DataConfig separate = base;
  separate.val_root = (dir / "val").string();
  const auto by_folder = data::make_data(separate);
  EXPECT_EQ(by_folder.val->size(), 4);
  EXPECT_EQ(by_folder.val->class_names(), (std::vector<std::string>{"ant", "bee"}));
  EXPECT_EQ(data::make_data(base).val, nullptr);

  write_folder(dir / "other", {"ant", "cat"}, 1);
  separate.val_root = (dir / "other").string();
  expect_error([&] { data::make_data(separate); }, {"other", "classes that differ"});
  expect_error([&] { data::make_data({.format = DataFormat::cifar10}); }, {"root is empty"});
}

int64_t drain(data::Loader& loader) {
  int64_t images = 0;
  loader.begin_epoch(0);
  while (auto batch = loader.next()) images += batch->size();
  return images;
}

TEST(DataConfigTest, SkippedImagesAreCountedOnceAcrossTrainAndVal) {
  testing::ScratchDir dir("config-skip");
  write_folder(dir / "train", {"ant", "bee"}, 3);
  write_folder(dir / "val", {"ant", "bee"}, 2);
  testing::write_text(dir / "train/ant/bad.jpg", "not a jpeg");
  testing::write_text(dir / "val/bee/bad.png", "not a png");
  DataConfig config{.format = DataFormat::folder,
                    .root = (dir / "train").string(),
                    .val_root = (dir / "val").string(),
                    .on_bad_image = data::BadImagePolicy::skip,
                    .train_transform = {.center_crop = 8},
                    .val_transform = {.center_crop = 8},
                    .loader = {.batch_size = 4}};
  const auto separate = data::make_data(config);
  EXPECT_EQ(drain(*separate.train_loader), 6);
  EXPECT_EQ(drain(*separate.val_loader), 4);
  EXPECT_EQ(separate.skipped_images(), 2);

  config.val_root.clear();
  config.val_fraction = 0.5;
  const auto split = data::make_data(config);
  EXPECT_EQ(drain(*split.train_loader) + drain(*split.val_loader), 6);
  EXPECT_EQ(split.skipped_images(), 1);
}

TEST(DataConfigTest, SplitIsStratifiedDeterministicAndDisjoint) {
  testing::ScratchDir dir("config-split");
  write_folder(dir.path(), {"a", "b", "c"}, 10);
  const auto dataset = std::make_shared<data::FolderDataset>(dir.path());
  const auto first = data::split_by_class(dataset, 0.3, 7);
  const auto again = data::split_by_class(dataset, 0.3, 7);
  ASSERT_EQ(first.val->size(), 9);
  ASSERT_EQ(first.train->size(), 21);
  std::vector<int> per_class(3, 0);
  std::vector<std::string> seen;
  for (int64_t i = 0; i < first.val->size(); ++i) {
    ++per_class[static_cast<size_t>(first.val->label(i))];
    EXPECT_EQ(first.val->source(i), again.val->source(i));
    seen.push_back(first.val->source(i));
  }
  for (int64_t i = 0; i < first.train->size(); ++i) seen.push_back(first.train->source(i));
  EXPECT_EQ(per_class, (std::vector<int>{3, 3, 3}));
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end());
  EXPECT_EQ(seen.size(), 30u);
  expect_error([&] { data::split_by_class(dataset, 1.0, 0); }, {"val_fraction 1"});
}

TEST(DataConfigTest, CacheKeepsDecodedImagesWithinItsBudget) {
  testing::ScratchDir dir("config-cache");
  write_folder(dir.path(), {"a"}, 3);  // 10x12, 11x12 and 12x12 RGB
  const auto folder = std::make_shared<data::FolderDataset>(dir.path());
  const data::CachedDataset cache(folder, 10 * 12 * 3 + 11 * 12 * 3);
  EXPECT_EQ(cache.get(0)->image.pixels, folder->get(0)->image.pixels);
  EXPECT_EQ(cache.get(1)->image.pixels, folder->get(1)->image.pixels);
  EXPECT_EQ(cache.get(2)->image.pixels, folder->get(2)->image.pixels);
  EXPECT_EQ(cache.cached_bytes(), 10 * 12 * 3 + 11 * 12 * 3);
  std::filesystem::remove(dir / "a/0.png");
  EXPECT_EQ(cache.get(0)->image.height, 10);  // served from memory
  std::filesystem::remove(dir / "a/2.png");
  expect_error([&] { cache.get(2); }, {"2.png", "cannot open"});  // over the budget, so read again
}

}  // namespace
}  // namespace minnow
