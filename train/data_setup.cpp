// The translation is plain field mapping plus three rules: every pipeline ends at
// model.resolution (a random crop when configured, else a centre crop); with resize 0
// an image's shorter side is first brought to the crop's side, so that an image of any
// size reaches the model whole (a random-resized crop takes the image as it is); and
// evaluation never uses the random steps.
#include "train/data_setup.h"

#include <filesystem>

#include "core/error.h"

namespace minnow {
namespace {

std::vector<float> floats(const std::vector<double>& values) { return {values.begin(), values.end()}; }

void check_path(const std::string& key, const std::string& path) {
  MINNOW_CHECK(std::filesystem::exists(path), "config: ", key, ": path '", path, "' does not exist");
}

}  // namespace

data::TransformOptions eval_transform(const Config& c) {
  const auto& t = c.data.transforms;
  const int crop = t.crop > 0 ? t.crop : c.model.resolution;
  return {.channels = static_cast<int>(c.model.in_channels),
          .resize = t.resize > 0 ? t.resize : crop,
          .center_crop = crop,
          .mean = floats(t.mean),
          .stddev = floats(t.std)};
}

data::DataConfig to_data_config(const Config& c) {
  const auto& d = c.data;
  const auto& t = d.transforms;
  MINNOW_CHECK(d.train.size() == 1, "config: data.train: expected one path (the dataset folder), got ",
               d.train.size());
  MINNOW_CHECK(d.test.size() <= 1, "config: data.test: expected at most one path, got ", d.test.size());
  check_path("data.train", d.train[0]);
  if (!d.test.empty()) check_path("data.test", d.test[0]);

  data::DataConfig out;
  out.format = d.format;
  out.root = d.train[0];
  out.val_root = d.test.empty() ? "" : d.test[0];
  out.val_fraction = d.val_split;
  out.split_seed = static_cast<uint64_t>(c.seed);
  out.cifar100_coarse = d.cifar100_label == Cifar100Label::coarse;
  out.class_names = d.class_names;
  out.channels = static_cast<int>(c.model.in_channels);
  out.on_bad_image = d.on_bad_image;
  out.max_pixels = d.max_pixels;
  out.cache_bytes = d.cache ? int64_t{4} << 30 : 0;

  const int size = c.model.resolution;
  const data::TransformOptions eval = eval_transform(c);
  data::TransformOptions train = eval;
  if (t.random_resized_crop.enabled) {
    train.resize = t.resize;
    train.center_crop = 0;
    train.random_resized_crop = {.size = size,
                                 .scale_min = static_cast<float>(t.random_resized_crop.scale[0]),
                                 .scale_max = static_cast<float>(t.random_resized_crop.scale[1]),
                                 .ratio_min = static_cast<float>(t.random_resized_crop.ratio[0]),
                                 .ratio_max = static_cast<float>(t.random_resized_crop.ratio[1])};
  } else if (t.random_crop_padding > 0) {
    train.random_crop = {.size = size, .padding = t.random_crop_padding};
  }
  train.horizontal_flip = t.hflip;
  train.color_jitter = {.brightness = static_cast<float>(t.color_jitter.brightness),
                        .contrast = static_cast<float>(t.color_jitter.contrast),
                        .saturation = static_cast<float>(t.color_jitter.saturation)};
  out.train_transform = train;
  out.val_transform = eval;
  out.loader = {.batch_size = d.batch_size,
                .workers = d.workers,
                .prefetch = d.prefetch,
                .shuffle = true,
                .drop_last = d.drop_last,
                .seed = static_cast<uint64_t>(c.seed),
                .jpeg_partial_decode = d.jpeg_partial_decode};
  return out;
}

}  // namespace minnow
