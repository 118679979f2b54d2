// Lazily created engine and stream; thread count forwarded to OpenMP, which is
// the runtime both oneDNN and minnow's hand loops run on.
#include "core/engine.h"

#include <omp.h>

#include "core/error.h"

namespace minnow {

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& cpu_stream() {
  static dnnl::stream stream(cpu_engine());
  return stream;
}

void set_num_threads(int n) {
  MINNOW_CHECK(n >= 1, "set_num_threads: expected threads >= 1, got ", n);
  omp_set_num_threads(n);
}

int num_threads() { return omp_get_max_threads(); }

}  // namespace minnow
