// One oneDNN matmul run once per group of a grouped 1x1 convolution, on strided views of the
// same buffers: group g's operands start g blocks of columns (or of weight elements) further in.
// The forward, backward-data and weight-gradient products of ops/grouped_pointwise_conv.cpp and
// ops/grouped_pointwise_weight_grad.cpp are each one GroupProduct.
#pragma once

#include <memory>
#include <string_view>

#include <oneapi/dnnl/dnnl.hpp>

#include "core/tensor.h"

namespace minnow {

// c = a b, with each operand's memory::desc (dims and strides) fixed for every group.
struct GroupProduct {
  dnnl::memory::desc a, b, c;
  std::shared_ptr<dnnl::matmul> product;

  // One group: a from element a_at of a_t's buffer, b from b_at of b_t's, c from c_at of c_t's.
  void run(const Tensor& a_t, int64_t a_at, const Tensor& b_t, int64_t b_at, const Tensor& c_t, int64_t c_at) const;
};

// The cached matmul for these descs, keyed by name and the descs.
GroupProduct make_group_product(std::string_view name, const dnnl::memory::desc& a, const dnnl::memory::desc& b,
                                const dnnl::memory::desc& c);

}  // namespace minnow
