// libFuzzer target: checkpoint files: checksum, config, model weights, optimizer and RNG state.
// The input layout and the checks are in fuzz/harness_files.h (run_checkpoint).
#include "fuzz/harness_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  minnow::fuzz::run_checkpoint(std::span<const uint8_t>(data, size));
  return 0;
}
