// A tiny generated IDX dataset for trainer tests: four classes of 12x12 gray images, a
// bright square in one of four corners plus noise, as Fashion-MNIST's file names.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace minnow::test_support {

// Writes <prefix>-images-idx3-ubyte and <prefix>-labels-idx1-ubyte ("train" or "t10k").
void write_tiny_dataset(const std::filesystem::path& root, const std::string& prefix, int n, uint64_t seed);

// The trainer tests' data: 96 training images (seed 1) and 32 test images (seed 2) under root.
void write_tiny_train_and_test(const std::filesystem::path& root);

}  // namespace minnow::test_support
