// int8_concat. When every part is already nhwc of out_type with exactly out_scale, each
// output pixel row is the parts' rows copied side by side (oneDNN 2.6's concat, simple:any,
// took 29 us to join two 1x64x55x55 u8 parts, against 4 us per part for these copies; the
// int8 model has its convs write their parts at the join's point, Int8ConvOptions::requant).
// Otherwise each part goes
// through one (scaled) reorder (output scale p_i.scale / out_scale) written straight into its
// channel sub-memory of the output (memory::desc::submemory_desc): no extra copy.
#include "ops/int8/concat.h"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>

#include <omp.h>

#include "core/engine.h"
#include "core/error.h"
#include "core/primitive_timer.h"
#include "ops/primitive_cache.h"

namespace minnow {
namespace {

using dnnl::memory;

struct ConcatPlan {
  memory::desc y_md;  // (N, sum C_i, H, W) nhwc
  // Either the parts' rows copied as they are ...
  bool joins = false;
  // ... or one requantizing reorder per part into its view of y.
  std::vector<memory::desc> view_mds;
  std::vector<dnnl::reorder::primitive_desc> copy_pds;
  std::vector<dnnl::reorder> copies;
};

bool is_int8(DType type) { return type == DType::u8 || type == DType::s8; }

constexpr int64_t kParallelBytes = int64_t{1} << 16;  // an output this small is copied by one thread

// y's pixel rows (nhwc, bytes) as the parts' rows (nhwc, same type) side by side.
void copy_rows(const std::vector<QTensor>& parts, const Tensor& y) {
  const int64_t rows = y.dim(0) * y.dim(2) * y.dim(3), width = y.dim(1);
  std::byte* out = static_cast<std::byte*>(y.raw());
#pragma omp parallel if (rows * width >= kParallelBytes)
  {
    const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
    const int64_t begin = rows * t / threads, end = rows * (t + 1) / threads;
    int64_t offset = 0;
    for (const QTensor& p : parts) {
      const int64_t channels = p.data.dim(1);
      const std::byte* in = static_cast<const std::byte*>(p.data.raw());
      for (int64_t r = begin; r < end; ++r)
        std::memcpy(out + r * width + offset, in + r * channels, static_cast<size_t>(channels));
      offset += channels;
    }
  }
}

std::shared_ptr<ConcatPlan> plan_for(const std::vector<QTensor>& parts, DType out_type, float out_scale) {
  MINNOW_CHECK(!parts.empty(), "int8_concat: expected at least one part, got none");
  MINNOW_CHECK(is_int8(out_type), "int8_concat: expected out_type u8 or s8, got ", dtype_name(out_type));
  MINNOW_CHECK(out_scale > 0.f, "int8_concat: expected out_scale > 0, got ", out_scale);
  const Dims first = parts[0].data.dims();
  MINNOW_CHECK(first.size() == 4, "int8_concat: expected part dims (N, C, H, W), got ", dims_str(first));
  Dims y = first;
  y[1] = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const QTensor& p = parts[i];
    const Dims d = p.data.dims();
    MINNOW_CHECK(d.size() == 4 && d[0] == first[0] && d[2] == first[2] && d[3] == first[3], "int8_concat: part ", i,
                 " has dims ", dims_str(d), ", expected [", first[0], ", *, ", first[2], ", ", first[3],
                 "] (part 0's dims but channels)");
    MINNOW_CHECK(is_int8(p.data.dtype()), "int8_concat: expected u8 or s8 parts, got part ", i, " ",
                 dtype_name(p.data.dtype()));
    MINNOW_CHECK(p.scale > 0.f, "int8_concat: expected positive part scales, got part ", i, " ", p.scale);
    MINNOW_CHECK(p.data.desc().data.format_kind == dnnl_blocked, "int8_concat: part ", i,
                 " is in an opaque layout, expected a blocked one");
    y[1] += d[1];
  }
  const bool joins = std::all_of(parts.begin(), parts.end(), [&](const QTensor& p) {
    return p.data.dtype() == out_type && p.scale == out_scale &&
           p.data.desc() == memory::desc(p.data.dims(), to_dnnl(out_type), memory::format_tag::nhwc);
  });
  Key key("int8_concat");
  key.add(static_cast<int64_t>(out_type)).add(static_cast<int64_t>(joins));
  for (const auto& p : parts) key.add(p.data.desc()).add(std::bit_cast<int32_t>(p.scale / out_scale));
  return cached<ConcatPlan>(key, [&] {
    ConcatPlan plan;
    plan.y_md = memory::desc(y, to_dnnl(out_type), memory::format_tag::nhwc);
    plan.joins = joins;
    if (joins) return plan;
    int64_t offset = 0;
    for (const auto& p : parts) {
      const Dims d = p.data.dims();
      plan.view_mds.push_back(plan.y_md.submemory_desc(d, {0, offset, 0, 0}));
      offset += d[1];
      dnnl::primitive_attr attr;
      attr.set_output_scales(0, {p.scale / out_scale});
      plan.copy_pds.emplace_back(cpu_engine(), p.data.desc(), cpu_engine(), plan.view_mds.back(), attr);
      plan.copies.emplace_back(plan.copy_pds.back());
    }
    return plan;
  });
}

}  // namespace

QTensor int8_concat(const std::vector<QTensor>& parts, DType out_type, float out_scale) {
  const auto plan = plan_for(parts, out_type, out_scale);
  Tensor y(plan->y_md);  // (N, sum C_i, H, W) nhwc
  if (plan->joins) {
    copy_rows(parts, y);
  } else {
    for (size_t i = 0; i < parts.size(); ++i)
      execute_primitive(plan->copies[i], {{DNNL_ARG_FROM, parts[i].data.memory()},
                                          {DNNL_ARG_TO, memory(plan->view_mds[i], cpu_engine(), y.raw())}});
  }
  return {y, out_scale};
}

std::string int8_concat_impl(const std::vector<QTensor>& parts, DType out_type, float out_scale) {
  const auto plan = plan_for(parts, out_type, out_scale);
  if (plan->joins) return "minnow:copy_rows";
  std::string impl;
  for (const auto& pd : plan->copy_pds) impl += (impl.empty() ? "" : ", ") + std::string(pd.impl_info_str());
  return impl;
}

}  // namespace minnow
