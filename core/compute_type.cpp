// The thread's compute type and the CPU's bf16 support, as oneDNN sees it.
#include "core/compute_type.h"

#include "core/error.h"

namespace minnow {
namespace {

thread_local DType t_compute = DType::f32;

}  // namespace

DType compute_dtype() { return t_compute; }

ComputeScope::ComputeScope(DType type) : previous_(t_compute) {
  MINNOW_CHECK(type == DType::f32 || type == DType::bf16, "compute type: expected f32 or bf16, got ", dtype_name(type));
  t_compute = type;
}
ComputeScope::~ComputeScope() { t_compute = previous_; }

bool cpu_has_native_bf16() {
  using dnnl::cpu_isa;
  switch (dnnl::get_effective_cpu_isa()) {
    case cpu_isa::avx512_core_bf16:
    case cpu_isa::avx512_core_amx:
      return true;
    default:
      return false;
  }
}

const char* cpu_isa_name() {
  using dnnl::cpu_isa;
  switch (dnnl::get_effective_cpu_isa()) {
    case cpu_isa::sse41: return "sse41";
    case cpu_isa::avx: return "avx";
    case cpu_isa::avx2: return "avx2";
    case cpu_isa::avx512_mic: return "avx512_mic";
    case cpu_isa::avx512_mic_4ops: return "avx512_mic_4ops";
    case cpu_isa::avx512_core: return "avx512_core";
    case cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case cpu_isa::avx512_core_amx: return "avx512_core_amx";
    case cpu_isa::avx2_vnni: return "avx2_vnni";
    default: return "unknown";
  }
}

Tensor as_f32(const Tensor& t) {
  if (!t.defined() || t.dtype() == DType::f32) return t;
  dnnl::memory::desc md = t.desc();
  md.data.data_type = dnnl_f32;
  return t.to_layout(md);
}

}  // namespace minnow
