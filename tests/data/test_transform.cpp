// Transforms: each pixel operation against a hand-computed expectation, the
// random steps for shape and reproducibility, and the option checks.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "data/image_ops.h"
#include "data/transform.h"
#include "tests/data/data_files.h"

namespace minnow {
namespace {

using data::Image;
using data::Transform;
using testing::expect_error;
using testing::pattern_image;

TEST(TransformTest, DefaultOptionsOnlyScaleToUnitRange) {
  const Image image = pattern_image(3, 4, 3);
  Rng rng(1);
  const Transform transform;
  const Image out = transform.apply(image, rng);
  EXPECT_EQ(out.pixels, image.pixels);
  std::vector<float> chw(36);
  transform.normalize_into(out, chw);
  EXPECT_FLOAT_EQ(chw[0 * 12 + 1 * 4 + 2], image.at(1, 2)[0] / 255.0f);
  EXPECT_FLOAT_EQ(chw[2 * 12 + 2 * 4 + 3], image.at(2, 3)[2] / 255.0f);
}

TEST(TransformTest, NormalizesPerChannel) {
  const Image image = pattern_image(2, 2, 3);
  const Transform transform({.mean = {0.5f, 0.25f, 0.0f}, .stddev = {0.5f, 2.0f, 1.0f}});
  std::vector<float> chw(12);
  transform.normalize_into(image, chw);
  EXPECT_FLOAT_EQ(chw[0 * 4 + 3], (image.at(1, 1)[0] / 255.0f - 0.5f) / 0.5f);
  EXPECT_FLOAT_EQ(chw[1 * 4 + 2], (image.at(1, 0)[1] / 255.0f - 0.25f) / 2.0f);
  const Transform wrong({.mean = {0.5f}, .stddev = {0.5f}});
  expect_error([&] { wrong.normalize_into(image, chw); }, {"1 means and 1 stds for a 3-channel image"});
}

TEST(TransformTest, CenterCropTakesTheMiddleAndPadsSmallImages) {
  const Image image = pattern_image(10, 12, 1);
  Rng rng(0);
  const Image out = Transform({.center_crop = 8}).apply(image, rng);
  ASSERT_EQ(out.height, 8);
  ASSERT_EQ(out.width, 8);
  EXPECT_EQ(out.at(0, 0)[0], image.at(1, 2)[0]);
  EXPECT_EQ(out.at(7, 7)[0], image.at(8, 9)[0]);
  const Image padded = Transform({.center_crop = 14}).apply(image, rng);
  EXPECT_EQ(padded.at(0, 0)[0], 0);
  EXPECT_EQ(padded.at(2, 1)[0], image.at(0, 0)[0]);
}

TEST(TransformTest, ResizeShorterSideKeepsAspect) {
  Rng rng(0);
  const Image wide = Transform({.resize = 10}).apply(pattern_image(20, 30, 3), rng);
  EXPECT_EQ(wide.height, 10);
  EXPECT_EQ(wide.width, 15);
  const Image tall = Transform({.resize = 16}).apply(pattern_image(40, 20, 3), rng);
  EXPECT_EQ(tall.height, 32);
  EXPECT_EQ(tall.width, 16);
  // A flat image stays flat through the filter.
  Image flat = Image::zeros(9, 9, 1);
  std::fill(flat.pixels.begin(), flat.pixels.end(), 77);
  for (uint8_t p : data::resize(flat, 4, 5).pixels) EXPECT_EQ(p, 77);
}

TEST(TransformTest, ResizeShorterSideRefusesAZeroSide) {
  // decode_image never yields such an image; this is the resize's own guard.
  const Image no_columns{.height = 5, .width = 0, .channels = 3, .pixels = {}};
  expect_error([&] { data::resize_shorter_side(no_columns, 8); }, {"resize: input image is 0x5, expected both sides > 0"});
  const Image no_rows{.height = 0, .width = 5, .channels = 3, .pixels = {}};
  expect_error([&] { data::resize_shorter_side(no_rows, 8); }, {"resize: input image is 5x0"});
}

TEST(TransformTest, RandomCropWithPaddingIsAShiftedWindow) {
  const Image image = pattern_image(32, 32, 3);
  std::set<std::pair<int, int>> offsets;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    Rng rng(seed);
    const Image out = Transform({.random_crop = {.size = 32, .padding = 4}}).apply(image, rng);
    ASSERT_EQ(out.height, 32);
    // Find the shift from a pixel that is surely inside: the centre.
    bool found = false;
    for (int dy = -4; dy <= 4 && !found; ++dy) {
      for (int dx = -4; dx <= 4 && !found; ++dx) {
        bool match = true;
        for (int y = 0; y < 32 && match; ++y) {
          for (int x = 0; x < 32 && match; ++x) {
            const int sy = y + dy;
            const int sx = x + dx;
            const bool inside = sy >= 0 && sy < 32 && sx >= 0 && sx < 32;
            for (int c = 0; c < 3; ++c) match = match && out.at(y, x)[c] == (inside ? image.at(sy, sx)[c] : 0);
          }
        }
        if (match) {
          offsets.insert({dy, dx});
          found = true;
        }
      }
    }
    EXPECT_TRUE(found) << "seed " << seed;
  }
  EXPECT_GT(offsets.size(), 10u);
}

TEST(TransformTest, HorizontalFlipMirrorsAboutHalfTheTime) {
  const Image image = pattern_image(5, 6, 3);
  Image mirrored = image;
  data::flip_horizontal(mirrored);
  EXPECT_EQ(mirrored.at(2, 0)[1], image.at(2, 5)[1]);
  int flipped = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    Rng rng(seed);
    const Image out = Transform({.horizontal_flip = true}).apply(image, rng);
    if (out.pixels == mirrored.pixels) {
      ++flipped;
    } else {
      EXPECT_EQ(out.pixels, image.pixels);
    }
  }
  EXPECT_GT(flipped, 70);
  EXPECT_LT(flipped, 130);
}

