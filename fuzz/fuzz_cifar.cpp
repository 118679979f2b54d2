// libFuzzer target: CIFAR binary records and class-name files.
// The input layout and the checks are in fuzz/harness.h (run_cifar).
#include "fuzz/harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  minnow::fuzz::run_cifar(std::span<const uint8_t>(data, size));
  return 0;
}
