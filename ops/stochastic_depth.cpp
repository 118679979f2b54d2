// stochastic_depth forward and backward: one keep flag per sample, applied over each sample's
// elements as ChannelWalk finds them in any blocked layout (the padding stays zero). A bf16 x
// is taken in f32 (y is f32); dx goes back to x's type.
#include "ops/stochastic_depth.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "core/compute_type.h"
#include "core/error.h"
#include "core/tape.h"
#include "ops/channel_walk.h"

namespace minnow {
namespace {

// What backward reads: the factor of each sample, keep_n s (0 for a dropped one).
struct StochasticDepthSaved {
  std::shared_ptr<std::vector<float>> factors;  // (N)
  dnnl::memory::desc x_md;                      // dx goes back to x's layout and type
};

// out[n, ...] = factors[n] in[n, ...] over the logical elements; the rest of out stays 0.
Tensor scale_samples(const Tensor& in, const std::vector<float>& factors) {
  Tensor out(in.desc());
  const std::span<const float> ins = in.f32_buffer();
  const std::span<float> outs = out.f32_buffer();
  std::fill(outs.begin(), outs.end(), 0.0f);
  const ChannelWalk walk(in.desc(), 1);
  for (int64_t n = 0; n < walk.channels(); ++n) {
    const float f = factors[static_cast<size_t>(n)];
    walk.visit(n, [&](int64_t i) { outs[static_cast<size_t>(i)] = f * ins[static_cast<size_t>(i)]; });
  }
  return out;
}

}  // namespace

Var stochastic_depth(const Var& x, float p, bool training, Rng& rng) {
  MINNOW_CHECK(p >= 0.0f && p <= 1.0f, "stochastic_depth: probability p must be in [0, 1], got ", p);
  MINNOW_CHECK(x.data().dtype() == DType::f32 || x.data().dtype() == DType::bf16,
               "stochastic_depth: expected an f32 or bf16 input, got ", dtype_name(x.data().dtype()));
  if (!training || p == 0.0f) return x;
  const float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  auto factors = std::make_shared<std::vector<float>>(static_cast<size_t>(x.dims()[0]));
  for (float& f : *factors) f = rng.uniform() >= p ? scale : 0.0f;
  Tensor y = scale_samples(as_f32(x.data()), *factors);
  if (!should_record({x})) return record_op("stochastic_depth", {x}, y, nullptr);
  return record_op("stochastic_depth", {x}, y,
                   [saved = StochasticDepthSaved{std::move(factors), x.data().desc()}](const auto& dy, const auto&) {
                     return std::vector<Tensor>{scale_samples(as_f32(dy[0]), *saved.factors).to_layout(saved.x_md)};
                   });
}

}  // namespace minnow
