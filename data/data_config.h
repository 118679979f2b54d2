// What the trainer fills in to get its data: one plain struct naming the
// format, the folder, the transforms and the loader settings, and the factory
// that builds the datasets and loaders from it. Parsing YAML into this struct
// belongs to train/, not here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/decode.h"
#include "data/loader.h"
#include "data/transform.h"

namespace minnow::data {

enum class DataFormat { cifar10, cifar100, idx, folder };

struct DataConfig {
  DataFormat format = DataFormat::cifar10;
  // cifar10 / cifar100: the folder of .bin files; idx: the folder of
  // {train,t10k}-*-ubyte[.gz] files; folder: the training root/<class>/ folder.
  std::string root{};
  // The held-out data. folder: a root/<class>/ folder; cifar: the folder holding the
  // test batch (test_batch.bin, test.bin) or that file itself; idx: the folder holding
  // the t10k-* files. Empty: cifar and idx read root's test split, folder has none.
  std::string val_root{};
  // > 0: hold out this fraction of every training class as validation
  // (picked by split_seed) instead.
  double val_fraction = 0;
  uint64_t split_seed = 0;
  bool cifar100_coarse = false;  // cifar100: the 20 coarse labels instead of the 100 fine ones
  // cifar, idx: the classes' names, one per label (over CIFAR's meta file); empty: the
  // meta file's or "0", "1", ... The folder format's names are its class folders.
  std::vector<std::string> class_names{};
  int channels = 0;              // 1 or 3 converts every image; 0 keeps the data's own (folder: 3)
  BadImagePolicy on_bad_image = BadImagePolicy::error;
  int64_t max_pixels = kDefaultMaxPixels;  // folder: larger images count as bad
  int64_t cache_bytes = 0;          // folder: decoded images kept in memory up to this; 0: none
  TransformOptions train_transform{};
  TransformOptions val_transform{};
  LoaderOptions loader{};  // the validation loader: the same without shuffle, drop_last or padded shards
};

struct DataPipeline {
  std::shared_ptr<const Dataset> train;
  std::shared_ptr<const Dataset> val;  // null when there is no validation data
  std::unique_ptr<Loader> train_loader;
  std::unique_ptr<Loader> val_loader;  // null when val is

  // The datasets read from disk (one, or two with a separate validation
  // source); train and val are views of them.
  std::vector<std::shared_ptr<const Dataset>> sources;

  // Distinct bad images skipped so far, train and validation together.
  int64_t skipped_images() const;
};

DataPipeline make_data(const DataConfig& config);

const char* format_name(DataFormat format);

}  // namespace minnow::data
