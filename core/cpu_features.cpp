#include "core/cpu_features.h"

namespace minnow {

bool cpu_has_avx512_bw() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vl");
  return has;
}

}  // namespace minnow
