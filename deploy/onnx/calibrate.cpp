// calibrate_qoperator: one int8 forward that shows each fused-sum conv its input; a copy of
// that conv with no post-op and an f32 output gives the branch.
#include "deploy/onnx/calibrate.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"

namespace minnow::onnx_export {

namespace {

// Each image's largest |value| in values (N images of equal size, in order).
std::vector<float> image_maxima(const std::vector<float>& values, int64_t images) {
  MINNOW_CHECK(images > 0 && !values.empty(), "export: calibration measured no values");
  const size_t per_image = values.size() / static_cast<size_t>(images);
  std::vector<float> out(static_cast<size_t>(images), 0.f);
  for (size_t i = 0; i < values.size(); ++i) out[i / per_image] = std::max(out[i / per_image], std::abs(values[i]));
  return out;
}

// The q-th percentile (0 < q <= 100) of values.
float percentile(std::vector<float> values, double q) {
  const auto k = static_cast<size_t>(std::ceil(q / 100.0 * static_cast<double>(values.size()))) - 1;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
  return values[k];
}

// A range is the 95th percentile of the images' maxima: a few outlier images do not stretch it
// (a trained ShuffleNet v1 gave logits of 1000-4600 on 2-3% of images, about 10 elsewhere;
// the maximum made the other images' top classes ties), and they saturate instead.
constexpr double kImagePercentile = 95.0;
constexpr float kLogitsHeadroom = 1.25f;

}  // namespace

Calibration calibrate_qoperator(const Int8Model& model, const Tensor& images) {
  Calibration c;
  if (!images.defined()) return c;
  const int64_t n = images.dim(0);
  std::map<std::string, std::vector<float>> branch_maxima;
  const Tensor logits = model.forward(images, [&](const Int8Step& s, const std::vector<QTensor>& inputs) {
    if (s.kind != Int8Step::Kind::conv || inputs.size() < 2) return;
    Int8ConvOptions o = s.conv->options();
    o.out_type = DType::f32;
    o.post_op = Int8PostOp::none;
    o.residual_type = std::nullopt;
    branch_maxima[s.name] = image_maxima(dequantize(Int8Conv(o).forward(inputs[0])).to_plain(), n);
  });
  const float range = percentile(image_maxima(logits.to_plain(), n), kImagePercentile);
  MINNOW_CHECK(range > 0.f, "export: the calibration images give all-zero logits");
  c.logits_scale = kLogitsHeadroom * range / 127.f;
  for (auto& [name, maxima] : branch_maxima)
    c.branch_scale[name] = std::max(percentile(std::move(maxima), kImagePercentile), 1e-6f) / 127.f;
  return c;
}

}  // namespace minnow::onnx_export
