// Every input a fuzz target crashed on, replayed through the same harness
// (fuzz/harness.h): each file tests/data/fuzz_crashes/<target>-<what> must now
// be rejected with one clean minnow::Error line. Plus a hand-built JPEG for
// the Huffman-table guard.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "data/decode.h"
#include "data/read_file.h"
#include "fuzz/harness.h"
#include "tests/data/data_files.h"

namespace minnow {
namespace {

namespace fs = std::filesystem;

const fs::path kCrashes = fs::path(MINNOW_SOURCE_DIR) / "tests/data/fuzz_crashes";

// What each crash input's rejection must say.
const std::map<std::string, std::string> kExpected = {
    {"image-jpeg-dht-over-256-codes", "Huffman table lists"},
    {"image-jpeg-dht-after-ff-fill-before-soi", "Huffman table lists"},
    {"image-png-empty-first-idat", "cannot decode 13x9 image"},
};

TEST(DataFuzzRegressionTest, EveryCrashInputIsRejectedCleanly) {
  ASSERT_TRUE(fs::is_directory(kCrashes)) << kCrashes;
  int replayed = 0;
  for (const auto& entry : fs::directory_iterator(kCrashes)) {
    const std::string name = entry.path().filename().string();
    const auto bytes = data::read_file(entry.path(), "test");
    std::string message;
    if (name.starts_with("cifar-")) {
      message = fuzz::run_cifar(bytes);
    } else if (name.starts_with("idx-")) {
      message = fuzz::run_idx(bytes);
    } else if (name.starts_with("image-")) {
      message = fuzz::run_image(bytes);
    } else {
      ADD_FAILURE() << name << ": expected a cifar-, idx- or image- prefix";
      continue;
    }
    ++replayed;
    EXPECT_FALSE(message.empty()) << name << " was accepted";
    EXPECT_EQ(message.find('\n'), std::string::npos) << name << ": " << message;
    const auto expected = kExpected.find(name);
    ASSERT_NE(expected, kExpected.end()) << name << ": add its expected message to kExpected";
    EXPECT_NE(message.find(expected->second), std::string::npos) << name << ": " << message;
  }
  EXPECT_EQ(replayed, static_cast<int>(kExpected.size()));
}

TEST(DataFuzzRegressionTest, JpegHuffmanTableWithTooManyCodesIsRejected) {
  testing::Bytes jpeg = testing::encode_image(testing::pattern_image(16, 16, 3), "jpg");
  const testing::Bytes valid = jpeg;
  // Find the first DHT segment and raise its first table's 16-bit code count past 256.
  size_t dht = 0;
  for (size_t i = 2; i + 1 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xC4) {
      dht = i;
      break;
    }
  }
  ASSERT_NE(dht, 0u);
  jpeg[dht + 4 + 1 + 15] = 255;
  jpeg[dht + 4 + 1 + 14] = 255;
  testing::expect_error([&] { data::decode_image(jpeg, {}, "evil.jpg"); },
                        {"evil.jpg", "corrupt JPEG: a Huffman table lists", "at most 256"});
  EXPECT_EQ(data::decode_image(valid, {}, "good.jpg").width, 16);
}

}  // namespace
}  // namespace minnow
