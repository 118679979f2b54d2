// The one place minnow converts layouts and types: a oneDNN reorder primitive,
// counted so that layout discipline can be tested.
#include "core/reorder.h"

#include <atomic>

#include "core/engine.h"
#include "core/error.h"

namespace minnow {
namespace {
std::atomic<uint64_t> g_reorders{0};
}

void reorder_into(const Tensor& src, const Tensor& dst) {
  MINNOW_CHECK(src.dims() == dst.dims(), "reorder: dims differ, source ", dims_str(src.dims()),
               " and destination ", dims_str(dst.dims()));
  auto src_mem = src.memory();
  auto dst_mem = dst.memory();
  dnnl::reorder(src_mem, dst_mem).execute(cpu_stream(), src_mem, dst_mem);
  cpu_stream().wait();
  g_reorders.fetch_add(1, std::memory_order_relaxed);
}

Tensor reorder(const Tensor& src, const dnnl::memory::desc& md) {
  Tensor dst(md);
  reorder_into(src, dst);
  return dst;
}

uint64_t reorder_count() { return g_reorders.load(std::memory_order_relaxed); }

}  // namespace minnow
