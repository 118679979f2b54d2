// libFuzzer target: YAML configs with `--set` overrides, and their to_yaml round trip.
// The input layout and the checks are in fuzz/harness_files.h (run_config).
#include "fuzz/harness_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  minnow::fuzz::run_config(std::span<const uint8_t>(data, size));
  return 0;
}
