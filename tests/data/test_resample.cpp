// data/resample.h against PIL's Image.resize(BILINEAR) on crops of a random
// image (tests/parity/pil_resize.py): shrinking by small and large factors,
// enlarging, one axis each way, and windows touching each edge. Plus the
// properties that need no reference: a flat image stays flat, an identity
// resize is a copy, and bad windows are errors.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/rng.h"
#include "data/resample.h"
#include "data/read_file.h"
#include "tests/data/data_files.h"
#include "tests/support/python.h"

namespace minnow {
namespace {

using data::Image;

struct Case {
  int top, left, height, width, out_height, out_width;
};

Image random_image(int height, int width, int channels, uint64_t seed) {
  Rng rng(seed);
  Image image = Image::zeros(height, width, channels);
  // Smooth plus noise, so both the averaging and the edges matter.
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < channels; ++c) {
        const int v = (x * (c + 2) + y * 3) % 200 + static_cast<int>(rng.below(56));
        image.at(y, x)[c] = static_cast<uint8_t>(v);
      }
    }
  }
  return image;
}

TEST(ResampleTest, MatchesPilBilinearToOneLevel) {
  const std::vector<Case> cases = {
      {0, 0, 375, 500, 224, 224},   // the whole image, shrunk by 1.7 and 2.2
      {40, 60, 300, 280, 224, 224}, // a crop, shrunk a little
      {10, 20, 90, 70, 224, 224},   // a small crop, enlarged
      {0, 0, 375, 500, 7, 9},       // shrunk by 50
      {100, 0, 50, 500, 50, 123},   // one axis unchanged, the other shrunk
      {0, 450, 375, 50, 400, 100},  // enlarged on both, at the right edge
      {374, 499, 1, 1, 3, 5},       // one pixel, enlarged
  };
  for (int channels : {3, 1}) {
    const Image image = random_image(375, 500, channels, 5 + channels);
    test_support::ScratchDir dir;
    testing::write_file(dir.path() / "image.raw", image.pixels);
    std::ostringstream spec;
    for (const Case& k : cases) {
      spec << k.top << " " << k.left << " " << k.height << " " << k.width << " " << k.out_height << " "
           << k.out_width << "\n";
    }
    testing::write_text(dir.path() / "cases.txt", spec.str());
    ASSERT_EQ(test_support::run_python(test_support::parity_script("pil_resize.py"),
                                       {dir.file("image.raw"), "375", "500", std::to_string(channels),
                                        dir.file("cases.txt"), dir.path().string()}),
              0);
    for (size_t i = 0; i < cases.size(); ++i) {
      const Case& k = cases[i];
      const Image ours = data::resample_region(image, k.top, k.left, k.height, k.width, k.out_height, k.out_width);
      const auto pil = data::read_file(dir.path() / (std::to_string(i) + ".raw"), "test");
      ASSERT_EQ(pil.size(), ours.bytes()) << "case " << i;
      int worst = 0;
      size_t off = 0;
      for (size_t j = 0; j < pil.size(); ++j) {
        const int d = std::abs(int{pil[j]} - int{ours.pixels[j]});
        worst = std::max(worst, d);
        off += d > 0;
      }
      EXPECT_LE(worst, 1) << "case " << i << ", channels " << channels;
      EXPECT_LE(off * size_t{20}, pil.size()) << "case " << i << ": " << off << " bytes differ, over 5%";
    }
  }
}

TEST(ResampleTest, FlatStaysFlatAndIdentityIsACopy) {
  Image flat = Image::zeros(31, 47, 3);
  std::fill(flat.pixels.begin(), flat.pixels.end(), 201);
  for (const auto& [h, w] : {std::pair{5, 9}, std::pair{31, 47}, std::pair{100, 3}}) {
    for (uint8_t p : data::resample_region(flat, 0, 0, 31, 47, h, w).pixels) ASSERT_EQ(p, 201);
  }
  const Image image = random_image(20, 30, 3, 1);
  EXPECT_EQ(data::resample_region(image, 0, 0, 20, 30, 20, 30).pixels, image.pixels);
  const Image window = data::resample_region(image, 3, 4, 10, 12, 10, 12);
  EXPECT_EQ(window.at(0, 0)[1], image.at(3, 4)[1]);
  EXPECT_EQ(window.at(9, 11)[2], image.at(12, 15)[2]);
}

TEST(ResampleTest, WindowsOutsideTheImageAreErrors) {
  const Image image = random_image(10, 10, 1, 2);
  testing::expect_error([&] { data::resample_region(image, 5, 0, 6, 10, 4, 4); },
                        {"resize: region (top 5, left 0, 6x10) outside the 10x10 image"});
  testing::expect_error([&] { data::resample_region(image, 0, 0, 10, 10, 0, 4); },
                        {"resize: output 0x4, expected both sides > 0"});
}

}  // namespace
}  // namespace minnow
