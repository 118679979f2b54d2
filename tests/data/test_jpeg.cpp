// The libjpeg-turbo decoder (data/jpeg.h): full-size decodes against the image
// that was encoded, DCT-domain downscaling against a box filter of the full
// decode, region decodes against the whole decode cropped, the scale rule,
// gray and CMYK files, errors, and the transform's request
// (Transform::plan_source) as the loader uses it. Files are
// encoded here with TurboJPEG itself, so every subsampling and the
// progressive and CMYK forms are covered.
#include <gtest/gtest.h>
#include <turbojpeg.h>

#include <cmath>
#include <array>
#include <cstdlib>
#include <cstring>

#include "core/rng.h"
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

data::DecodeRequester ask_for(ImageSize size, data::PixelBox region = {}) {
  return [size, region](ImageSize) { return data::DecodeRequest{.min_size = size, .region = region}; };
}

Image crop_of(const Image& image, data::PixelBox box) { return data::crop(image, box.top, box.left, box.height, box.width); }

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
    const Image scaled = data::decode_image(file, {.request = ask_for(want)}, "big.jpg");
    EXPECT_EQ(scaled.width, want.width) << k;
    EXPECT_EQ(scaled.height, want.height) << k;
    EXPECT_LT(mean_abs_diff(scaled, box_shrink(full, k)), 1.5) << k;
  }
}

TEST(JpegTest, RegionDecodeIsTheWholeDecodeCropped) {
  const Image original = smooth_image(150, 203, 3);
  const std::vector<data::PixelBox> fixed = {
      {.top = 0, .left = 0, .height = 150, .width = 203},  // everything, through the region path
      {.top = 37, .left = 21, .height = 64, .width = 99},   // nothing aligned to a block
      {.top = 0, .left = 150, .height = 17, .width = 53},   // the right edge
      {.top = 140, .left = 0, .height = 10, .width = 9},    // the bottom-left corner
      {.top = 1, .left = 15, .height = 15, .width = 2},     // inside the first block row
      {.top = 17, .left = 33, .height = 47, .width = 170},  // just past a 4:2:0 block row, to the right edge
      {.top = 63, .left = 199, .height = 87, .width = 4},   // a thin strip to the bottom-right corner
      {.top = 16, .left = 16, .height = 40, .width = 40},   // starting on a 4:2:0 block corner
      {.top = 5, .left = 32, .height = 30, .width = 64},    // starting on a block column
  };
  // And boxes at random, so that every offset from a block edge occurs on both sides.
  std::vector<data::PixelBox> boxes = fixed;
  Rng rng(17);
  for (int i = 0; i < 60; ++i) {
    const int height = 1 + static_cast<int>(rng.below(150));
    const int width = 1 + static_cast<int>(rng.below(203));
    boxes.push_back({.top = static_cast<int>(rng.below(static_cast<uint64_t>(150 - height + 1))),
                     .left = static_cast<int>(rng.below(static_cast<uint64_t>(203 - width + 1))),
                     .height = height,
                     .width = width});
  }
  for (int subsampling : {TJSAMP_444, TJSAMP_422, TJSAMP_420, TJSAMP_440}) {
    for (bool progressive : {false, true}) {
      const Bytes file = encode(original, {.subsampling = subsampling, .quality = 90, .progressive = progressive});
      for (int channels : {3, 1}) {
        const Image whole = data::decode_image(file, {.channels = channels}, "region.jpg");
        for (const auto& box : boxes) {
          const Image part =
              data::decode_image(file, {.channels = channels, .request = ask_for({203, 150}, box)}, "region.jpg");
          ASSERT_EQ(part.height, box.height);
          ASSERT_EQ(part.width, box.width);
          EXPECT_EQ(part.pixels, crop_of(whole, box).pixels)
              << "subsampling " << subsampling << " progressive " << progressive << " channels " << channels
              << " box at " << box.top << "," << box.left;
          // Leaving the margin in place: the region lies where region says, inside the band.
          data::PixelBox region{};
          const Image band = data::decode_image(file, {.channels = channels, .request = ask_for({203, 150}, box)},
                                                "region.jpg", &region);
          ASSERT_EQ(region.height, box.height);
          ASSERT_EQ(region.width, box.width);
          ASSERT_LE(region.left + region.width, band.width);
          EXPECT_EQ(crop_of(band, region).pixels, part.pixels) << "box at " << box.top << "," << box.left;
        }
      }
    }
  }
  // At 1/2: the scaled pixels the region covers, rounded outwards, as the whole 1/2 decode has them.
  const Bytes file = encode(original, {.subsampling = TJSAMP_420});
  const Image half = data::decode_image(file, {.request = ask_for({102, 75})}, "half.jpg");
  const data::PixelBox box{.top = 37, .left = 21, .height = 64, .width = 99};
  const Image part = data::decode_image(file, {.request = ask_for({102, 75}, box)}, "half.jpg");
  const data::PixelBox scaled{.top = 18, .left = 10, .height = 51 - 18, .width = 60 - 10};
  EXPECT_EQ(part.pixels, crop_of(half, scaled).pixels);
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
  EXPECT_EQ(data::decode_image(png, {.request = ask_for({.width = 5, .height = 5})}, "a.png").width, 40);
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
  // The same through the region path (libjpeg's API, its error manager).
  const data::DecodeRequester bottom = ask_for({32, 32}, {.top = 20, .left = 3, .height = 12, .width = 20});
  testing::expect_error([&] { data::decode_image(truncated, {.request = bottom}, "cut.jpg"); },
                        {"image: cut.jpg: cannot decode the 20x12 crop at (3, 20) (libjpeg-turbo: ",
                         "Premature end of JPEG file"});
  EXPECT_EQ(data::decode_image(good, {.request = bottom}, "good.jpg").width, 20);
  const Bytes header_only(good.begin(), good.begin() + 4);
  testing::expect_error([&] { data::decode_image(header_only, {}, "stub.jpg"); },
                        {"image: stub.jpg: not a readable JPEG header (libjpeg-turbo: the file ends before a frame header"});
  EXPECT_EQ(data::decode_image(good, {}, "good.jpg").width, 32);
  testing::expect_error([&] { data::decode_image(good, {.max_pixels = 1000}, "big.jpg"); },
                        {"image: big.jpg: 32x32 = 1024 pixels, over the cap of 1000 (max_pixels)"});
}

