// to_numpy: a view through a capsule that owns a Tensor handle (so the storage outlives the
// module that made it), or a copy through Tensor::to_plain.
#include "python/convert.h"

#include <algorithm>
#include <optional>

#include "core/error.h"

namespace minnow::python {
namespace {

// The numpy type of a tensor type numpy views directly; none for bf16.
std::optional<py::dtype> numpy_dtype(DType type) {
  switch (type) {
    case DType::f32: return py::dtype::of<float>();
    case DType::s8: return py::dtype::of<int8_t>();
    case DType::u8: return py::dtype::of<uint8_t>();
    case DType::s32: return py::dtype::of<int32_t>();
    case DType::bf16: break;
  }
  return std::nullopt;
}

void set_read_only(py::array& array) { array.attr("setflags")(py::arg("write") = false); }

}  // namespace

py::array to_numpy(const Tensor& t, const Dims& shape, Access access) {
  MINNOW_CHECK(product(shape) == t.numel(), "to_numpy: shape ", dims_str(shape), " does not hold the tensor's ",
               dims_str(t.dims()));
  const std::vector<py::ssize_t> numpy_shape(shape.begin(), shape.end());
  const std::optional<py::dtype> dtype = numpy_dtype(t.dtype());
  if (t.is_plain() && dtype) {
    const py::capsule owner(new Tensor(t), [](void* p) { delete static_cast<Tensor*>(p); });
    py::array view(*dtype, numpy_shape, t.raw(), owner);
    if (access == Access::read_only) set_read_only(view);
    return view;
  }
  const std::vector<float> values = t.to_plain();
  py::array_t<float> copy(numpy_shape);
  std::copy(values.begin(), values.end(), copy.mutable_data());
  if (access != Access::result) set_read_only(copy);
  return copy;
}

Tensor images_from_numpy(const FloatArray& images, const std::string& what) {
  const py::buffer_info info = images.request();
  MINNOW_CHECK(info.ndim == 4, what, ": expected images (N, C, H, W), got an array of ", info.ndim, " dimension(s)");
  const Dims dims(info.shape.begin(), info.shape.end());
  MINNOW_CHECK(product(dims) > 0, what, ": expected images (N, C, H, W), got the empty shape ", dims_str(dims));
  return Tensor::from_plain(dims, std::span<const float>(images.data(), static_cast<size_t>(product(dims))));
}

}  // namespace minnow::python
