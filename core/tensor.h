// Tensor: shared storage plus a dnnl::memory::desc giving dims, data type and
// physical layout. Logical dims are always NCHW (weights OIHW, or GOIHW for
// grouped convs); the layout is whatever the producing primitive chose.
// Copies share storage; clone() copies data. Reorders live in core/reorder.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <span>
#include <string>
#include <vector>

namespace minnow {

using Dims = dnnl::memory::dims;  // std::vector<int64_t>
using dt = dnnl::memory::data_type;

enum class DType { f32, bf16, s8, u8, s32 };

dt to_dnnl(DType type);
DType from_dnnl(dt type);
const char* dtype_name(DType type);
size_t dtype_size(DType type);

int64_t product(const Dims& dims);
std::string dims_str(const Dims& dims);  // "[2, 3, 7, 7]"

// Plain row-major (NCHW, OIHW, NC, ...) descriptor for dims and type.
dnnl::memory::desc plain_desc(const Dims& dims, DType type = DType::f32);

class Tensor {
 public:
  Tensor() = default;
  // Uninitialised storage for md (padding included).
  explicit Tensor(const dnnl::memory::desc& md);

  static Tensor zeros(const dnnl::memory::desc& md);
  static Tensor zeros(const Dims& dims, DType type = DType::f32);
  static Tensor full(const Dims& dims, float value);
  // Plain f32 tensor holding a copy of values (row-major, product(dims) entries).
  static Tensor from_plain(const Dims& dims, std::span<const float> values);
  // Plain tensor of another type, converted from f32 values by a oneDNN reorder
  // (round to nearest, saturating for integer types).
  static Tensor from_plain(const Dims& dims, std::span<const float> values, DType type);

  bool defined() const { return storage_ != nullptr; }
  const dnnl::memory::desc& desc() const { return md_; }
  Dims dims() const { return md_.dims(); }
  int ndims() const { return static_cast<int>(md_.dims().size()); }
  int64_t dim(int i) const;
  int64_t numel() const { return product(md_.dims()); }
  DType dtype() const { return from_dnnl(md_.data_type()); }
  size_t bytes() const { return md_.get_size(); }
  bool is_plain() const { return md_ == plain_desc(dims(), dtype()); }

  void* raw() const { return storage_.get(); }
  template <class T>
  T* data() const { return static_cast<T*>(raw()); }
  // The whole physical buffer of an f32 tensor, padding included (zeros there).
  std::span<float> f32_buffer() const;

  // A dnnl::memory over this storage (no copy).
  dnnl::memory memory() const;

  // Row-major f32 copy in logical order, whatever the layout and type.
  std::vector<float> to_plain() const;
  // A tensor with the same dims and type in layout md: a counted reorder, or *this if equal, or
  // a view of this storage when md puts every element at the same byte (one-pixel maps in nchw,
  // nhwc and unpadded nChw16c / nChw8c). Either way, write into the result only if nothing else
  // may read this tensor.
  Tensor to_layout(const dnnl::memory::desc& md) const;
  // Same data viewed under new dims; only for plain tensors (no copy).
  Tensor reshape(const Dims& dims) const;
  // The same storage under another descriptor of the same size in bytes (no copy): an s8 buffer
  // read as u8, say. The bytes are not converted.
  Tensor view(const dnnl::memory::desc& md) const;
  // Whether this tensor is the only one holding its storage (no copy or view shares it), so
  // that its owner may write over it.
  bool sole_owner() const { return storage_ && storage_.use_count() == 1; }
  Tensor clone() const;
  void zero();

 private:
  Tensor(std::shared_ptr<std::byte> storage, dnnl::memory::desc md)
      : storage_(std::move(storage)), md_(std::move(md)) {}

  std::shared_ptr<std::byte> storage_;
  dnnl::memory::desc md_;
};

}  // namespace minnow
