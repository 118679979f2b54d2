// Opt-in accounting of the wall time spent inside oneDNN primitives, for
// `minnow bench`. Every primitive in ops/ and core/ runs through
// execute_primitive(); on the CPU engine a primitive runs synchronously (OpenMP),
// so timing around execute is exact. Disabled, the cost is one relaxed atomic load.
#pragma once

#include <cstdint>
#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>

namespace minnow {

// p.execute(cpu_stream(), args), timed while primitive timing is on.
void execute_primitive(const dnnl::primitive& p, const std::unordered_map<int, dnnl::memory>& args);

void set_primitive_timing(bool enabled);
bool primitive_timing();
// Nanoseconds spent inside primitives (while timing was on) since the last reset.
int64_t primitive_nanoseconds();
void reset_primitive_nanoseconds();

}  // namespace minnow
