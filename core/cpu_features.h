// What the running CPU has, for minnow's own vector loops (oneDNN picks its kernels itself).
// A loop written with AVX-512 intrinsics is a function marked MINNOW_AVX512 (and so is every
// helper it inlines), called only where cpu_has_avx512_bw() says so; a portable loop computes the
// same values everywhere else. GCC and clang both build such functions for AVX-512 inside a
// baseline x86-64 build.
#pragma once

#define MINNOW_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))

namespace minnow {

// AVX-512 Foundation, Byte/Word and Vector Length (Skylake-SP, Zen 4 and later).
bool cpu_has_avx512_bw();

}  // namespace minnow
