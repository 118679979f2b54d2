// Mixed precision: the data type the float ops compute their activations in. f32 by default;
// bf16 inside a ComputeScope(DType::bf16), where convolutions, pooling, eltwise, BN's data, adds and
// concatenations take and give bf16 activations, while weights stay f32 (converted at each use),
// weight gradients come back f32, and BN's statistics, the classifier and the loss stay f32.
// Thread-local, as grad mode is (core/grad_mode.h).
#pragma once

#include "core/tensor.h"

namespace minnow {

DType compute_dtype();

// RAII: activations in type (f32 or bf16) for the scope's lifetime, the previous type restored
// after. ComputeScope(DType::bf16) is the mixed-precision scope (torch.autocast's role).
class ComputeScope {
 public:
  explicit ComputeScope(DType type);
  ~ComputeScope();
  ComputeScope(const ComputeScope&) = delete;
  ComputeScope& operator=(const ComputeScope&) = delete;

 private:
  DType previous_;
};

// True when oneDNN has bf16 instructions of this CPU to run on (AVX512-BF16 or AMX); elsewhere
// bf16 would run on slow emulation, and `precision: bf16` is refused.
bool cpu_has_native_bf16();
// The oneDNN ISA name of this CPU, for messages ("avx512_core_amx", "avx2", ...).
const char* cpu_isa_name();

// t in f32, the same dims and layout (t itself when it already is f32).
Tensor as_f32(const Tensor& t);

}  // namespace minnow
