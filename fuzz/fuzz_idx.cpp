// libFuzzer target: IDX parsing, plain or gzip, and the IDX dataset.
// The input layout and the checks are in fuzz/harness.h (run_idx).
#include "fuzz/harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  minnow::fuzz::run_idx(std::span<const uint8_t>(data, size));
  return 0;
}