// The loader's path: the flip drawn by apply_unflipped and folded into
// normalize_into gives the floats apply and a plain normalize_into give, with
// colour jitter after the flip and for 1, 3 and 4 channels (4: a CMYK decode).
TEST(TransformTest, FlipFoldedIntoNormalisationMatchesApply) {
  for (int channels : {1, 3, 4}) {
    const Image image = pattern_image(7, 9, channels);
    const std::vector<float> mean(static_cast<size_t>(channels), 0.4f);
    const std::vector<float> stddev(static_cast<size_t>(channels), 0.3f);
    const Transform transform({.horizontal_flip = true,
                               .color_jitter = {.brightness = 0.3f, .contrast = 0.3f, .saturation = 0.3f},
                               .mean = mean,
                               .stddev = stddev});
    int mirrored = 0;
    for (uint64_t seed = 0; seed < 40; ++seed) {
      Rng a(seed);
      Rng b(seed);
      const data::Transformed folded = transform.apply_unflipped(image, a);
      const Image applied = transform.apply(image, b);
      EXPECT_EQ(a.next_u64(), b.next_u64()) << "the same draws, seed " << seed;
      std::vector<float> expected(image.pixels.size());
      std::vector<float> got(image.pixels.size());
      transform.normalize_into(applied, expected);
      transform.normalize_into(folded.image, got, folded.mirrored);
      EXPECT_EQ(got, expected) << channels << " channels, seed " << seed;
      mirrored += folded.mirrored;
    }
    EXPECT_GT(mirrored, 5);
    EXPECT_LT(mirrored, 35);
  }
}

TEST(TransformTest, RandomResizedCropIsSizedAndReproducible) {
  const Image image = pattern_image(375, 500, 3);
  const Transform transform({.random_resized_crop = {.size = 64}});
  std::vector<std::vector<uint8_t>> seen;
  for (uint64_t seed = 0; seed < 8; ++seed) {
    Rng a(seed);
    Rng b(seed);
    const Image first = transform.apply(image, a);
    EXPECT_EQ(first.height, 64);
    EXPECT_EQ(first.width, 64);
    EXPECT_EQ(first.pixels, transform.apply(image, b).pixels);
    for (const auto& earlier : seen) EXPECT_NE(earlier, first.pixels) << "seed " << seed;
    seen.push_back(first.pixels);
  }
  // An extreme ratio range forces the centre-crop fallback.
  Rng rng(3);
  const Image fallback =
      Transform({.random_resized_crop = {.size = 16, .scale_min = 1, .scale_max = 1, .ratio_min = 4, .ratio_max = 5}})
          .apply(pattern_image(20, 10, 3), rng);
  EXPECT_EQ(fallback.height, 16);
}

TEST(TransformTest, ColorAdjustmentsFollowTheirDefinitions) {
  Image image = pattern_image(4, 4, 3);
  Image half = image;
  data::adjust_brightness(half, 0.5f);
  EXPECT_EQ(half.at(1, 1)[2], static_cast<uint8_t>(std::nearbyint(image.at(1, 1)[2] * 0.5f)));
  Image flat = image;
  data::adjust_contrast(flat, 0.0f);
  for (uint8_t p : flat.pixels) EXPECT_EQ(p, flat.pixels[0]);
  Image gray = image;
  data::adjust_saturation(gray, 0.0f);
  EXPECT_EQ(gray.at(2, 3)[0], gray.at(2, 3)[1]);
  EXPECT_EQ(gray.at(2, 3)[1], gray.at(2, 3)[2]);
  Rng a(5);
  Rng b(5);
  const Transform jitter({.color_jitter = {.brightness = 0.4f, .contrast = 0.4f, .saturation = 0.4f}});
  EXPECT_EQ(jitter.apply(image, a).pixels, jitter.apply(image, b).pixels);
}

TEST(TransformTest, ChannelConversion) {
  const Image rgb = pattern_image(2, 3, 3);
  const Image luma = data::convert_channels(rgb, 1);
  const uint8_t* p = rgb.at(1, 2);
  EXPECT_EQ(luma.at(1, 2)[0], static_cast<uint8_t>(std::nearbyint(0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2])));
  const Image back = data::convert_channels(luma, 3);
  EXPECT_EQ(back.at(1, 2)[2], luma.at(1, 2)[0]);
  Rng rng(0);
  EXPECT_EQ(Transform({.channels = 3}).apply(luma, rng).channels, 3);
}

TEST(TransformTest, InvalidOptionsAreErrors) {
  expect_error([] { Transform({.random_resized_crop = {.size = 8, .scale_min = 0.5f, .scale_max = 0.2f}}); },
               {"random_resized_crop scale [0.5, 0.2]"});
  expect_error([] { Transform({.mean = {0.5f}, .stddev = {}}); }, {"1 means but 0 stddevs"});
  expect_error([] { Transform({.mean = {0.5f}, .stddev = {0.0f}}); }, {"stddev 0, expected > 0"});
  expect_error([] { Transform({.center_crop = -1}); }, {"center_crop -1"});
  expect_error([] { Transform({.random_crop = {.size = 0, .padding = 2}}); }, {"needs random_crop.size > 0"});
  Rng rng(0);
  expect_error([&] { Transform({.random_crop = {.size = 40, .padding = 2}}).apply(pattern_image(32, 32, 3), rng); },
               {"random_crop of 40 from a 32x32 image padded by 2 does not fit"});
}

}  // namespace
}  // namespace minnow
