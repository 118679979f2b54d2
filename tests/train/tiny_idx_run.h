// The config the compression CLI tests (minnow prune, minnow adapt) start from: a
// mobilenet_v1 0.25 on an IDX folder of random 28x28 gray images labelled i % 10.
#pragma once

#include <cstdint>

#include "tests/support/python.h"
#include "train/config.h"

namespace minnow::test_support {

// Writes folder/idx with train_images training and 10 test images (Rng(seed), training
// images first) and returns a config that trains on it: batches of 5, no workers, one
// epoch, output folder/run.
Config tiny_idx_run(const ScratchDir& folder, int train_images, uint64_t seed);

}  // namespace minnow::test_support
