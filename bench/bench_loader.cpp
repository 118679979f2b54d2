// Loader throughput: CIFAR-format records with random crop and flip, and a
// folder of 500x375 JPEG files with random-resized crop to 224 and to 112
// (each also with whole-image decoding, data.jpeg_partial_decode off), all
// with normalisation. The files
// are generated first; the consumer only takes batches, so the figure is the
// loader's own rate. bench/compare_loader.py runs this against torchvision.
// Usage: bench_loader [cifar_images=10000] [jpeg_images=256] [max_workers=2] [jpeg_dir]
//   cifar_images 0 skips CIFAR; jpeg_dir keeps the JPEG folder there (for torchvision to
//   read the same files) instead of in a temporary folder that is removed.
#include <time.h>
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

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

struct Rate {
  double per_second;      // images per wall-clock second
  double per_cpu_second;  // images per CPU second of the whole process: a worker's rate on an idle core
};

// Rates over `epochs` full epochs, after one warm-up epoch.
Rate measure(std::shared_ptr<const data::Dataset> dataset, const data::TransformOptions& transform, int batch_size,
             int workers, int epochs, bool partial_decode = true) {
  data::Loader loader(std::move(dataset), transform,
                      {.batch_size = batch_size, .workers = workers, .seed = 7, .jpeg_partial_decode = partial_decode});
  loader.begin_epoch(0);
  while (loader.next()) {
  }
  int64_t images = 0;
  const double cpu_start = cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    loader.begin_epoch(epoch);
    while (auto batch = loader.next()) images += batch->size();
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  const auto n = static_cast<double>(images);
  return {.per_second = n / elapsed.count(), .per_cpu_second = n / (cpu_seconds() - cpu_start)};
}

void report(const char* what, int workers, const Rate& rate) {
  std::printf("%s, %d worker(s): %.0f images/s wall (%.0f per worker), %.0f images per CPU-second\n", what, workers,
              rate.per_second, rate.per_second / workers, rate.per_cpu_second);
}

}  // namespace

int main(int argc, char** argv) {
  const int cifar_images = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int jpeg_images = argc > 2 ? std::atoi(argv[2]) : 256;
  const int max_workers = argc > 3 ? std::atoi(argv[3]) : 2;
  const bool keep_jpegs = argc > 4;
  const fs::path root = fs::temp_directory_path() / ("minnow-bench-loader-" + std::to_string(::getpid()));
  const fs::path jpeg_dir = keep_jpegs ? fs::path(argv[4]) : root / "jpeg";
  fs::remove_all(root);

  if (cifar_images > 0) {
    write_cifar(root / "cifar", cifar_images);
    const auto cifar = data::open_cifar(root / "cifar", data::CifarVariant::cifar10, data::Split::test);
    const data::TransformOptions cifar_transform{.random_crop = {.size = 32, .padding = 4},
                                                 .horizontal_flip = true,
                                                 .mean = {0.4914f, 0.4822f, 0.4465f},
                                                 .stddev = {0.2470f, 0.2435f, 0.2616f}};
    for (int workers = 1; workers <= max_workers; ++workers) {
      report("cifar, random crop 32 pad 4 + flip + normalize, batch 128", workers,
             measure(cifar, cifar_transform, 128, workers, 3));
    }
  }

  if (!fs::exists(jpeg_dir)) write_jpegs(jpeg_dir, jpeg_images);
  const auto jpegs = std::make_shared<data::FolderDataset>(jpeg_dir);
  const auto jpeg_transform = [](int size) {
    return data::TransformOptions{.random_resized_crop = {.size = size},
                                  .horizontal_flip = true,
                                  .mean = {0.485f, 0.456f, 0.406f},
                                  .stddev = {0.229f, 0.224f, 0.225f}};
  };
  // Where a worker's time goes: decoding alone, on the calling thread.
  const double decode_start = cpu_seconds();
  for (int64_t i = 0; i < jpegs->size(); ++i) (void)jpegs->get(i);
  std::printf("jpeg 500x375, read + decode only: %.0f images per CPU-second\n",
              static_cast<double>(jpegs->size()) / (cpu_seconds() - decode_start));
  for (int workers = 1; workers <= max_workers; ++workers) {
    report("jpeg 500x375, random-resized crop 224 + flip + normalize, batch 32", workers,
           measure(jpegs, jpeg_transform(224), 32, workers, 2));
  }
  // The same with every image decoded whole, and at a low resolution, where most crops also
  // leave room to decode at 1/2 or 1/4.
  report("jpeg 500x375, random-resized crop 224 + flip + normalize, batch 32, whole-image decode", 1,
         measure(jpegs, jpeg_transform(224), 32, 1, 2, false));
  report("jpeg 500x375, random-resized crop 112 + flip + normalize, batch 32, whole-image decode", 1,
         measure(jpegs, jpeg_transform(112), 32, 1, 2, false));
  report("jpeg 500x375, random-resized crop 112 + flip + normalize, batch 32, partial decode", 1,
         measure(jpegs, jpeg_transform(112), 32, 1, 2, true));
  fs::remove_all(root);
  return 0;
}
