// Random choices of the transform pipeline, and the option checks. The pixel
// work itself is in data/image_ops.cpp; the random-resized crop follows the
// Inception-style sampling used by torchvision (ten tries, then a centre crop).
#include "data/transform.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "data/image_ops.h"

namespace minnow::data {
namespace {

void check_side(int side, const char* what) {
  MINNOW_CHECK(side >= 0 && side <= kMaxTransformSide, "transform: ", what, " ", side, ", expected 0..",
               kMaxTransformSide);
}

float jitter_factor(float amount, Rng& rng) { return rng.uniform(std::max(0.0f, 1.0f - amount), 1.0f + amount); }

}  // namespace

Transform::Transform(TransformOptions options) : options_(std::move(options)) {
  const auto& o = options_;
  MINNOW_CHECK(o.channels == 0 || o.channels == 1 || o.channels == 3, "transform: channels ", o.channels,
               ", expected 0 (keep), 1 or 3");
  check_side(o.resize, "resize");
  check_side(o.center_crop, "center_crop");
  check_side(o.random_resized_crop.size, "random_resized_crop.size");
  check_side(o.random_crop.size, "random_crop.size");
  const auto& rrc = o.random_resized_crop;
  MINNOW_CHECK(rrc.scale_min > 0 && rrc.scale_min <= rrc.scale_max && rrc.scale_max <= 1, "transform: ",
               "random_resized_crop scale [", rrc.scale_min, ", ", rrc.scale_max, "], expected 0 < min <= max <= 1");
  MINNOW_CHECK(rrc.ratio_min > 0 && rrc.ratio_min <= rrc.ratio_max, "transform: random_resized_crop ratio [",
               rrc.ratio_min, ", ", rrc.ratio_max, "], expected 0 < min <= max");
  MINNOW_CHECK(o.random_crop.padding >= 0 && o.random_crop.padding <= kMaxTransformSide, "transform: ",
               "random_crop.padding ", o.random_crop.padding, ", expected 0..", kMaxTransformSide);
  MINNOW_CHECK(o.random_crop.size > 0 || o.random_crop.padding == 0, "transform: random_crop.padding ",
               o.random_crop.padding, " needs random_crop.size > 0");
  const auto& cj = o.color_jitter;
  MINNOW_CHECK(cj.brightness >= 0 && cj.contrast >= 0 && cj.saturation >= 0, "transform: color_jitter ",
               "brightness ", cj.brightness, ", contrast ", cj.contrast, ", saturation ", cj.saturation,
               ", expected each >= 0");
  MINNOW_CHECK(o.mean.size() == o.stddev.size(), "transform: ", o.mean.size(), " means but ", o.stddev.size(),
               " stddevs, expected as many of each");
  for (float s : o.stddev) MINNOW_CHECK(s > 0, "transform: stddev ", s, ", expected > 0");
}

Image Transform::apply(Image image, Rng& rng, std::optional<PixelBox> drawn) const {
  Transformed out = apply_unflipped(std::move(image), rng, drawn);
  if (out.mirrored) flip_horizontal(out.image);
  return std::move(out.image);
}

Transformed Transform::apply_unflipped(Image image, Rng& rng, std::optional<PixelBox> drawn) const {
  const auto& o = options_;
  if (o.channels != 0 && o.channels != image.channels) image = convert_channels(image, o.channels);
  if (o.resize > 0) image = resize_shorter_side(image, o.resize);
  if (o.center_crop > 0) {
    const int top = static_cast<int>(std::lround((image.height - o.center_crop) / 2.0));
    const int left = static_cast<int>(std::lround((image.width - o.center_crop) / 2.0));
    image = crop(image, top, left, o.center_crop, o.center_crop);
  }
  if (o.random_resized_crop.size > 0) {
    const int size = o.random_resized_crop.size;
    image = drawn ? resize_region(image, drawn->top, drawn->left, drawn->height, drawn->width, size, size)
                  : random_resized_crop(image, rng);
  }
  if (o.random_crop.size > 0) {
    const int pad = o.random_crop.padding;
    const int size = o.random_crop.size;
    MINNOW_CHECK(image.height + 2 * pad >= size && image.width + 2 * pad >= size, "transform: random_crop of ",
                 size, " from a ", image.height, "x", image.width, " image padded by ", pad, " does not fit");
    const int top = static_cast<int>(rng.below(static_cast<uint64_t>(image.height + 2 * pad - size + 1))) - pad;
    const int left = static_cast<int>(rng.below(static_cast<uint64_t>(image.width + 2 * pad - size + 1))) - pad;
    image = crop(image, top, left, size, size);
  }
  // Drawn here, applied by the caller: the colour adjustments treat every pixel
  // alike (contrast's mean included), so a flip commutes with them.
  const bool mirrored = o.horizontal_flip && rng.uniform() < 0.5f;
  color_jitter(image, rng);
  return {.image = std::move(image), .mirrored = mirrored};
}

void Transform::normalize_into(const Image& image, std::span<float> out, bool mirrored) const {
  write_chw(image, options_.mean, options_.stddev, out, mirrored);
}

DecodeRequest Transform::plan_source(ImageSize full, Rng& rng) const {
  const auto& o = options_;
  if (o.resize > 0) {
    if (full.height <= full.width) return {.min_size = {.width = 0, .height = o.resize}, .region = {}};
    return {.min_size = {.width = o.resize, .height = 0}, .region = {}};
  }
  if (o.center_crop > 0 || o.random_resized_crop.size <= 0) return {.min_size = full, .region = {}};
  // Scaling the image by f scales the crop by f, and the crop must keep at least size pixels a side.
  const PixelBox box = resized_crop_box(full.height, full.width, rng);
  const int64_t size = o.random_resized_crop.size;
  const auto need = [size](int side, int crop) {
    return static_cast<int>(std::min<int64_t>(side, (side * size + crop - 1) / crop));
  };
  return {.min_size = {.width = need(full.width, box.width), .height = need(full.height, box.height)}, .region = box};
}

DecodeRequester Transform::requester(Rng& rng, bool& cropped) const {
  cropped = false;
  return [this, &rng, &cropped](ImageSize full) {
    DecodeRequest plan = plan_source(full, rng);
    cropped = plan.region.height > 0;
    return plan;
  };
}

PixelBox Transform::resized_crop_box(int height, int width, Rng& rng) const {
  const auto& o = options_.random_resized_crop;
  const double area = static_cast<double>(height) * width;
  const float log_lo = std::log(o.ratio_min);
  const float log_hi = std::log(o.ratio_max);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * rng.uniform(o.scale_min, o.scale_max);
    const double aspect = std::exp(rng.uniform(log_lo, log_hi));
    const long w = std::lround(std::sqrt(target * aspect));
    const long h = std::lround(std::sqrt(target / aspect));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      const int top = static_cast<int>(rng.below(static_cast<uint64_t>(height - h + 1)));
      const int left = static_cast<int>(rng.below(static_cast<uint64_t>(width - w + 1)));
      return {.top = top, .left = left, .height = static_cast<int>(h), .width = static_cast<int>(w)};
    }
  }
  // No sample fitted: take the largest centred crop whose ratio lies in range.
  const double ratio = static_cast<double>(width) / height;
  int w = width;
  int h = height;
  if (ratio < o.ratio_min) h = std::clamp(static_cast<int>(std::lround(w / o.ratio_min)), 1, height);
  if (ratio > o.ratio_max) w = std::clamp(static_cast<int>(std::lround(h * o.ratio_max)), 1, width);
  return {.top = (height - h) / 2, .left = (width - w) / 2, .height = h, .width = w};
}

Image Transform::random_resized_crop(const Image& image, Rng& rng) const {
  const int size = options_.random_resized_crop.size;
  const PixelBox box = resized_crop_box(image.height, image.width, rng);
  return resize_region(image, box.top, box.left, box.height, box.width, size, size);
}

void Transform::color_jitter(Image& image, Rng& rng) const {
  const auto& o = options_.color_jitter;
  if (o.brightness > 0) adjust_brightness(image, jitter_factor(o.brightness, rng));
  if (o.contrast > 0) adjust_contrast(image, jitter_factor(o.contrast, rng));
  if (o.saturation > 0) adjust_saturation(image, jitter_factor(o.saturation, rng));
}

}  // namespace minnow::data
