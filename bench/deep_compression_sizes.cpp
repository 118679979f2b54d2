// deep_compression_sizes: the Deep Compression pipeline's size arithmetic for every zoo model
// (Han et al. 2016): each conv and linear weight magnitude-pruned to a sparsity (per layer, the
// prune: section's layer scope), then weight-shared to 2^bits centroids by k-means (the share:
// section's clustering, zeros pinned), and its parameter bytes counted as float32, as the dense
// k-bit form `minnow export --format shared` writes, and as the sparse relative-index form.
// The models are the zoo's at ImageNet size with their own random initialisation: sizes depend
// on shapes, sparsity and bits, and only the sparse form's filler entries on where zeros fall.
//   deep_compression_sizes [--sparsity 0.75] [--bits 4] [--models a,b,...]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "models/zoo.h"
#include "train/prune/magnitude_masks.h"
#include "train/prune/pruned_weights.h"
#include "train/share/share_hook.h"
#include "train/share/shared_size.h"

namespace {

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

double mib(int64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

}  // namespace

int main(int argc, char** argv) {
  double sparsity = 0.75;
  int bits = 4;
  std::vector<std::string> models = {"mobilenet_v1", "mobilenet_v2",      "mobilenet_v3_small", "mobilenet_v3_large",
                                     "shufflenet_v1", "shufflenet_v2_x1_0", "squeezenet1_1",      "resnet18",
                                     "resnet50",      "mnasnet1_0",        "efficientnet_b0",    "xception",
                                     "googlenet",     "densenet121"};
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--sparsity")) sparsity = std::atof(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--bits")) bits = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--models")) models = split(argv[i + 1]);
    else {
      std::fprintf(stderr, "deep_compression_sizes: error: unknown argument '%s'\n", argv[i]);
      return 1;
    }
  }
  std::printf("every conv and linear weight pruned to %.0f%% zeros (per layer), then shared at %d bits\n\n",
              100 * sparsity, bits);
  std::printf("| model | parameters | float32 | dense %d-bit + codebooks | ratio | sparse relative index | ratio |\n",
              bits);
  std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
  for (const std::string& name : models) {
    try {
      auto model = minnow::create_model({.name = name});
      const auto pruned = minnow::attach_weight_masks(*model, {});
      minnow::update_magnitude_masks(pruned, minnow::PruneScope::layer, sparsity);
      for (const auto& p : pruned) p.mask->multiply(p.weight.data(), p.weight.data());
      minnow::ShareHook share({.enabled = true, .bits = bits, .exclude = {}, .start_epoch = 0});
      share.on_model(*model);
      const minnow::SharedSize s = minnow::shared_size(*model);
      std::printf("| %s | %lld | %.2f MiB | %.2f MiB | %.1fx | %.2f MiB | %.1fx |\n", name.c_str(),
                  static_cast<long long>(s.float_bytes() / 4), mib(s.float_bytes()), mib(s.shared_bytes()),
                  static_cast<double>(s.float_bytes()) / static_cast<double>(s.shared_bytes()), mib(s.sparse_bytes()),
                  static_cast<double>(s.float_bytes()) / static_cast<double>(s.sparse_bytes()));
    } catch (const std::exception& e) {
      std::printf("| %s | failed: %s | | | | | |\n", name.c_str(), e.what());
    }
  }
  return 0;
}
