// The libjpeg-turbo decoder (data/jpeg.h): full-size decodes against the image
// that was encoded, DCT-domain downscaling against a box filter of the full
// decode, the scale rule, gray and CMYK files, errors, and the transform's
// request (Transform::min_source_size) as the loader uses it. Files are
// encoded here with TurboJPEG itself, so every subsampling and the
// progressive and CMYK forms are covered.
#include <gtest/gtest.h>
#include <turbojpeg.h>

#include <cmath>
#include <array>
#include <cstdlib>
#include <cstring>

#include "data/decode.h"
#include "data/folder.h"
#include "data/image_ops.h"
#include "data/jpeg.h"
#include "data/loader.h"
#include "data/transform.h"
#include "tests/data/data_files.h"
#include "tests/support/scratch_dir.h"

namespace minnow {
namespace {

using data::Image;
using data::ImageSize;
using testing::Bytes;

// A smooth image (JPEG keeps it to within a few levels at quality 100): channel
// c ramps along x, y or the diagonal.
Image smooth_image(int height, int width, int channels) {
  Image image = Image::zeros(height, width, channels);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const int ramps[3] = {x * 255 / (width - 1), y * 255 / (height - 1), (x + y) * 255 / (width + height - 2)};
      for (int c = 0; c < channels; ++c) image.at(y, x)[c] = static_cast<uint8_t>(ramps[c]);
    }
  }
  return image;
}

struct EncodeOptions {
  int subsampling = TJSAMP_444;
  int quality = 100;
  bool progressive = false;
};

// pixel_format: TJPF_RGB, TJPF_GRAY or TJPF_CMYK, with the bytes to match.
Bytes encode(const std::vector<uint8_t>& pixels, int height, int width, int pixel_format, EncodeOptions o = {}) {
  tjhandle handle = tjInitCompress();
  unsigned char* out = nullptr;
  unsigned long size = 0;
  const int channels = tjPixelSize[pixel_format];
  const int status = tjCompress2(handle, pixels.data(), width, width * channels, height, pixel_format, &out, &size,
                                 pixel_format == TJPF_GRAY ? TJSAMP_GRAY : o.subsampling, o.quality,
                                 o.progressive ? TJFLAG_PROGRESSIVE : 0);
  EXPECT_EQ(status, 0) << tjGetErrorStr2(handle);
  Bytes bytes(out, out + size);
  tjFree(out);
  tjDestroy(handle);
  return bytes;
}

Bytes encode(const Image& image, EncodeOptions o = {}) {
  return encode(image.pixels, image.height, image.width, image.channels == 1 ? TJPF_GRAY : TJPF_RGB, o);
}

double mean_abs_diff(const Image& a, const Image& b) {
  EXPECT_EQ(a.bytes(), b.bytes());
  double sum = 0;
  for (size_t i = 0; i < a.bytes(); ++i) sum += std::abs(int{a.pixels[i]} - int{b.pixels[i]});
  return sum / static_cast<double>(a.bytes());
}

int max_abs_diff(const Image& a, const Image& b) {
  int worst = 0;
  for (size_t i = 0; i < a.bytes(); ++i) worst = std::max(worst, std::abs(int{a.pixels[i]} - int{b.pixels[i]}));
  return worst;
}

// The mean of every k x k block (the last block clipped at the edge), as libjpeg's
// scaled inverse DCT approximates it.
Image box_shrink(const Image& image, int k) {
  const int h = (image.height + k - 1) / k;
  const int w = (image.width + k - 1) / k;
  Image out = Image::zeros(h, w, image.channels);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < image.channels; ++c) {
        int sum = 0;
        int n = 0;
        for (int yy = y * k; yy < std::min(image.height, (y + 1) * k); ++yy) {
          for (int xx = x * k; xx < std::min(image.width, (x + 1) * k); ++xx, ++n) sum += image.at(yy, xx)[c];
        }
        out.at(y, x)[c] = static_cast<uint8_t>((sum + n / 2) / n);
      }
    }
  }
  return out;
}

data::SizeRequest ask_for(ImageSize size) {
  return [size](ImageSize) { return size; };
}

TEST(JpegTest, FullSizeDecodeMatchesTheEncodedImage) {
  const Image original = smooth_image(48, 64, 3);
  for (int subsampling : {TJSAMP_444, TJSAMP_422, TJSAMP_420}) {
    for (bool progressive : {false, true}) {
      const Bytes file = encode(original, {.subsampling = subsampling, .quality = 100, .progressive = progressive});
      ASSERT_TRUE(data::is_jpeg(file));
      const Image decoded = data::decode_image(file, {}, "smooth.jpg");
      ASSERT_EQ(decoded.height, 48);
      ASSERT_EQ(decoded.width, 64);
      ASSERT_EQ(decoded.channels, 3);
      EXPECT_LT(mean_abs_diff(decoded, original), 1.5) << "subsampling " << subsampling << " " << progressive;
      EXPECT_LE(max_abs_diff(decoded, original), 8) << "subsampling " << subsampling << " " << progressive;
    }
  }
}

