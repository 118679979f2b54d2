// Image-folder dataset on generated JPEG, PNG and BMP files of several sizes,
// grayscale and RGBA among them, with nested and non-image files, and the
// bad-image policy (error and skip) on a corrupt JPEG and a zero-width BMP.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "data/decode.h"
#include "data/folder.h"
#include "tests/data/data_files.h"
#include "tests/support/scratch_dir.h"

namespace minnow {
namespace {

using testing::encode_image;
using testing::expect_error;
using testing::pattern_image;

class FolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write("cat/a.png", encode_image(pattern_image(20, 30, 3), "png"));
    write("cat/b.jpg", encode_image(pattern_image(33, 17, 3), "jpg"));
    write("cat/c.png", encode_image(pattern_image(8, 8, 1), "png"));
    write("cat/sub/d.PNG", encode_image(pattern_image(12, 10, 4), "png"));
    testing::write_text(dir_ / "cat/notes.txt", "not an image");
    testing::write_text(dir_ / "cat/sub/readme.md", "nested, not an image");
    write("dog/e.jpeg", encode_image(pattern_image(40, 25, 1), "jpg"));
    write("dog/f.bmp", encode_image(pattern_image(5, 7, 3), "bmp"));
    testing::write_text(dir_ / "dog/.hidden.jpg", "ignored: hidden");
    write("zebra/g.png", encode_image(pattern_image(64, 48, 2), "png"));
    testing::write_text(dir_ / "README.txt", "a file beside the class folders");
  }

  void write(const std::string& name, const testing::Bytes& bytes) { testing::write_file(dir_ / name, bytes); }

  // A JPEG whose header is fine but whose entropy-coded data is not.
  testing::Bytes corrupt_jpeg() {
    testing::Bytes jpeg = encode_image(pattern_image(32, 32, 3), "jpg");
    const size_t keep = jpeg.size() / 2;
    jpeg.resize(keep);
    for (size_t i = keep - 200; i < keep; ++i) jpeg[i] = 0xff;
    return jpeg;
  }

  // A valid BMP whose header is patched to say width 0 (stb_image would decode it to no pixels).
  testing::Bytes zero_width_bmp() {
    testing::Bytes bmp = encode_image(pattern_image(4, 6, 3), "bmp");
    std::fill_n(bmp.begin() + 18, 4, 0);  // BITMAPINFOHEADER width, after the 14-byte file header
    return bmp;
  }

  testing::ScratchDir dir_{"folder"};
};

TEST_F(FolderTest, ScansClassesAndFilesInSortedOrder) {
  const data::FolderDataset dataset(dir_.path());
  EXPECT_EQ(dataset.class_names(), (std::vector<std::string>{"cat", "dog", "zebra"}));
  ASSERT_EQ(dataset.size(), 7);
  const std::vector<std::string> files = {"cat/a.png", "cat/b.jpg", "cat/c.png", "cat/sub/d.PNG",
                                          "dog/e.jpeg", "dog/f.bmp", "zebra/g.png"};
  const std::vector<int32_t> labels = {0, 0, 0, 0, 1, 1, 2};
  for (int64_t i = 0; i < dataset.size(); ++i) {
    EXPECT_EQ(dataset.path(i), dir_ / files[static_cast<size_t>(i)]);
    EXPECT_EQ(dataset.label(i), labels[static_cast<size_t>(i)]);
  }
}

TEST_F(FolderTest, DecodesEveryFormatToRgb) {
  const data::FolderDataset dataset(dir_.path());
  const std::vector<std::array<int, 3>> sizes = {{20, 30, 3}, {33, 17, 3}, {8, 8, 1}, {12, 10, 4},
                                                 {40, 25, 1}, {5, 7, 3}, {64, 48, 2}};
  for (int64_t i = 0; i < dataset.size(); ++i) {
    const auto [h, w, file_channels] = sizes[static_cast<size_t>(i)];
    const auto sample = dataset.get(i);
    ASSERT_TRUE(sample.has_value());
    ASSERT_EQ(sample->image.height, h) << dataset.source(i);
    ASSERT_EQ(sample->image.width, w) << dataset.source(i);
    ASSERT_EQ(sample->image.channels, 3);
    // Gray (and gray+alpha) is replicated into R, G and B; alpha is dropped.
    const auto expected = pattern_image(h, w, file_channels);
    const bool lossy = dataset.path(i).extension() == ".jpg" || dataset.path(i).extension() == ".jpeg";
    double worst = 0;
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        for (int c = 0; c < 3; ++c) {
          const int want = expected.at(y, x)[file_channels <= 2 ? 0 : c];
          worst = std::max(worst, std::abs(static_cast<double>(sample->image.at(y, x)[c]) - want));
        }
      }
    }
    EXPECT_LE(worst, lossy ? 40.0 : 0.0) << dataset.source(i);
  }
}

