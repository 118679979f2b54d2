// The factory behind DataConfig: opens the format's train and validation
// datasets, applies the cache and the split, and starts one loader for each.
#include "data/data_config.h"

#include "core/error.h"
#include "data/cache.h"
#include "data/cifar.h"
#include "data/folder.h"
#include "data/idx.h"
#include "data/subset.h"

namespace minnow::data {
namespace {

using DatasetPtr = std::shared_ptr<const Dataset>;

DatasetPtr open_folder(const std::string& root, const DataConfig& config) {
  const FolderOptions options{.channels = config.channels == 0 ? 3 : config.channels,
                              .on_bad_image = config.on_bad_image,
                              .max_pixels = config.max_pixels};
  DatasetPtr dataset = std::make_shared<FolderDataset>(root, options);
  if (config.cache_bytes > 0) dataset = std::make_shared<CachedDataset>(dataset, config.cache_bytes);
  return dataset;
}

DatasetPtr open_split(const DataConfig& config, Split split) {
  const std::string& path = split == Split::test && !config.val_root.empty() ? config.val_root : config.root;
  switch (config.format) {
    case DataFormat::cifar10: return open_cifar(path, CifarVariant::cifar10, split, config.class_names);
    case DataFormat::cifar100:
      return open_cifar(path, config.cifar100_coarse ? CifarVariant::cifar100_coarse : CifarVariant::cifar100_fine,
                        split, config.class_names);
    case DataFormat::idx: return open_idx(path, split, 0, config.class_names);
    case DataFormat::folder: return open_folder(path, config);
  }
  MINNOW_FAIL("data: unknown format ", static_cast<int>(config.format));
}

// A transform that also converts channels when the config asks for it.
TransformOptions with_channels(TransformOptions transform, const DataConfig& config) {
  if (transform.channels == 0) transform.channels = config.channels;
  return transform;
}

}  // namespace

const char* format_name(DataFormat format) {
  switch (format) {
    case DataFormat::cifar10: return "cifar10";
    case DataFormat::cifar100: return "cifar100";
    case DataFormat::idx: return "idx";
    case DataFormat::folder: return "folder";
  }
  return "?";
}

int64_t DataPipeline::skipped_images() const {
  int64_t total = 0;
  for (const auto& source : sources) total += source->skipped();
  return total;
}

DataPipeline make_data(const DataConfig& config) {
  MINNOW_CHECK(!config.root.empty(), "data: root is empty; set it to the ", format_name(config.format),
               " data folder");
  MINNOW_CHECK(config.class_names.empty() || config.format != DataFormat::folder, "data: class_names are the ",
               "class folders' names in the folder format; expected none, got ", config.class_names.size());
  MINNOW_CHECK(config.val_fraction >= 0 && config.val_fraction < 1, "data: val_fraction ", config.val_fraction,
               ", expected 0 <= val_fraction < 1");
  MINNOW_CHECK(config.val_fraction == 0 || config.val_root.empty(), "data: give val_root or val_fraction, not both");
  DataPipeline pipeline;
  DatasetPtr train = open_split(config, Split::train);
  pipeline.sources.push_back(train);
  if (config.val_fraction > 0) {
    auto parts = split_by_class(train, config.val_fraction, config.split_seed);
    pipeline.train = parts.train;
    pipeline.val = parts.val;
  } else {
    pipeline.train = train;
    if (config.format != DataFormat::folder || !config.val_root.empty()) {
      pipeline.val = open_split(config, Split::test);
      pipeline.sources.push_back(pipeline.val);
    }
  }
  if (pipeline.val != nullptr) {
    MINNOW_CHECK(pipeline.val->class_names() == pipeline.train->class_names(), "data: ", config.val_root,
                 " has ", pipeline.val->num_classes(), " classes that differ from the ",
                 pipeline.train->num_classes(), " of ", config.root, "; both need the same class folders");
  }
  pipeline.train_loader =
      std::make_unique<Loader>(pipeline.train, with_channels(config.train_transform, config), config.loader);
  if (pipeline.val != nullptr) {
    LoaderOptions val_options = config.loader;
    val_options.shuffle = false;
    val_options.drop_last = false;
    val_options.pad_shards = false;  // a sharded evaluation sees every image exactly once
    val_options.keep_empty_batches = false;
    pipeline.val_loader =
        std::make_unique<Loader>(pipeline.val, with_channels(config.val_transform, config), val_options);
  }
  return pipeline;
}

}  // namespace minnow::data
