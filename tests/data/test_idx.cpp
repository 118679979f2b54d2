// IDX reader on generated files, plain and gzip, and every malformed-input
// error: magic, element type, dimensions, truncated header, body and gzip.
#include <gtest/gtest.h>

#include "data/idx.h"
#include "tests/data/data_files.h"
#include "tests/support/scratch_dir.h"

namespace minnow {
namespace {

using testing::Bytes;
using testing::expect_error;
using testing::idx_bytes;

Bytes ramp(size_t n) {
  Bytes out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(i * 13 % 256);
  return out;
}

TEST(IdxTest, ParsesPlainAndGzip) {
  const Bytes file = idx_bytes({3, 4, 5}, ramp(60));
  for (const Bytes& bytes : {file, testing::gzip_bytes(file)}) {
    const auto array = data::parse_idx(bytes, "images");
    EXPECT_EQ(array.dims, (std::vector<int64_t>{3, 4, 5}));
    EXPECT_EQ(array.data, ramp(60));
  }
}

TEST(IdxTest, ConcatenatedGzipMembersAreOneStream) {
  const Bytes file = idx_bytes({2, 2, 2}, ramp(8));
  Bytes joined = testing::gzip_bytes(Bytes(file.begin(), file.begin() + 10));
  const Bytes tail = testing::gzip_bytes(Bytes(file.begin() + 10, file.end()));
  joined.insert(joined.end(), tail.begin(), tail.end());
  EXPECT_EQ(data::parse_idx(joined, "joined").data, ramp(8));
}

TEST(IdxTest, DatasetFromFolder) {
  testing::ScratchDir dir("idx");
  testing::write_file(dir / "train-images-idx3-ubyte.gz", testing::gzip_bytes(idx_bytes({6, 2, 3}, ramp(36))));
  testing::write_file(dir / "train-labels-idx1-ubyte", idx_bytes({6}, {0, 1, 2, 0, 1, 2}));
  const auto dataset = data::open_idx(dir.path(), data::Split::train);
  ASSERT_EQ(dataset->size(), 6);
  EXPECT_EQ(dataset->num_classes(), 3);
  EXPECT_EQ(dataset->channels(), 1);
  const auto sample = dataset->get(4);
  ASSERT_TRUE(sample.has_value());
  EXPECT_EQ(sample->label, 1);
  EXPECT_EQ(sample->image.height, 2);
  EXPECT_EQ(sample->image.width, 3);
  const Bytes all = ramp(36);
  EXPECT_EQ(sample->image.pixels, Bytes(all.begin() + 24, all.begin() + 30));
  expect_error([&] { data::open_idx(dir.path(), data::Split::test); },
               {"found neither t10k-images-idx3-ubyte nor t10k-images-idx3-ubyte.gz"});
}

TEST(IdxTest, MagicMismatchIsAnError) {
  expect_error([] { data::parse_idx(Bytes{0, 1, 8, 1, 0, 0, 0, 0}, "x.idx"); },
               {"x.idx", "bad magic 0x00 0x01, expected 0x00 0x00"});
  expect_error([] { data::parse_idx(Bytes{0, 0, 0x0d, 1, 0, 0, 0, 0}, "x.idx"); },
               {"x.idx", "element type 0x0d (float), expected 0x08 (unsigned byte)"});
  expect_error([] { data::parse_idx(Bytes{0, 0, 8}, "x.idx"); }, {"x.idx", "3 bytes, too short"});
  expect_error([] { data::parse_idx(Bytes{0, 0, 8, 0}, "x.idx"); }, {"0 dimensions, expected 1 to 4"});
}

TEST(IdxTest, DimensionMismatchIsAnError) {
  const auto images = [] { return data::parse_idx(idx_bytes({4, 2, 2}, ramp(16)), "img"); };
  expect_error([&] { data::IdxDataset(images(), data::parse_idx(idx_bytes({3}, {0, 1, 2}), "lab"), "img", "lab"); },
               {"img holds 4 images but lab holds 3 labels"});
  expect_error([&] { data::IdxDataset(data::parse_idx(idx_bytes({16}, ramp(16)), "img"), images(), "img", "lab"); },
               {"img", "expected image dims (N, H, W) or (N, H, W, C), got [16]"});
  expect_error([&] { data::IdxDataset(images(), images(), "img", "lab"); },
               {"lab", "expected label dims (N), got [4, 2, 2]"});
  expect_error([&] { data::IdxDataset(data::parse_idx(idx_bytes({1, 2, 2, 2}, ramp(8)), "img"),
                                      data::parse_idx(idx_bytes({1}, {0}), "lab"), "img", "lab"); },
               {"img", "2 channels, expected 1 or 3"});
  expect_error([] { data::IdxDataset(data::parse_idx(idx_bytes({0, 2, 2}, {}), "img"),
                                     data::parse_idx(idx_bytes({0}, {}), "lab"), "img", "lab"); },
               {"img", "holds no images"});
}

TEST(IdxTest, LabelOutOfRangeIsAnError) {
  const auto images = data::parse_idx(idx_bytes({3, 1, 1}, {1, 2, 3}), "img");
  const auto labels = data::parse_idx(idx_bytes({3}, {0, 9, 10}), "labels.idx");
  expect_error([&] { data::IdxDataset(images, labels, "img", "labels.idx", 10); },
               {"labels.idx", "label 10 at index 2 out of range, expected 0..9"});
}

TEST(IdxTest, TruncatedBodyIsAnError) {
  Bytes file = idx_bytes({60000, 28, 28}, ramp(100));
  expect_error([&] { data::parse_idx(file, "train-images"); },
               {"train-images", "truncated body: dims [60000, 28, 28] need 47040000 bytes after the header, got 100"});
  expect_error([] { data::parse_idx(Bytes{0, 0, 8, 3, 0, 0}, "t"); },
               {"truncated header: 3 dimensions need 16 bytes, file has 6"});
  expect_error([] { data::parse_idx(idx_bytes({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, {}), "huge"); },
               {"huge", "need more than 2^64 bytes"});
  expect_error([] { data::parse_idx(idx_bytes({2}, {1, 2, 3}), "long"); },
               {"long", "1 unexpected bytes after the body"});
}

TEST(IdxTest, TruncatedOrCorruptGzipIsAnError) {
  const Bytes gz = testing::gzip_bytes(idx_bytes({10, 8, 8}, ramp(640)));
  expect_error([&] { data::parse_idx(Bytes(gz.begin(), gz.end() - 12), "t.gz"); },
               {"t.gz", "truncated stream"});
  expect_error([&] { data::parse_idx(Bytes(gz.begin(), gz.begin() + 5), "t.gz"); }, {"t.gz", "truncated stream"});
  Bytes bad_crc = gz;
  bad_crc[bad_crc.size() - 6] ^= 0xff;
  expect_error([&] { data::parse_idx(bad_crc, "c.gz"); }, {"c.gz", "corrupt data", "incorrect data check"});
}

}  // namespace
}  // namespace minnow
