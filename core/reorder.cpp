// The one place minnow converts layouts and types: a oneDNN reorder primitive,
// counted so that layout discipline can be tested.
#include "core/reorder.h"

#include <atomic>

#include "core/engine.h"
#include "core/error.h"
#include "core/primitive_timer.h"

namespace minnow {
namespace {
std::atomic<uint64_t> g_reorders{0};
std::atomic<uint64_t> g_weight_reorders{0};
}  // namespace

void reorder_into(const Tensor& src, const Tensor& dst) {
  MINNOW_CHECK(src.dims() == dst.dims(), "reorder: dims differ, source ", dims_str(src.dims()),
               " and destination ", dims_str(dst.dims()));
  auto src_mem = src.memory();
  auto dst_mem = dst.memory();
  execute_primitive(dnnl::reorder(src_mem, dst_mem), {{DNNL_ARG_FROM, src_mem}, {DNNL_ARG_TO, dst_mem}});
  cpu_stream().wait();
  g_reorders.fetch_add(1, std::memory_order_relaxed);
}

Tensor reorder(const Tensor& src, const dnnl::memory::desc& md) {
  Tensor dst(md);
  reorder_into(src, dst);
  return dst;
}

Tensor reorder_scaled(const Tensor& src, const dnnl::memory::desc& md, const std::vector<float>& scales,
                      int mask) {
  MINNOW_CHECK(src.dims() == md.dims(), "reorder_scaled: dims differ, source ", dims_str(src.dims()),
               " and destination ", dims_str(md.dims()));
  dnnl::primitive_attr attr;
  attr.set_output_scales(mask, scales);
  Tensor dst(md);
  auto src_mem = src.memory();
  auto dst_mem = dst.memory();
  const dnnl::reorder::primitive_desc pd(cpu_engine(), src.desc(), cpu_engine(), md, attr);
  execute_primitive(dnnl::reorder(pd), {{DNNL_ARG_FROM, src_mem}, {DNNL_ARG_TO, dst_mem}});
  cpu_stream().wait();
  g_reorders.fetch_add(1, std::memory_order_relaxed);
  return dst;
}

Tensor reorder_weight(const Tensor& src, const dnnl::memory::desc& md) {
  if (src.desc() == md) return src;
  g_weight_reorders.fetch_add(1, std::memory_order_relaxed);
  return reorder(src, md);
}

uint64_t reorder_count() { return g_reorders.load(std::memory_order_relaxed); }
uint64_t weight_reorder_count() { return g_weight_reorders.load(std::memory_order_relaxed); }

}  // namespace minnow
