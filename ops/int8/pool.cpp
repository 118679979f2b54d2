// int8_global_avg_pool. When the output type is the input's, it runs oneDNN's int8
// pooling (avg, one window over H x W; jit on nhwc, the layout the int8 convs return)
// with the rescaling to the output's units fused as an eltwise linear post-op:
// dst = round(alpha * mean(q)), alpha = x.scale / out_scale. oneDNN 2.6 has no int8
// pooling into another type, so f32 (or u8 <-> s8) outputs sum the integers in int32 and
// scale the sums to real means (x.scale * mean(q)), quantized if asked: a squeeze-and-
// excitation gate pools a large map this way, and never dequantizes it whole.
#include "ops/int8/pool.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#include <omp.h>

#include "core/engine.h"
#include "core/error.h"
#include "core/primitive_timer.h"
#include "ops/int8/nhwc_rows.h"
#include "ops/primitive_cache.h"

namespace minnow {

using dnnl::memory;

namespace {

struct GapPrimitive {
  dnnl::pooling_forward::primitive_desc pd;
  dnnl::pooling_forward pool;
};

// The int8 path: same type in and out, rescaled by alpha.
Tensor int8_pool(const Tensor& x, float alpha) {
  const Dims d = x.dims();
  Key key("int8_gap");
  key.add(x.desc()).add(std::bit_cast<int32_t>(alpha));
  const auto p = cached<GapPrimitive>(key, [&] {
    dnnl::post_ops ops;
    ops.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, alpha, 0.f);
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);
    const dnnl::pooling_forward::desc desc(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_avg_exclude_padding, x.desc(),
        memory::desc({d[0], d[1], 1, 1}, x.desc().data_type(), memory::format_tag::any), {d[2], d[3]},
        {d[2], d[3]}, {0, 0}, {0, 0});
    const dnnl::pooling_forward::primitive_desc pd(desc, attr, cpu_engine());
    return GapPrimitive{pd, dnnl::pooling_forward(pd)};
  });
  Tensor y(p->pd.dst_desc());  // (N, C, 1, 1)
  execute_primitive(p->pool, {{DNNL_ARG_SRC, x.memory()}, {DNNL_ARG_DST, y.memory()}});
  return y;
}

constexpr int64_t kParallelBytes = int64_t{1} << 16;  // a sample this small is summed by one thread

// Sums of q over the pixels of each sample of an nhwc tensor into int32 (exact: at most 2^31 / 255
// pixels, so any order gives the same sums). A large sample's pixels are split evenly between the
// threads, each summing its rows into its own C accumulators, which are then added up.
template <class T>
void channel_sums(const T* x, int32_t* sums, int64_t n, int64_t pixels, int64_t channels) {
  for (int64_t s = 0; s < n; ++s) {
    const T* sample = x + s * pixels * channels;
    int32_t* out = sums + s * channels;
    std::fill_n(out, channels, 0);
#pragma omp parallel if (pixels * channels >= kParallelBytes)
    {
      std::vector<int32_t> acc(static_cast<size_t>(channels), 0);
      const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
      const int64_t begin = pixels * t / threads, end = pixels * (t + 1) / threads;
      nhwc_rows::sum_rows(sample + begin * channels, end - begin, channels, acc.data());
#pragma omp critical
      for (int64_t c = 0; c < channels; ++c) out[c] += acc[static_cast<size_t>(c)];
    }
  }
}

// The real means, x.scale * sum(q) / (H W), f32 (N, C, 1, 1) plain. oneDNN 2.6 runs only its
// reference kernel for a mean over the spatial dims of an nhwc int8 tensor (2.3 ms for
// 1x32x112x112), so the sums are minnow's own, exact in int32.
Tensor real_mean(const Tensor& x, float scale) {
  const Dims d = x.dims();
  const Tensor src = x.to_layout(memory::desc(d, x.desc().data_type(), memory::format_tag::nhwc));
  std::vector<int32_t> sums(static_cast<size_t>(d[0] * d[1]));
  if (src.dtype() == DType::u8)
    channel_sums(src.data<uint8_t>(), sums.data(), d[0], d[2] * d[3], d[1]);
  else
    channel_sums(src.data<int8_t>(), sums.data(), d[0], d[2] * d[3], d[1]);
  Tensor y(memory::desc({d[0], d[1], 1, 1}, memory::data_type::f32, memory::format_tag::nchw));
  float* out = y.data<float>();
  const double per_pixel = static_cast<double>(scale) / static_cast<double>(d[2] * d[3]);
  for (size_t i = 0; i < sums.size(); ++i) out[i] = static_cast<float>(sums[i] * per_pixel);
  return y;
}

}  // namespace

QTensor int8_global_avg_pool(const QTensor& x, DType out_type, float out_scale) {
  const Dims d = x.data.dims();
  MINNOW_CHECK(d.size() == 4, "int8_global_avg_pool: expected input dims (N, C, H, W), got ", dims_str(d));
  MINNOW_CHECK(x.data.dtype() == DType::u8 || x.data.dtype() == DType::s8,
               "int8_global_avg_pool: expected a u8 or s8 input, got ", dtype_name(x.data.dtype()));
  MINNOW_CHECK(out_type == DType::u8 || out_type == DType::s8 || out_type == DType::f32,
               "int8_global_avg_pool: expected out_type u8, s8 or f32, got ", dtype_name(out_type));
  const float dst_scale = out_type == DType::f32 ? 1.f : out_scale;
  MINNOW_CHECK(x.scale > 0.f && dst_scale > 0.f, "int8_global_avg_pool: expected positive scales, got input ",
               x.scale, " and output ", out_scale);
  if (out_type == x.data.dtype()) return {int8_pool(x.data, x.scale / dst_scale), dst_scale};

  MINNOW_CHECK(d[2] * d[3] <= (int64_t{1} << 23), "int8_global_avg_pool: expected at most 2^23 pixels, got ",
               d[2] * d[3]);
  const Tensor mean = real_mean(x.data, x.scale);  // (N, C, 1, 1) f32
  if (out_type == DType::f32) return {mean, 1.f};
  return quantize(mean, dst_scale, out_type);
}

}  // namespace minnow
