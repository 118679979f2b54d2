// Loader throughput: CIFAR-format records with random crop and flip, and a
// folder of 500x375 JPEG files with random-resized crop to 224, both with
// normalisation. The files are generated in a temporary folder first; the
// consumer only takes batches, so the figure is the loader's own rate.
// Usage: bench_loader [cifar_images=10000] [jpeg_images=256] [max_workers=2]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/rng.h"
#include "data/cifar.h"
#include "data/folder.h"
#include "data/loader.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb_image_write.h>
#pragma GCC diagnostic pop

namespace {

namespace fs = std::filesystem;
using namespace minnow;

void write_bytes(const fs::path& path, const std::vector<uint8_t>& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                               static_cast<std::streamsize>(bytes.size()));
}

// test_batch.bin with n records of random labels and pixels.
void write_cifar(const fs::path& dir, int n) {
  Rng rng(1);
  std::vector<uint8_t> bytes(static_cast<size_t>(n) * 3073);
  for (size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<uint8_t>(i % 3073 == 0 ? rng.below(10) : rng.below(256));
  }
  write_bytes(dir / "test_batch.bin", bytes);
}

// n 500x375 photo-like JPEGs (smooth gradients plus noise, quality 90) in 10 classes.
void write_jpegs(const fs::path& dir, int n) {
  Rng rng(2);
  const int w = 500;
  const int h = 375;
  std::vector<uint8_t> pixels(static_cast<size_t>(w) * h * 3);
  for (int i = 0; i < n; ++i) {
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        for (int c = 0; c < 3; ++c) {
          const int smooth = (x * (c + 1) + y * (3 - c) + i * 37) % 256;
          const int noise = static_cast<int>(rng.below(40)) - 20;
          pixels[(static_cast<size_t>(y) * w + x) * 3 + c] = static_cast<uint8_t>(std::clamp(smooth + noise, 0, 255));
        }
      }
    }
    std::vector<uint8_t> jpeg;
    auto sink = [](void* context, void* data, int size) {
      auto* out = static_cast<std::vector<uint8_t>*>(context);
      out->insert(out->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
    };
    stbi_write_jpg_to_func(sink, &jpeg, w, h, 3, pixels.data(), 90);
    write_bytes(dir / ("class" + std::to_string(i % 10)) / ("img" + std::to_string(i) + ".jpg"), jpeg);
  }
}

// Images per second over `epochs` full epochs, after one warm-up epoch.
double images_per_second(std::shared_ptr<const data::Dataset> dataset, const data::TransformOptions& transform,
                         int batch_size, int workers, int epochs) {
  data::Loader loader(std::move(dataset), transform, {.batch_size = batch_size, .workers = workers, .seed = 7});
  loader.begin_epoch(0);
  while (loader.next()) {
  }
  int64_t images = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    loader.begin_epoch(epoch);
    while (auto batch = loader.next()) images += batch->size();
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  return static_cast<double>(images) / elapsed.count();
}

}  // namespace

int main(int argc, char** argv) {
  const int cifar_images = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int jpeg_images = argc > 2 ? std::atoi(argv[2]) : 256;
  const int max_workers = argc > 3 ? std::atoi(argv[3]) : 2;
  const fs::path root = fs::temp_directory_path() / ("minnow-bench-loader-" + std::to_string(::getpid()));
  fs::remove_all(root);

  write_cifar(root / "cifar", cifar_images);
  const auto cifar = data::open_cifar(root / "cifar", data::CifarVariant::cifar10, data::Split::test);
  const data::TransformOptions cifar_transform{.random_crop = {.size = 32, .padding = 4},
                                               .horizontal_flip = true,
                                               .mean = {0.4914f, 0.4822f, 0.4465f},
                                               .stddev = {0.2470f, 0.2435f, 0.2616f}};
  for (int workers = 1; workers <= max_workers; ++workers) {
    const double rate = images_per_second(cifar, cifar_transform, 128, workers, 3);
    std::printf("cifar %d images, random crop 32 pad 4 + flip + normalize, batch 128, %d worker(s): %.0f images/s "
                "(%.0f per worker)\n", cifar_images, workers, rate, rate / workers);
  }

  write_jpegs(root / "jpeg", jpeg_images);
  const auto jpegs = std::make_shared<data::FolderDataset>(root / "jpeg");
  const data::TransformOptions jpeg_transform{.random_resized_crop = {.size = 224},
                                              .horizontal_flip = true,
                                              .mean = {0.485f, 0.456f, 0.406f},
                                              .stddev = {0.229f, 0.224f, 0.225f}};
  for (int workers = 1; workers <= max_workers; ++workers) {
    const double rate = images_per_second(jpegs, jpeg_transform, 32, workers, 2);
    std::printf("jpeg %d files 500x375, random-resized crop 224 + flip + normalize, batch 32, %d worker(s): "
                "%.0f images/s (%.0f per worker)\n", jpeg_images, workers, rate, rate / workers);
  }
  fs::remove_all(root);
  return 0;
}
