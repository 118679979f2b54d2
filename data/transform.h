// The per-sample transform pipeline, driven by one plain options struct. Steps
// run in a fixed order: channels, resize, center crop, random-resized crop,
// random crop with padding, horizontal flip, colour jitter, then normalisation
// into float (C, H, W). Random steps draw only from the Rng they are handed,
// so a sample's result depends on its seed alone, never on threads.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "core/rng.h"
#include "data/image.h"

namespace minnow::data {

struct RandomResizedCropOptions {
  int size = 0;  // output side; 0 turns the step off
  float scale_min = 0.08f;  // fraction of the image area kept
  float scale_max = 1.0f;
  float ratio_min = 3.0f / 4.0f;  // width / height of the crop
  float ratio_max = 4.0f / 3.0f;
};

struct RandomCropOptions {
  int size = 0;     // output side; 0 turns the step off
  int padding = 0;  // zeros added on every side before cropping
};

// Each factor is drawn from [max(0, 1 - x), 1 + x]; 0 turns that adjustment off.
struct ColorJitterOptions {
  float brightness = 0;
  float contrast = 0;
  float saturation = 0;
};

struct TransformOptions {
  int channels = 0;     // 1 or 3 converts to that many channels; 0 keeps the dataset's
  int resize = 0;       // shorter side resized to this; 0: off
  int center_crop = 0;  // side of the centred square crop (zero-padded if larger); 0: off
  RandomResizedCropOptions random_resized_crop{};
  RandomCropOptions random_crop{};
  bool horizontal_flip = false;  // flip with probability 1/2
  ColorJitterOptions color_jitter{};
  std::vector<float> mean{};    // per channel, on [0, 1] pixel values; empty: no normalisation
  std::vector<float> stddev{};  // per channel; as many as mean
};

// An image through every step before normalisation but the horizontal flip,
// which normalize_into folds into its copy: mirrored says whether it was drawn.
struct Transformed {
  Image image;
  bool mirrored = false;
};

class Transform {
 public:
  explicit Transform(TransformOptions options = {});

  // Every step before normalisation; rng drives the random ones. drawn: the
  // region plan_source drew for the random-resized crop (from this rng, which
  // then carries on) was decoded, and lies at drawn in image, so that step
  // only resizes that window. A region decoded at 1/2, 1/4 or 1/8 is rounded
  // outwards to whole scaled pixels, so it may reach up to d - 1 source
  // pixels past the drawn crop.
  Image apply(Image image, Rng& rng, std::optional<PixelBox> drawn = std::nullopt) const;
  // apply, with the flip left to normalize_into: the same draws from rng and,
  // once normalised, the same floats, without a pass over the pixels to flip.
  Transformed apply_unflipped(Image image, Rng& rng, std::optional<PixelBox> drawn = std::nullopt) const;
  // What apply will read of an image of size full, for a decoder that can
  // decode less (data/image.h's DecodeRequest). The first step that
  // resamples decides: resize needs the shorter side at least resize, of the
  // whole image; a random-resized crop with nothing before it draws its crop
  // now, from rng, and needs only that region, at least size by size. A crop
  // before any resampling, or no resampling, needs the whole full-size image.
  DecodeRequest plan_source(ImageSize full, Rng& rng) const;
  // plan_source as a decoder's requester, for one sample: cropped records
  // whether it drew the crop, which apply is then told (with where the
  // decoder put it: decode_image's region). rng and cropped must outlive the
  // decode.
  DecodeRequester requester(Rng& rng, bool& cropped) const;
  // Normalises a transformed image into out: channels * height * width floats,
  // (C, H, W); mirrored flips it left to right on the way (apply_unflipped).
  void normalize_into(const Image& image, std::span<float> out, bool mirrored = false) const;

  const TransformOptions& options() const { return options_; }

 private:
  // The region a random-resized crop takes from a height x width image.
  PixelBox resized_crop_box(int height, int width, Rng& rng) const;
  Image random_resized_crop(const Image& image, Rng& rng) const;
  void color_jitter(Image& image, Rng& rng) const;

  TransformOptions options_;
};

// Largest output side any step may ask for.
inline constexpr int kMaxTransformSide = 1 << 13;

}  // namespace minnow::data
