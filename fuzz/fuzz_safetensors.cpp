// libFuzzer target: safetensors decoding, its writer's round trip and the model section exports record.
// The input layout and the checks are in fuzz/harness_files.h (run_safetensors).
#include "fuzz/harness_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  minnow::fuzz::run_safetensors(std::span<const uint8_t>(data, size));
  return 0;
}
