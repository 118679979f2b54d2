// Tensor storage, factories and conversion to and from plain host arrays.
// Storage is 64-byte aligned and sized by the descriptor, so blocked layouts
// get their padding, which is kept zero by every factory and primitive.
#include "core/tensor.h"

#include <cstdlib>
#include <cstring>
#include <sstream>

#include "core/allocator.h"
#include "core/engine.h"
#include "core/error.h"
#include "core/reorder.h"

namespace minnow {

dt to_dnnl(DType type) {
  switch (type) {
    case DType::f32: return dt::f32;
    case DType::bf16: return dt::bf16;
    case DType::s8: return dt::s8;
    case DType::u8: return dt::u8;
    case DType::s32: return dt::s32;
  }
  MINNOW_FAIL("tensor: unknown DType ", static_cast<int>(type));
}

DType from_dnnl(dt type) {
  switch (type) {
    case dt::f32: return DType::f32;
    case dt::bf16: return DType::bf16;
    case dt::s8: return DType::s8;
    case dt::u8: return DType::u8;
    case dt::s32: return DType::s32;
    default: MINNOW_FAIL("tensor: unsupported oneDNN data type ", static_cast<int>(type));
  }
}

const char* dtype_name(DType type) {
  switch (type) {
    case DType::f32: return "f32";
    case DType::bf16: return "bf16";
    case DType::s8: return "s8";
    case DType::u8: return "u8";
    case DType::s32: return "s32";
  }
  return "?";
}

size_t dtype_size(DType type) {
  switch (type) {
    case DType::f32: case DType::s32: return 4;
    case DType::bf16: return 2;
    case DType::s8: case DType::u8: return 1;
  }
  return 0;
}

int64_t product(const Dims& dims) {
  int64_t n = 1;
  for (auto d : dims) n *= d;
  return n;
}

std::string dims_str(const Dims& dims) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < dims.size(); ++i) out << (i ? ", " : "") << dims[i];
  out << ']';
  return out.str();
}

dnnl::memory::desc plain_desc(const Dims& dims, DType type) {
  MINNOW_CHECK(!dims.empty() && dims.size() <= 6, "tensor: expected 1 to 6 dims, got ", dims_str(dims));
  for (auto d : dims) MINNOW_CHECK(d > 0, "tensor: dims must be positive, got ", dims_str(dims));
  Dims strides(dims.size(), 1);
  for (size_t i = dims.size() - 1; i > 0; --i) strides[i - 1] = strides[i] * dims[i];
  return dnnl::memory::desc(dims, to_dnnl(type), strides);
}

Tensor::Tensor(const dnnl::memory::desc& md) : storage_(allocate_storage(md.get_size())), md_(md) {}

Tensor Tensor::zeros(const dnnl::memory::desc& md) {
  Tensor t(md);
  t.zero();
  return t;
}

Tensor Tensor::zeros(const Dims& dims, DType type) { return zeros(plain_desc(dims, type)); }

Tensor Tensor::full(const Dims& dims, float value) {
  Tensor t(plain_desc(dims));
  for (auto& v : t.f32_buffer()) v = value;
  return t;
}

Tensor Tensor::from_plain(const Dims& dims, std::span<const float> values) {
  MINNOW_CHECK(static_cast<int64_t>(values.size()) == product(dims), "tensor: from_plain expected ",
               product(dims), " values for dims ", dims_str(dims), ", got ", values.size());
  Tensor t(plain_desc(dims));
  std::memcpy(t.raw(), values.data(), values.size_bytes());
  return t;
}

Tensor Tensor::from_plain(const Dims& dims, std::span<const float> values, DType type) {
  Tensor f32 = from_plain(dims, values);
  return type == DType::f32 ? f32 : reorder(f32, plain_desc(dims, type));
}

int64_t Tensor::dim(int i) const {
  const Dims d = dims();
  MINNOW_CHECK(i >= 0 && i < static_cast<int>(d.size()), "tensor: dim index ", i, " out of range for dims ",
               dims_str(d));
  return d[static_cast<size_t>(i)];
}

std::span<float> Tensor::f32_buffer() const {
  MINNOW_CHECK(dtype() == DType::f32, "tensor: f32_buffer on a ", dtype_name(dtype()), " tensor");
  return {data<float>(), bytes() / sizeof(float)};
}

dnnl::memory Tensor::memory() const {
  MINNOW_CHECK(defined(), "tensor: memory() of an undefined tensor");
  return dnnl::memory(md_, cpu_engine(), raw());
}

std::vector<float> Tensor::to_plain() const {
  MINNOW_CHECK(defined(), "tensor: to_plain() of an undefined tensor");
  const auto want = plain_desc(dims(), DType::f32);
  const Tensor plain = md_ == want ? *this : reorder(*this, want);
  const float* p = plain.data<float>();
  return std::vector<float>(p, p + numel());
}

namespace {

// Whether a and b put every element of a 4-D tensor at the same byte: true for the channel
// layouts oneDNN's training kernels move between (nchw, nhwc, nChw16c and nChw8c without channel
// padding) on maps of one pixel, where each is the (N, C) matrix row by row.
bool same_bytes(const dnnl::memory::desc& a, const dnnl::memory::desc& b) {
  const Dims d = a.dims();
  if (d.size() != 4 || b.dims() != d || a.data_type() != b.data_type() || d[2] * d[3] != 1) return false;
  const auto row_major = [&](const dnnl::memory::desc& md) {
    using tag = dnnl::memory::format_tag;
    return md == dnnl::memory::desc(d, md.data_type(), tag::nchw) ||
           md == dnnl::memory::desc(d, md.data_type(), tag::nhwc) ||
           (d[1] % 16 == 0 && md == dnnl::memory::desc(d, md.data_type(), tag::nChw16c)) ||
           (d[1] % 8 == 0 && md == dnnl::memory::desc(d, md.data_type(), tag::nChw8c));
  };
  return row_major(a) && row_major(b);
}

}  // namespace

Tensor Tensor::to_layout(const dnnl::memory::desc& md) const {
  if (md == md_) return *this;
  if (same_bytes(md_, md)) return view(md);  // the same bytes under the other descriptor
  return reorder(*this, md);
}

Tensor Tensor::reshape(const Dims& new_dims) const {
  MINNOW_CHECK(is_plain(), "tensor: reshape needs a plain tensor; call to_layout(plain_desc(...)) first");
  MINNOW_CHECK(product(new_dims) == numel(), "tensor: reshape from ", dims_str(dims()), " to ",
               dims_str(new_dims), " changes the element count");
  return Tensor(storage_, plain_desc(new_dims, dtype()));
}

Tensor Tensor::view(const dnnl::memory::desc& md) const {
  MINNOW_CHECK(defined() && md.get_size() == bytes(), "tensor: view needs a descriptor of ", bytes(),
               " bytes, got ", md.get_size());
  return Tensor(storage_, md);
}

Tensor Tensor::clone() const {
  Tensor t(md_);
  std::memcpy(t.raw(), raw(), bytes());
  return t;
}

void Tensor::zero() { std::memset(raw(), 0, bytes()); }

}  // namespace minnow
