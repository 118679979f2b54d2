// The real Fashion-MNIST from the Debian package dataset-fashion-mnist:
// counts per split and per class, and pixels equal to the IDX bytes.
#include <gtest/gtest.h>

#include <filesystem>

#include "data/gzip.h"
#include "data/idx.h"
#include "data/read_file.h"

namespace minnow {
namespace {

const std::filesystem::path kRoot = "/usr/share/datasets/fashion-mnist";

void check_split(data::Split split, const std::string& prefix, int64_t expected, int64_t per_class) {
  const auto dataset = data::open_idx(kRoot, split);
  ASSERT_EQ(dataset->size(), expected);
  ASSERT_EQ(dataset->num_classes(), 10);
  std::vector<int64_t> counts(10, 0);
  for (int64_t i = 0; i < dataset->size(); ++i) ++counts[static_cast<size_t>(dataset->label(i))];
  for (int c = 0; c < 10; ++c) EXPECT_EQ(counts[static_cast<size_t>(c)], per_class) << "class " << c;

  // Compare against the raw bytes: 16-byte header for images, 8 for labels.
  const auto images_path = kRoot / (prefix + "-images-idx3-ubyte.gz");
  const auto labels_path = kRoot / (prefix + "-labels-idx1-ubyte.gz");
  const auto raw_images = data::gunzip(data::read_file(images_path, "test"), images_path.string(), size_t{1} << 30);
  const auto raw_labels = data::gunzip(data::read_file(labels_path, "test"), labels_path.string(), size_t{1} << 30);
  ASSERT_EQ(raw_images.size(), 16 + static_cast<size_t>(expected) * 784);
  for (int64_t i = 0; i < expected; ++i) {
    const auto sample = dataset->get(i);
    ASSERT_TRUE(sample.has_value());
    ASSERT_EQ(sample->image.height, 28);
    ASSERT_EQ(sample->image.width, 28);
    ASSERT_EQ(sample->image.channels, 1);
    const auto first = raw_images.begin() + 16 + i * 784;
    ASSERT_TRUE(std::equal(sample->image.pixels.begin(), sample->image.pixels.end(), first)) << "image " << i;
    ASSERT_EQ(sample->label, raw_labels[8 + static_cast<size_t>(i)]) << "label " << i;
  }
}

TEST(IdxFashionMnistTest, TrainSplitCountsAndPixels) {
  ASSERT_TRUE(std::filesystem::exists(kRoot)) << kRoot << " missing: install the package dataset-fashion-mnist";
  check_split(data::Split::train, "train", 60000, 6000);
}

TEST(IdxFashionMnistTest, TestSplitCountsAndPixels) {
  ASSERT_TRUE(std::filesystem::exists(kRoot)) << kRoot << " missing: install the package dataset-fashion-mnist";
  check_split(data::Split::test, "t10k", 10000, 1000);
}

}  // namespace
}  // namespace minnow
