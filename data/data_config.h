// What the trainer fills in to get its data: one plain struct naming the
// format, the folder, the transforms and the loader settings, and the factory
// that builds the datasets and loaders from it. Parsing YAML into this struct
// belongs to train/, not here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "data/dataset.h"
#include "data/loader.h"
#include "data/transform.h"

namespace minnow::data {

enum class DataFormat { cifar10, cifar100, idx, folder };

struct DataConfig {
  DataFormat format = DataFormat::cifar10;
  // cifar10 / cifar100: the folder of .bin files; idx: the folder of
  // {train,t10k}-*-ubyte[.gz] files; folder: the training root/<class>/ folder.
  std::string root{};
  std::string val_root{};  // folder only: a separate validation root/<class>/ folder
  // > 0: hold out this fraction of every training class as validation
  // (picked by split_seed). Otherwise validation is the test split (cifar,
  // idx), val_root (folder), or absent (folder without val_root).
  double val_fraction = 0;
  uint64_t split_seed = 0;
  bool cifar100_coarse = false;  // cifar100: the 20 coarse labels instead of the 100 fine ones
  int channels = 0;              // 1 or 3 converts every image; 0 keeps the data's own (folder: 3)
  BadImagePolicy on_bad_image = BadImagePolicy::error;
  int64_t max_pixels = 64'000'000;  // folder: larger images count as bad
  int64_t cache_bytes = 0;          // folder: decoded images kept in memory up to this; 0: none
  TransformOptions train_transform{};
  TransformOptions val_transform{};
  LoaderOptions loader{};  // the validation loader uses the same settings without shuffle or drop_last
};

struct DataPipeline {
  std::shared_ptr<const Dataset> train;
  std::shared_ptr<const Dataset> val;  // null when there is no validation data
  std::unique_ptr<Loader> train_loader;
  std::unique_ptr<Loader> val_loader;  // null when val is

  // Distinct bad images skipped so far (train and val share the count).
  int64_t skipped_images() const { return train->skipped(); }
};

DataPipeline make_data(const DataConfig& config);

const char* format_name(DataFormat format);

}  // namespace minnow::data
