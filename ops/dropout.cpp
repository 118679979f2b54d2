// dropout forward and backward over the physical buffer (any layout; padding stays zero).
// keep_i = (u_i >= p) with u_i uniform in [0, 1), s = 1 / (1 - p):
// y_i = keep_i ? s x_i : 0,   dx_i = keep_i ? s dy_i : 0. A bf16 x is taken in f32 (y is f32).
#include "ops/dropout.h"

#include <cstdint>
#include <memory>
#include <vector>

#include "core/compute_type.h"
#include "core/error.h"
#include "core/tape.h"

namespace minnow {
namespace {

// What dropout's backward reads: which elements were kept, and the scale s.
struct DropoutSaved {
  std::shared_ptr<std::vector<uint8_t>> keep;  // one per element of x's buffer
  float scale;
  dnnl::memory::desc y_md, x_md;               // dy is read in y's layout; dx goes back to x's
};

std::vector<Tensor> dropout_backward(const DropoutSaved& saved, const std::vector<Tensor>& dy,
                                     const std::vector<bool>& need);

}  // namespace

Var dropout(const Var& x, float p, bool training, Rng& rng) {
  MINNOW_CHECK(p >= 0.0f && p <= 1.0f, "dropout: probability p must be in [0, 1], got ", p);
  MINNOW_CHECK(x.data().dtype() == DType::f32 || x.data().dtype() == DType::bf16,
               "dropout: expected an f32 or bf16 input, got ", dtype_name(x.data().dtype()));
  if (!training || p == 0.0f) return x;
  const float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  const Tensor x32 = as_f32(x.data());
  const std::span<const float> xs = x32.f32_buffer();
  Tensor y(x32.desc());  // x's dims and layout, f32
  const std::span<float> ys = y.f32_buffer();
  auto keep = std::make_shared<std::vector<uint8_t>>(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    (*keep)[i] = rng.uniform() >= p;
    ys[i] = (*keep)[i] ? scale * xs[i] : 0.0f;
  }
  if (!should_record({x})) return record_op("dropout", {x}, y, nullptr);
  return record_op("dropout", {x}, y, [saved = DropoutSaved{std::move(keep), scale, y.desc(), x.data().desc()}](const auto& dy, const auto& need) {
    return dropout_backward(saved, dy, need);
  });
}

namespace {

std::vector<Tensor> dropout_backward(const DropoutSaved& saved, const std::vector<Tensor>& dy,
                                     const std::vector<bool>&) {
  const std::vector<uint8_t>& keep = *saved.keep;
  const Tensor g = dy[0].to_layout(saved.y_md);
  Tensor dx(saved.y_md);
  const std::span<const float> dys = g.f32_buffer();
  const std::span<float> dxs = dx.f32_buffer();
  for (size_t i = 0; i < dxs.size(); ++i) dxs[i] = keep[i] ? saved.scale * dys[i] : 0.0f;
  return {dx.to_layout(saved.x_md)};
}

}  // namespace

}  // namespace minnow