TEST(JpegTest, ScaledDecodeIsABoxFilterOfTheFullDecode) {
  const Image original = smooth_image(120, 200, 3);
  const Bytes file = encode(original);
  const Image full = data::decode_image(file, {}, "big.jpg");
  for (int k : {2, 4, 8}) {
    const ImageSize want{.width = (200 + k - 1) / k, .height = (120 + k - 1) / k};
    const Image scaled = data::decode_image(file, {.min_size = ask_for(want)}, "big.jpg");
    EXPECT_EQ(scaled.width, want.width) << k;
    EXPECT_EQ(scaled.height, want.height) << k;
    EXPECT_LT(mean_abs_diff(scaled, box_shrink(full, k)), 1.5) << k;
  }
}

TEST(JpegTest, ScaleIsTheSmallestThatCoversTheRequest) {
  const ImageSize full{.width = 500, .height = 375};
  EXPECT_EQ(data::jpeg_scale_denominator(full, full), 1);
  EXPECT_EQ(data::jpeg_scale_denominator(full, {.width = 0, .height = 0}), 8);
  EXPECT_EQ(data::jpeg_scale_denominator(full, {.width = 250, .height = 188}), 2);  // 375 / 2 rounds up to 188
  EXPECT_EQ(data::jpeg_scale_denominator(full, {.width = 250, .height = 189}), 1);
  EXPECT_EQ(data::jpeg_scale_denominator(full, {.width = 0, .height = 94}), 4);
  EXPECT_EQ(data::jpeg_scale_denominator(full, {.width = 63, .height = 0}), 8);
  EXPECT_EQ(data::jpeg_scale_denominator(full, {.width = 64, .height = 0}), 4);
  // PNG and BMP ignore the request.
  const Bytes png = testing::encode_image(smooth_image(40, 40, 3), "png");
  EXPECT_EQ(data::decode_image(png, {.min_size = ask_for({.width = 5, .height = 5})}, "a.png").width, 40);
}

TEST(JpegTest, GrayAndColourConvertBothWays) {
  const Image gray = smooth_image(32, 40, 1);
  const Bytes gray_file = encode(gray);
  const Image as_rgb = data::decode_image(gray_file, {.channels = 3}, "gray.jpg");
  ASSERT_EQ(as_rgb.channels, 3);
  for (size_t i = 0; i < gray.bytes(); ++i) {
    ASSERT_EQ(as_rgb.pixels[3 * i], as_rgb.pixels[3 * i + 1]);
    ASSERT_EQ(as_rgb.pixels[3 * i], as_rgb.pixels[3 * i + 2]);
  }
  EXPECT_LT(mean_abs_diff(data::decode_image(gray_file, {.channels = 1}, "gray.jpg"), gray), 1.0);
  // A colour file read as luma: libjpeg's Y, which is the BT.601 luma of the pixels.
  const Image colour = smooth_image(32, 40, 3);
  const Image luma = data::decode_image(encode(colour), {.channels = 1}, "colour.jpg");
  EXPECT_LT(mean_abs_diff(luma, data::convert_channels(colour, 1)), 1.5);
}

TEST(JpegTest, CmykFilesBecomeRgb) {
  // Inverted CMYK as Adobe writes it: each colour channel is then value * K / 255.
  const int h = 16;
  const int w = 24;
  std::vector<uint8_t> cmyk(static_cast<size_t>(h) * w * 4);
  for (size_t i = 0; i < cmyk.size() / 4; ++i) {
    cmyk[4 * i + 0] = 200;
    cmyk[4 * i + 1] = 100;
    cmyk[4 * i + 2] = 50;
    cmyk[4 * i + 3] = 128;
  }
  const Image rgb = data::decode_image(encode(cmyk, h, w, TJPF_CMYK), {}, "cmyk.jpg");
  ASSERT_EQ(rgb.channels, 3);
  ASSERT_EQ(rgb.width, w);
  for (int c = 0; c < 3; ++c) {
    const int expected = (std::array<int, 3>{200, 100, 50}[static_cast<size_t>(c)] * 128 + 127) / 255;
    EXPECT_NEAR(rgb.at(7, 11)[c], expected, 2) << c;
  }
}

