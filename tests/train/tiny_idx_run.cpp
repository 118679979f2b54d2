#include "tests/train/tiny_idx_run.h"

#include "tests/data/data_files.h"

namespace minnow::test_support {

Config tiny_idx_run(const ScratchDir& folder, int train_images, uint64_t seed) {
  Rng rng(seed);
  const auto idx = folder.path() / "idx";
  testing::write_random_idx(idx, "train", train_images, rng);
  testing::write_random_idx(idx, "t10k", 10, rng);
  Config config;
  config.model = {{.name = "mobilenet_v1", .width = 0.25f, .num_classes = 10, .in_channels = 1, .small_input = true},
                  28};
  config.data.format = DataFormat::idx;
  config.data.train = {idx.string()};
  config.data.batch_size = 5;
  config.data.workers = 0;
  config.epochs = 1;
  config.output = folder.file("run");
  return config;
}

}  // namespace minnow::test_support
