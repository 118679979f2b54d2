// Builds a function three times, for AVX-512, AVX2 and baseline x86-64, and picks the one the
// running CPU supports when the program loads (GCC and clang target_clones, an ELF ifunc).
// For the memory-bound elementwise loops (fake quantization, min/max) that the baseline build
// compiles to 4-lane SSE. The clones compute the same floats: every operation is IEEE, and the
// build turns off FMA contraction (CMakeLists.txt), which the wider ISAs would otherwise allow.
#pragma once

#define MINNOW_CPU_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
