// Gradient norm in fixed-size chunks: each chunk sums its squares in double on one thread,
// and the chunk sums are added in order, so any thread count gives the same bits.
#include "train/grad_clip.h"

#include <cmath>

#include "core/error.h"

namespace minnow {
namespace {

constexpr int64_t kChunk = 1 << 15;

double sum_of_squares(std::span<const float> values) {
  const auto n = static_cast<int64_t>(values.size());
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> partial(static_cast<size_t>(chunks));
#pragma omp parallel for if (chunks > 1)
  for (int64_t c = 0; c < chunks; ++c) {
    double sum = 0;
    for (int64_t k = c * kChunk; k < std::min(n, (c + 1) * kChunk); ++k) {
      const double v = values[static_cast<size_t>(k)];
      sum += v * v;
    }
    partial[static_cast<size_t>(c)] = sum;
  }
  double total = 0;
  for (const double p : partial) total += p;
  return total;
}

}  // namespace

double grad_norm(const NamedParams& params) {
  double total = 0;
  for (const auto& [name, var] : params) {
    const Tensor& grad = var.grad();
    if (!grad.defined()) continue;
    MINNOW_CHECK(grad.dtype() == DType::f32, "grad_norm: gradient of '", name, "' is ", dtype_name(grad.dtype()),
                 "; expected f32");
    total += sum_of_squares(grad.f32_buffer());
  }
  return std::sqrt(total);
}

double clip_grad_norm(const NamedParams& params, double max_norm) {
  MINNOW_CHECK(max_norm > 0, "clip_grad_norm: max_norm must be > 0, got ", max_norm);
  const double norm = grad_norm(params);
  if (!std::isfinite(norm) || norm <= max_norm) return norm;
  const auto scale = static_cast<float>(max_norm / (norm + 1e-6));
  for (const auto& [name, var] : params) {
    const Tensor& grad = var.grad();
    if (!grad.defined()) continue;
    Tensor scaled(grad.desc());
    const float* g = grad.f32_buffer().data();
    float* s = scaled.f32_buffer().data();
    const auto n = static_cast<int64_t>(grad.f32_buffer().size());
#pragma omp parallel for simd if (n > 65536)
    for (int64_t k = 0; k < n; ++k) s[k] = g[k] * scale;
    var.set_grad(std::move(scaled));
  }
  return norm;
}

}  // namespace minnow
