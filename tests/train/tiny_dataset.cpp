// The IDX writer behind write_tiny_dataset.
#include "tests/train/tiny_dataset.h"

#include <fstream>
#include <vector>

#include "core/rng.h"

namespace minnow::test_support {
namespace {

void write_idx(const std::filesystem::path& path, const std::vector<int32_t>& dims, const std::vector<uint8_t>& data) {
  std::ofstream out(path, std::ios::binary);
  const uint8_t magic[4] = {0, 0, 0x08, static_cast<uint8_t>(dims.size())};
  out.write(reinterpret_cast<const char*>(magic), 4);
  for (int32_t d : dims) {
    const uint8_t be[4] = {static_cast<uint8_t>(d >> 24), static_cast<uint8_t>(d >> 16), static_cast<uint8_t>(d >> 8),
                           static_cast<uint8_t>(d)};
    out.write(reinterpret_cast<const char*>(be), 4);
  }
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

}  // namespace

void write_tiny_dataset(const std::filesystem::path& root, const std::string& prefix, int n, uint64_t seed) {
  Rng rng(seed);
  std::vector<uint8_t> images(static_cast<size_t>(n) * 144), labels(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const int label = i % 4;
    labels[static_cast<size_t>(i)] = static_cast<uint8_t>(label);
    for (int y = 0; y < 12; ++y)
      for (int x = 0; x < 12; ++x) {
        const bool lit = (y < 6) == (label < 2) && (x < 6) == (label % 2 == 0);
        images[static_cast<size_t>(i * 144 + y * 12 + x)] = static_cast<uint8_t>((lit ? 160 : 0) + rng.below(80));
      }
  }
  write_idx(root / (prefix + "-images-idx3-ubyte"), {n, 12, 12}, images);
  write_idx(root / (prefix + "-labels-idx1-ubyte"), {n}, labels);
}

void write_tiny_train_and_test(const std::filesystem::path& root) {
  write_tiny_dataset(root, "train", 96, 1);
  write_tiny_dataset(root, "t10k", 32, 2);
}

}  // namespace minnow::test_support
