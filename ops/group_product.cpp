#include "ops/group_product.h"

#include "core/engine.h"
#include "core/primitive_timer.h"
#include "ops/primitive_cache.h"

namespace minnow {
namespace {

void* element(const Tensor& t, int64_t at) {
  return t.data<std::byte>() + at * static_cast<int64_t>(dtype_size(t.dtype()));
}

}  // namespace

void GroupProduct::run(const Tensor& a_t, int64_t a_at, const Tensor& b_t, int64_t b_at, const Tensor& c_t,
                       int64_t c_at) const {
  const dnnl::engine& eng = cpu_engine();
  execute_primitive(*product, {{DNNL_ARG_SRC, dnnl::memory(a, eng, element(a_t, a_at))},
                               {DNNL_ARG_WEIGHTS, dnnl::memory(b, eng, element(b_t, b_at))},
                               {DNNL_ARG_DST, dnnl::memory(c, eng, element(c_t, c_at))}});
}

GroupProduct make_group_product(std::string_view name, const dnnl::memory::desc& a, const dnnl::memory::desc& b,
                                const dnnl::memory::desc& c) {
  auto product = cached<dnnl::matmul>(Key(name).add(a).add(b).add(c), [&] {
    return dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(a, b, c), cpu_engine()));
  });
  return {a, b, c, product};
}

}  // namespace minnow
