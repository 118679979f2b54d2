// Offsets from dnnl blocking info: index i along dim d sits at (i / B_d) * strides[d] in
// the outer blocks, where B_d is the product of d's inner blocks, plus, for each inner
// block k on d, ((i / later blocks of d) % inner_blks[k]) * (product of the later inner blocks).
#include "ops/channel_walk.h"

#include "core/error.h"
#include "core/tensor.h"

namespace minnow {

ChannelWalk::ChannelWalk(const dnnl::memory::desc& md, int channel_dims) : channel_dims_(channel_dims) {
  const auto& d = md.data;
  MINNOW_CHECK(d.format_kind == dnnl_blocked, "channel walk: expected a blocked memory layout, got format kind ",
               static_cast<int>(d.format_kind));
  MINNOW_CHECK(channel_dims >= 1 && channel_dims <= d.ndims, "channel walk: channel_dims ", channel_dims,
               " outside [1, ", d.ndims, "]");
  const auto& blocking = d.format_desc.blocking;
  dims_.assign(d.dims, d.dims + d.ndims);
  offset0_ = d.offset0;
  for (int dim = 0; dim < d.ndims; ++dim) {
    int64_t outer_block = 1;
    for (int k = 0; k < blocking.inner_nblks; ++k)
      if (blocking.inner_idxs[k] == dim) outer_block *= blocking.inner_blks[k];
    std::vector<int64_t> contrib(static_cast<size_t>(dims_[dim]));
    for (int64_t i = 0; i < dims_[dim]; ++i) {
      int64_t offset = i / outer_block * blocking.strides[dim];
      int64_t inner_stride = 1, within = 1;  // products of the inner blocks after k: all, and those on dim
      for (int k = blocking.inner_nblks; k-- > 0;) {
        if (blocking.inner_idxs[k] == dim) {
          offset += i / within % blocking.inner_blks[k] * inner_stride;
          within *= blocking.inner_blks[k];
        }
        inner_stride *= blocking.inner_blks[k];
      }
      contrib[static_cast<size_t>(i)] = offset;
    }
    contrib_.push_back(std::move(contrib));
  }
  channels_ = product(Dims(dims_.begin(), dims_.begin() + channel_dims));
  per_channel_ = product(Dims(dims_.begin() + channel_dims, dims_.end()));
}

}  // namespace minnow