TEST(JpegTest, BadFilesAreOneLineErrorsAndDoNotSpoilTheNextDecode) {
  const Bytes good = encode(smooth_image(32, 32, 3));
  Bytes truncated(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(good.size() / 2));
  testing::expect_error([&] { data::decode_image(truncated, {}, "cut.jpg"); },
                        {"image: cut.jpg: cannot decode 32x32 image (libjpeg-turbo: ", "Premature end of JPEG file"});
  EXPECT_EQ(data::decode_image(good, {}, "good.jpg").width, 32);
  const Bytes header_only(good.begin(), good.begin() + 4);
  testing::expect_error([&] { data::decode_image(header_only, {}, "stub.jpg"); },
                        {"image: stub.jpg: not a readable JPEG header (libjpeg-turbo: the file ends before a frame header"});
  EXPECT_EQ(data::decode_image(good, {}, "good.jpg").width, 32);
  testing::expect_error([&] { data::decode_image(good, {.max_pixels = 1000}, "big.jpg"); },
                        {"image: big.jpg: 32x32 = 1024 pixels, over the cap of 1000 (max_pixels)"});
}

TEST(JpegTest, TransformAsksForWhatItsFirstResamplingNeeds) {
  const ImageSize full{.width = 500, .height = 375};
  const data::Transform resize({.resize = 64, .center_crop = 56});
  EXPECT_EQ(resize.min_source_size(full, Rng(1)).height, 64);
  EXPECT_EQ(resize.min_source_size(full, Rng(1)).width, 0);
  const data::Transform crop_first({.center_crop = 56});
  EXPECT_EQ(crop_first.min_source_size(full, Rng(1)).width, 500);
  const data::Transform nothing{data::TransformOptions{}};
  EXPECT_EQ(nothing.min_source_size(full, Rng(1)).height, 375);
  // A random-resized crop: the crop apply draws must keep >= size pixels a side at the decoded scale.
  const data::Transform rrc({.random_resized_crop = {.size = 32}});
  for (uint64_t seed = 0; seed < 50; ++seed) {
    const ImageSize want = rrc.min_source_size(full, Rng(seed));
    const int k = data::jpeg_scale_denominator(full, want);
    Rng rng(seed);
    Image scaled = Image::zeros((375 + k - 1) / k, (500 + k - 1) / k, 3);
    // The same draws on the scaled image: the crop it takes is at least size - 1 on a side
    // (the crop's sides are rounded again at the new scale).
    const Image out = rrc.apply(std::move(scaled), rng);
    EXPECT_EQ(out.height, 32);
    EXPECT_LE(want.width, 500);
    EXPECT_GE(static_cast<double>(want.width) / 500, 32.0 / 500) << seed;
  }
}

TEST(JpegTest, LoaderDecodesSmallerAndStaysCloseToTheFullDecode) {
  testing::ScratchDir dir("jpeg_loader");
  for (int i = 0; i < 6; ++i) {
    testing::write_file(dir.path() / (i % 2 ? "a" : "b") / ("img" + std::to_string(i) + ".jpg"),
                        encode(smooth_image(256 + 8 * i, 320, 3)));
  }
  auto dataset = std::make_shared<data::FolderDataset>(dir.path());
  const data::TransformOptions transform{.resize = 32, .center_crop = 32, .mean = {0.5f, 0.5f, 0.5f},
                                         .stddev = {0.25f, 0.25f, 0.25f}};
  data::LoaderOptions scaled_options{.batch_size = 6, .workers = 0, .shuffle = false, .seed = 3};
  data::LoaderOptions full_options = scaled_options;
  full_options.jpeg_dct_scaling = false;
  data::Loader scaled(dataset, transform, scaled_options);
  data::Loader full(dataset, transform, full_options);
  scaled.begin_epoch(0);
  full.begin_epoch(0);
  const data::Batch a = *scaled.next();
  const data::Batch b = *full.next();
  ASSERT_EQ(a.images.numel(), b.images.numel());
  double diff = 0;
  for (int64_t i = 0; i < a.images.numel(); ++i) diff += std::abs(a.images.data<float>()[i] - b.images.data<float>()[i]);
  // Normalised units (1 = 64 levels): the 1/8 decode and the full decode plus resize agree to about a level.
  EXPECT_LT(diff / static_cast<double>(a.images.numel()), 0.05);
  // The same seed gives the same batch again.
  data::Loader again(dataset, transform, scaled_options);
  again.begin_epoch(0);
  const data::Batch c = *again.next();
  EXPECT_EQ(0, std::memcmp(a.images.raw(), c.images.raw(), a.images.bytes()));
}

}  // namespace
}  // namespace minnow
