// reshape/flatten forward and backward: views of plain storage.
// y = x viewed as dims (row-major order unchanged); dx = dy viewed as x's dims, in x's layout.
#include "ops/reshape.h"

#include "core/error.h"
#include "core/tape.h"

namespace minnow {
namespace {

// dims with a -1 entry replaced so that the element count is numel.
Dims resolve_dims(const Dims& x_dims, const Dims& dims) {
  const int64_t numel = product(x_dims);
  Dims out = dims;
  int64_t known = 1;
  int inferred = -1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == -1) {
      MINNOW_CHECK(inferred < 0, "reshape: at most one dim may be -1, got ", dims_str(dims));
      inferred = static_cast<int>(i);
      continue;
    }
    MINNOW_CHECK(dims[i] > 0, "reshape: dims must be positive or -1, got ", dims_str(dims));
    known *= dims[i];
  }
  if (inferred >= 0) {
    MINNOW_CHECK(numel % known == 0, "reshape: cannot infer the -1 in ", dims_str(dims), " for ", numel,
                 " elements of input ", dims_str(x_dims));
    out[static_cast<size_t>(inferred)] = numel / known;
  }
  MINNOW_CHECK(product(out) == numel, "reshape: dims ", dims_str(dims), " hold ", product(out), " elements, input ",
               dims_str(x_dims), " has ", numel);
  return out;
}

// What reshape's backward reads: x's dims and layout.
struct ReshapeSaved {
  Dims x_dims;
  dnnl::memory::desc x_md;
};

std::vector<Tensor> reshape_backward(const ReshapeSaved& saved, const std::vector<Tensor>& dy,
                                     const std::vector<bool>& need);

}  // namespace

Var reshape(const Var& x, const Dims& dims) {
  const Dims x_dims = x.dims();
  const Dims y_dims = resolve_dims(x_dims, dims);
  const Tensor plain = x.data().to_layout(plain_desc(x_dims, x.data().dtype()));
  Tensor y = plain.reshape(y_dims);  // (y_dims), shares plain's storage
  if (!should_record({x})) return record_op("reshape", {x}, y, nullptr);
  return record_op("reshape", {x}, y,
                   [saved = ReshapeSaved{x_dims, x.data().desc()}](const auto& dy, const auto& need) {
                     return reshape_backward(saved, dy, need);
                   });
}

namespace {

std::vector<Tensor> reshape_backward(const ReshapeSaved& saved, const std::vector<Tensor>& dy,
                                     const std::vector<bool>&) {
  return {dy[0].reshape(saved.x_dims).to_layout(saved.x_md)};
}

}  // namespace

Var flatten(const Var& x) {
  const Dims dims = x.dims();
  MINNOW_CHECK(dims.size() >= 2, "flatten: expected input dims (N, d1, ...), got ", dims_str(dims));
  return reshape(x, {dims[0], product(dims) / dims[0]});
}

}  // namespace minnow