TEST(JpegTest, TransformAsksForWhatItsFirstResamplingNeeds) {
  const ImageSize full{.width = 500, .height = 375};
  Rng rng(1);
  const data::DecodeRequest resize = data::Transform({.resize = 64, .center_crop = 56}).plan_source(full, rng);
  EXPECT_EQ(resize.min_size.height, 64);
  EXPECT_EQ(resize.min_size.width, 0);
  EXPECT_EQ(resize.region.height, 0);
  EXPECT_EQ(data::Transform({.center_crop = 56}).plan_source(full, rng).min_size.width, 500);
  EXPECT_EQ(data::Transform(data::TransformOptions{}).plan_source(full, rng).min_size.height, 375);
  EXPECT_EQ(rng.state(), Rng(1).state()) << "only a random-resized crop draws";
  // A random-resized crop: plan_source draws the crop apply would draw on the whole image.
  const data::Transform rrc({.random_resized_crop = {.size = 32}});
  Image image = Image::zeros(375, 500, 1);
  for (int y = 0; y < 375; ++y) {
    for (int x = 0; x < 500; ++x) image.at(y, x)[0] = static_cast<uint8_t>((x * 3 + y * 7) % 251);
  }
  for (uint64_t seed = 0; seed < 20; ++seed) {
    Rng planned(seed);
    const data::DecodeRequest plan = rrc.plan_source(full, planned);
    ASSERT_GT(plan.region.height, 0);
    // The drawn region where a decoder placed it: alone, or inside the whole image.
    Rng alone = planned;
    const Image from_region = rrc.apply(image, planned, plan.region);
    const data::PixelBox all{.top = 0, .left = 0, .height = plan.region.height, .width = plan.region.width};
    EXPECT_EQ(rrc.apply(crop_of(image, plan.region), alone, all).pixels, from_region.pixels) << seed;
    Rng whole(seed);
    EXPECT_EQ(from_region.pixels, rrc.apply(image, whole).pixels) << seed;
    EXPECT_EQ(planned.state(), whole.state()) << seed;
    // min_size keeps the region at least 32 pixels a side after scaling.
    const int k = data::jpeg_scale_denominator(full, plan.min_size);
    EXPECT_GE(plan.region.width / k, 31) << seed;
    EXPECT_GE(plan.region.height / k, 31) << seed;
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
  full_options.jpeg_partial_decode = false;
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

TEST(JpegTest, LoaderDecodingOnlyTheCropGivesTheSameBatch) {
  // A random-resized crop to 200 of 256-296 x 320 images: no crop leaves room for 1/2, so decoding
  // just each crop's region must give exactly the batch of whole-image decodes.
  testing::ScratchDir dir("jpeg_crop_loader");
  for (int i = 0; i < 6; ++i) {
    testing::write_file(dir.path() / (i % 2 ? "a" : "b") / ("img" + std::to_string(i) + ".jpg"),
                        encode(smooth_image(256 + 8 * i, 320, 3), {.subsampling = TJSAMP_420, .quality = 90}));
  }
  auto dataset = std::make_shared<data::FolderDataset>(dir.path());
  const data::TransformOptions transform{.random_resized_crop = {.size = 200}, .horizontal_flip = true};
  data::LoaderOptions partial_options{.batch_size = 6, .workers = 0, .shuffle = false, .seed = 5};
  data::LoaderOptions whole_options = partial_options;
  whole_options.jpeg_partial_decode = false;
  for (int64_t epoch = 0; epoch < 3; ++epoch) {
    data::Loader partial(dataset, transform, partial_options);
    data::Loader whole(dataset, transform, whole_options);
    partial.begin_epoch(epoch);
    whole.begin_epoch(epoch);
    const data::Batch a = *partial.next();
    const data::Batch b = *whole.next();
    ASSERT_EQ(a.images.bytes(), b.images.bytes());
    EXPECT_EQ(0, std::memcmp(a.images.raw(), b.images.raw(), a.images.bytes())) << "epoch " << epoch;
  }
}

}  // namespace
}  // namespace minnow
