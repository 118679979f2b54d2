// Every input a fuzz target crashed on, replayed through the same harness
// (fuzz/harness.h): each file tests/data/fuzz_crashes/<target>-<what> must now
// be rejected with one clean minnow::Error line. The image-jpeg- inputs broke
// stb_image's JPEG decoder; libjpeg-turbo reads JPEG now, and they stay here
// to show it refuses them too. Plus the seed images, which must all decode,
// and a hand-built JPEG with an impossible Huffman table.
#include <gtest/gtest.h>
#include <zlib.h>

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
    {"image-jpeg-dht-over-256-codes", "cannot decode 40x30 image (libjpeg-turbo: Bogus Huffman table definition)"},
    // libjpeg-turbo, like the JPEG standard, wants the start-of-image marker first; stb took fill bytes before it.
    {"image-jpeg-dht-after-ff-fill-before-soi", "not a readable JPEG, PNG or BMP header"},
    {"image-png-empty-first-idat", "corrupt PNG: a chunk at byte 45 declares 1616908324 bytes, only 26 remain"},
    {"image-png-chunk-longer-than-file", "corrupt PNG: a chunk at byte 128 declares 1630470172 bytes, only 112 remain"},
    {"image-jpeg-progressive-scan-with-undefined-ac-table",
     "not a readable JPEG header (libjpeg-turbo: Corrupt JPEG data: 16 extraneous bytes before marker 0xdb)"},
    {"image-jpeg-progressive-refinement-reads-unwritten-coefficients",
     "not a readable JPEG header (libjpeg-turbo: Corrupt JPEG data: 126 extraneous bytes before marker 0xc2)"},
    {"image-bmp-zero-width", "image: fuzz: header says 0x5 pixels; expected a width and a height of at least 1"},
    {"image-bmp-zero-height", "image: fuzz: header says 5x0 pixels; expected a width and a height of at least 1"},
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

TEST(DataFuzzRegressionTest, EverySeedImageStillDecodes) {
  // The seeds are valid JPEG (baseline and progressive), PNG and BMP files: every
  // decoder must take all of them, at every scale the transforms ask for.
  int decoded = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(MINNOW_SOURCE_DIR) / "fuzz/corpus/image")) {
    EXPECT_EQ(fuzz::run_image(data::read_file(entry.path(), "test")), "") << entry.path();
    ++decoded;
  }
  EXPECT_GT(decoded, 30);
}

TEST(DataFuzzRegressionTest, PngWithAnEmptyFirstIdatDecodes) {
  // Legal but rare: stb_image passes a null buffer to memcpy for it (length 0),
  // the one UBSan check exempted in data/decode.cpp.
  const auto image = testing::pattern_image(6, 5, 3);
  testing::Bytes png = testing::encode_image(image, "png");
  const size_t first_idat = 8 + 25;  // signature, then the 25-byte IHDR chunk
  ASSERT_EQ(std::string(png.begin() + first_idat + 4, png.begin() + first_idat + 8), "IDAT");
  testing::Bytes empty = {0, 0, 0, 0, 'I', 'D', 'A', 'T'};
  const uLong crc = crc32(0, empty.data() + 4, 4);
  for (int shift = 24; shift >= 0; shift -= 8) empty.push_back(static_cast<uint8_t>(crc >> shift));
  png.insert(png.begin() + first_idat, empty.begin(), empty.end());
  EXPECT_EQ(data::decode_image(png, {}, "empty-idat.png").pixels, image.pixels);
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
                        {"evil.jpg", "libjpeg-turbo: Bogus Huffman table definition"});
  EXPECT_EQ(data::decode_image(valid, {}, "good.jpg").width, 16);
}

}  // namespace
}  // namespace minnow
