// A run's test images as `minnow eval` reads them: the config's test split through the same
// data pipeline and evaluation transform, in dataset order, with their labels.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace minnow::test_support {

struct RunImages {
  Tensor images;                // (N, C, H, W) f32, plain
  std::vector<int32_t> labels;  // N
};
RunImages run_test_images(const std::string& config_path);

}  // namespace minnow::test_support
