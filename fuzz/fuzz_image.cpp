// libFuzzer target: image decoding (JPEG through libjpeg-turbo, PNG and BMP through
// stb_image) and the transform pipeline.
// The input layout and the checks are in fuzz/harness.h (run_image).
#include "fuzz/harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  minnow::fuzz::run_image(std::span<const uint8_t>(data, size));
  return 0;
}
