// The Dataset interface every format implements (CIFAR, IDX, image folders,
// and the subset and cache wrappers): indexed samples of 8-bit (H, W, C)
// images with integer labels and class names. Transforms and batching live
// elsewhere (data/transform.h, data/loader.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "data/image.h"

namespace minnow::data {

struct Sample {
  Image image;
  int32_t label = 0;
  // From get_partial, when the decoder asked its requester and decoded just
  // that region: where the region lies in image, which may hold a margin of
  // decoded pixels around it (decode_image's region). 0 x 0 otherwise.
  PixelBox region{};
};

// Which part of a dataset with a fixed train/test division to read.
enum class Split { train, test };

// What an image that cannot be read or decoded does: stop the run with the
// file name, or be logged once, counted and left out of its batch.
enum class BadImagePolicy { error, skip };

class Dataset {
 public:
  virtual ~Dataset() = default;

  virtual int64_t size() const = 0;
  // One name per class; num_classes() is their count and labels lie in [0, num_classes()).
  virtual const std::vector<std::string>& class_names() const = 0;
  int num_classes() const { return static_cast<int>(class_names().size()); }
  // Channels of every image get() returns (1 or 3).
  virtual int channels() const = 0;
  // The label of sample index, without decoding its image.
  virtual int32_t label(int64_t index) const = 0;
  // Sample index, or nullopt when its image is bad and the policy is skip.
  // Safe to call from several threads at once.
  virtual std::optional<Sample> get(int64_t index) const = 0;
  // As get(index), but a decoder that can decode part of an image at a
  // reduced scale (JPEG files in folders) asks request what to decode and
  // returns only that (data/image.h's DecodeRequest). The default never asks.
  virtual std::optional<Sample> get_partial(int64_t index, const DecodeRequester& request) const {
    (void)request;
    return get(index);
  }
  // Where sample index comes from, for messages: a file path, or a file and record.
  virtual std::string source(int64_t index) const = 0;
  // How many distinct images have been skipped as bad so far.
  virtual int64_t skipped() const { return 0; }
};

// Every get() and label() starts with this bounds check; who names the dataset kind.
inline void check_index(int64_t index, int64_t size, const char* who) {
  MINNOW_CHECK(index >= 0 && index < size, who, ": index ", index, " out of range, expected 0..", size - 1);
}

}  // namespace minnow::data
