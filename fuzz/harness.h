// The bodies of the libFuzzer targets, header-only so the regression test
// (tests/data/test_fuzz_regression.cpp) replays crash inputs through exactly
// the code the fuzzers ran. Each returns the minnow::Error message when the
// input is rejected and "" when it is accepted; any other outcome (a crash, a
// sanitizer report, another exception type, a broken invariant, a message over
// more than one line) is a bug. The train layer's files are in fuzz/harness_files.h.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/rng.h"
#include "data/cifar.h"
#include "data/decode.h"
#include "data/idx.h"
#include "data/transform.h"
#include "fuzz/rejection.h"

namespace minnow::fuzz {

// First byte: the CIFAR variant; the rest: a .bin file, then also a class-name file.
inline std::string run_cifar(std::span<const uint8_t> input) {
  using namespace data;
  if (input.empty()) return "";
  const auto variant = static_cast<CifarVariant>(input[0] % 3);
  const auto bytes = input.subspan(1);
  std::string rejected;
  try {
    CifarRecords records;
    append_cifar(bytes, variant, "fuzz.bin", records);
    const CifarDataset dataset(std::move(records), variant);
    for (int64_t i = 0; i < dataset.size(); ++i) {
      const auto sample = dataset.get(i);
      if (!sample || sample->label >= dataset.num_classes() || sample->image.bytes() != 32 * 32 * 3) __builtin_trap();
      (void)dataset.source(i);
    }
  } catch (const Error& e) {
    rejected = rejection(e);
  }
  try {
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    (void)parse_class_names(text, cifar_num_classes(variant), "fuzz.txt");
  } catch (const Error&) {
  }
  return rejected;
}

// First two bytes: the length of the images file (little-endian); then the
// images file, then the labels file, each plain or gzip.
inline std::string run_idx(std::span<const uint8_t> input) {
  using namespace data;
  if (input.size() < 2) return "";
  const size_t split = std::min<size_t>(input.size() - 2, size_t{input[0]} | (size_t{input[1]} << 8));
  try {
    IdxArray images = parse_idx(input.subspan(2, split), "images.idx");
    IdxArray labels = parse_idx(input.subspan(2 + split), "labels.idx");
    const IdxDataset dataset(std::move(images), std::move(labels), "images.idx", "labels.idx");
    for (int64_t i = 0; i < std::min<int64_t>(dataset.size(), 64); ++i) {
      const auto sample = dataset.get(i);
      if (!sample || sample->label >= dataset.num_classes()) __builtin_trap();
    }
  } catch (const Error& e) {
    return rejection(e);
  }
  return "";
}

// First byte: knobs choosing the channels and the transforms; the rest: an
// image file. A 1-megapixel cap keeps each run fast, as max_pixels does in training.
inline std::string run_image(std::span<const uint8_t> input) {
  using namespace data;
  if (input.empty()) return "";
  const uint8_t knobs = input[0];
  try {
    const Transform transform({.channels = (knobs & 2) ? 3 : 0,
                               .resize = (knobs & 4) ? 1 + knobs % 37 : 0,
                               .center_crop = (knobs & 8) ? 1 + knobs % 23 : 0,
                               .random_resized_crop = {.size = (knobs & 16) ? 1 + knobs % 29 : 0},
                               .random_crop = {.size = (knobs & 32) ? 8 : 0, .padding = (knobs & 32) ? 4 : 0},
                               .horizontal_flip = true,
                               .color_jitter = {.brightness = (knobs & 64) ? 0.4f : 0.0f,
                                                .contrast = (knobs & 64) ? 0.4f : 0.0f,
                                                .saturation = (knobs & 128) ? 0.4f : 0.0f},
                               .mean = {},
                               .stddev = {}});
    // As the loader does: the JPEG decoder decodes only the region, and at the scale, the transform reads.
    Rng rng(knobs);
    bool cropped = false;
    PixelBox region{};
    const Image image = decode_image(
        input.subspan(1),
        {.channels = (knobs & 1) ? 1 : 3, .max_pixels = 1 << 20, .request = transform.requester(rng, cropped)},
        "fuzz", &region);
    if (image.bytes() != static_cast<size_t>(image.height) * image.width * image.channels) __builtin_trap();
    if (cropped && (region.height <= 0 || region.top < 0 || region.left < 0 ||
                    region.top + region.height > image.height || region.left + region.width > image.width)) {
      __builtin_trap();  // the decoder must place the region it decoded inside its image
    }
    const Image out = transform.apply(image, rng, cropped ? std::optional(region) : std::nullopt);
    std::vector<float> chw(out.bytes());
    transform.normalize_into(out, chw);
  } catch (const Error& e) {
    return rejection(e);
  }
  return "";
}

}  // namespace minnow::fuzz
