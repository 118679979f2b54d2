// numpy <-> minnow tensors. A plain tensor (row-major, as Tensor::is_plain says) of f32, s8,
// u8 or s32 becomes a numpy view of its storage: no copy, and the array keeps the storage
// alive. Any other tensor (a blocked layout, bf16) is copied into a fresh f32 array in logical
// order. Images go the other way by one copy into a plain f32 tensor.
#pragma once

#include <pybind11/numpy.h>

#include <string>

#include "core/tensor.h"

namespace minnow::python {

namespace py = pybind11;

// Who may write to the array to_numpy returns.
enum class Access {
  model,      // a parameter or buffer: a view is writable (writes reach the model), a copy read-only
  result,     // the caller's own (forward's logits): writable either way
  read_only,  // neither
};

// t as an array of the logical shape (product(shape) == t.numel()).
py::array to_numpy(const Tensor& t, const Dims& shape, Access access);

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

// A plain f32 tensor holding a copy of images, which must be (N, C, H, W); what names the
// caller in the message.
Tensor images_from_numpy(const FloatArray& images, const std::string& what);

}  // namespace minnow::python
