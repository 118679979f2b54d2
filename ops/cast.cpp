// to_f32 forward and backward: a oneDNN reorder each way, the same layout in the other type.
#include "ops/cast.h"

#include "core/compute_type.h"
#include "core/tape.h"

namespace minnow {

Var to_f32(const Var& x) {
  if (!x.defined() || x.data().dtype() == DType::f32) return x;
  const Tensor y = as_f32(x.data());
  if (!should_record({x})) return record_op("to_f32", {x}, y, nullptr);
  return record_op("to_f32", {x}, y, [x_md = x.data().desc()](const auto& dy, const auto&) {
    return std::vector<Tensor>{dy[0].to_layout(x_md)};
  });
}

}  // namespace minnow
