// What the running CPU has, for minnow's own vector loops (oneDNN picks its kernels itself).
// A loop written with AVX-512 intrinsics is compiled under
//   #pragma GCC target("avx512f,avx512bw,avx512vl")
// and runs only where cpu_has_avx512_bw() says so; a portable loop computes the same values
// everywhere else.
#pragma once

namespace minnow {

// AVX-512 Foundation, Byte/Word and Vector Length (Skylake-SP, Zen 4 and later).
bool cpu_has_avx512_bw();

}  // namespace minnow