TEST_F(FolderTest, DecodesToOneChannel) {
  const data::FolderDataset dataset(dir_.path(), {.channels = 1});
  EXPECT_EQ(dataset.channels(), 1);
  const auto gray = dataset.get(2);  // cat/c.png, stored as gray
  ASSERT_TRUE(gray.has_value());
  EXPECT_EQ(gray->image.channels, 1);
  EXPECT_EQ(gray->image.pixels, pattern_image(8, 8, 1).pixels);
  EXPECT_EQ(dataset.get(0)->image.channels, 1);
}

TEST_F(FolderTest, CorruptJpegStopsTheRunUnderError) {
  write("dog/broken.jpg", corrupt_jpeg());
  write("dog/garbage.jpg", {'n', 'o', 't', ' ', 'a', ' ', 'j', 'p', 'e', 'g'});
  const data::FolderDataset dataset(dir_.path());
  ASSERT_EQ(dataset.size(), 9);
  ASSERT_EQ(dataset.path(4), dir_ / "dog/broken.jpg");
  expect_error([&] { dataset.get(4); }, {"broken.jpg", "cannot decode 32x32 image"});
  ASSERT_EQ(dataset.path(7), dir_ / "dog/garbage.jpg");
  expect_error([&] { dataset.get(7); }, {"garbage.jpg", "not a readable JPEG, PNG or BMP header"});
}

TEST_F(FolderTest, CorruptJpegIsSkippedAndCountedOnceUnderSkip) {
  write("dog/broken.jpg", corrupt_jpeg());
  const data::FolderDataset dataset(dir_.path(), {.on_bad_image = data::BadImagePolicy::skip});
  EXPECT_EQ(dataset.skipped(), 0);
  EXPECT_FALSE(dataset.get(4).has_value());
  EXPECT_FALSE(dataset.get(4).has_value());
  EXPECT_EQ(dataset.skipped(), 1);
  EXPECT_TRUE(dataset.get(5).has_value());
}

TEST_F(FolderTest, ZeroWidthBmpIsABadImage) {
  write("dog/flat.bmp", zero_width_bmp());
  const data::FolderDataset strict(dir_.path());
  ASSERT_EQ(strict.path(6), dir_ / "dog/flat.bmp");
  expect_error([&] { strict.get(6); }, {"flat.bmp", "header says 0x4 pixels", "at least 1"});
  const data::FolderDataset lenient(dir_.path(), {.on_bad_image = data::BadImagePolicy::skip});
  EXPECT_FALSE(lenient.get(6).has_value());
  EXPECT_EQ(lenient.skipped(), 1);
  EXPECT_TRUE(lenient.get(5).has_value());
}

TEST_F(FolderTest, ImagesOverThePixelCapAreBad) {
  const data::FolderDataset strict(dir_.path(), {.max_pixels = 600});
  EXPECT_TRUE(strict.get(0).has_value());  // 20x30 = 600 pixels, exactly the cap
  expect_error([&] { strict.get(4); }, {"e.jpeg", "25x40 = 1000 pixels, over the cap of 600"});
  const data::FolderDataset lenient(dir_.path(), {.on_bad_image = data::BadImagePolicy::skip, .max_pixels = 600});
  EXPECT_FALSE(lenient.get(4).has_value());
  EXPECT_EQ(lenient.skipped(), 1);
}

TEST(FolderErrorsTest, EmptyFolderIsAnError) {
  testing::ScratchDir dir("folder-empty");
  expect_error([&] { data::FolderDataset{dir.path()}; }, {dir.path().string(), "no class folders"});
  expect_error([&] { data::FolderDataset{dir / "missing"}; }, {"missing", "not a directory"});
}

TEST(FolderErrorsTest, ClassFolderWithoutImagesIsAnError) {
  testing::ScratchDir dir("folder-noimages");
  testing::write_file(dir / "cat/a.png", encode_image(pattern_image(4, 4, 3), "png"));
  testing::write_text(dir / "dog/notes.txt", "no images here");
  expect_error([&] { data::FolderDataset{dir.path()}; }, {(dir / "dog").string(), "class folder has no images"});
}

TEST(FolderErrorsTest, DecoderRejectsBadRequests) {
  const auto png = encode_image(pattern_image(4, 4, 3), "png");
  expect_error([&] { data::decode_image(png, {.channels = 4}, "x.png"); }, {"x.png", "channels 4, expected 1 or 3"});
  expect_error([&] { data::decode_image({}, {}, "empty.png"); }, {"empty.png", "empty file"});
}

}  // namespace
}  // namespace minnow
