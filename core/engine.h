// The process-wide oneDNN CPU engine and stream, and the thread-count setting.
// Primitives execute synchronously on the stream (oneDNN with the OpenMP runtime).
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

namespace minnow {

dnnl::engine& cpu_engine();
dnnl::stream& cpu_stream();

// Threads used by oneDNN primitives and minnow's own loops (OpenMP). n >= 1.
void set_num_threads(int n);
int num_threads();

}  // namespace minnow
