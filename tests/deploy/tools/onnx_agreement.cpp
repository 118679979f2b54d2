// onnx_agreement CONFIG MODEL.onnx LOGITS.safetensors: runs an exported model in OpenCV 4.6's
// DNN module on the run's test images (as `minnow eval` prepares them, in batches of 256)
// and compares it with the logits `minnow eval --save-logits` wrote. Prints one JSON line:
// images, OpenCV's top-1 accuracy, minnow's, the top-1 agreement between them (%), and the
// largest |difference| over the largest |logit|. The measurements in docs/deploy.md use it.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>

#include "core/safetensors.h"
#include "tests/deploy/opencv_net.h"
#include "tests/deploy/run_images.h"

namespace {

int64_t argmax(const float* row, int64_t k) { return std::max_element(row, row + k) - row; }

}  // namespace

int main(int argc, char** argv) {
  using namespace minnow;
  if (argc != 4) {
    std::fprintf(stderr, "usage: onnx_agreement CONFIG MODEL.onnx LOGITS.safetensors\n");
    return 2;
  }
  try {
    const test_support::RunImages data = test_support::run_test_images(argv[1]);
    const std::vector<float> ref = load_safetensors(argv[3]).at("logits").to_plain();
    const Dims d = data.images.dims();
    const int64_t n = d[0], k = static_cast<int64_t>(ref.size()) / n;
    const std::vector<float> all = data.images.to_plain();
    const int64_t per_image = d[1] * d[2] * d[3];
    std::vector<float> got;
    for (int64_t start = 0; start < n; start += 256) {
      const int64_t b = std::min<int64_t>(256, n - start);
      const Tensor batch = Tensor::from_plain(
          {b, d[1], d[2], d[3]}, std::span<const float>(all.data() + start * per_image, static_cast<size_t>(b * per_image)));
      const std::vector<float> out = test_support::opencv_forward(argv[2], batch);
      got.insert(got.end(), out.begin(), out.end());
    }
    if (got.size() != ref.size()) {
      std::fprintf(stderr, "onnx_agreement: error: OpenCV gave %zu logits, %s holds %zu\n", got.size(), argv[3],
                   ref.size());
      return 1;
    }
    int64_t agree = 0, opencv_right = 0, minnow_right = 0;
    double diff = 0, scale = 0;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t a = argmax(got.data() + i * k, k), b = argmax(ref.data() + i * k, k);
      agree += a == b;
      opencv_right += a == data.labels[static_cast<size_t>(i)];
      minnow_right += b == data.labels[static_cast<size_t>(i)];
    }
    for (size_t i = 0; i < ref.size(); ++i) {
      diff = std::max(diff, static_cast<double>(std::abs(got[i] - ref[i])));
      scale = std::max(scale, static_cast<double>(std::abs(ref[i])));
    }
    const auto percent = [n](int64_t c) { return 100.0 * static_cast<double>(c) / static_cast<double>(n); };
    const nlohmann::json out = {{"images", n},
                                {"opencv_top1", percent(opencv_right)},
                                {"minnow_top1", percent(minnow_right)},
                                {"top1_agreement", percent(agree)},
                                {"max_relative_error", diff / scale}};
    std::printf("%s\n", out.dump().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "onnx_agreement: error: %s\n", e.what());
    return 1;
  }
}
