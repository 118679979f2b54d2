// ChannelWalk: the physical offsets of a blocked layout's logical elements, grouped by
// channel, read from the descriptor's blocking info (no reorder). Padding is never visited.
// The channel is the index along dim 0, or along the first `channel_dims` dims flattened
// (a grouped weight (G, O/G, C/G, kH, kW) has output channel g * O/G + o).
#pragma once

#include <cstdint>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

namespace minnow {

class ChannelWalk {
 public:
  ChannelWalk(const dnnl::memory::desc& md, int channel_dims);

  int64_t channels() const { return channels_; }
  int64_t per_channel() const { return per_channel_; }

  // Calls fn(offset) for the buffer offset of every logical element of channel c.
  template <class Fn>
  void visit(int64_t c, Fn&& fn) const {
    int64_t base = offset0_;
    for (int d = channel_dims_; d-- > 0;) {
      base += contrib_[d][c % dims_[d]];
      c /= dims_[d];
    }
    const int n = static_cast<int>(dims_.size());
    if (per_channel_ == 0) return;
    if (channel_dims_ == n) {
      fn(base);
      return;
    }
    const std::vector<int64_t>& last = contrib_[n - 1];
    std::vector<int64_t> idx(n, 0);
    for (;;) {
      int64_t offset = base;
      for (int d = channel_dims_; d < n - 1; ++d) offset += contrib_[d][idx[d]];
      for (const int64_t step : last) fn(offset + step);
      int d = n - 2;
      while (d >= channel_dims_ && ++idx[d] == dims_[d]) idx[d--] = 0;
      if (d < channel_dims_) return;
    }
  }

 private:
  std::vector<int64_t> dims_;
  // contrib_[d][i]: what index i along dim d adds to the offset (outer and inner blocks).
  std::vector<std::vector<int64_t>> contrib_;
  int64_t offset0_ = 0;
  int channel_dims_ = 1;
  int64_t channels_ = 1, per_channel_ = 1;
};

}  // namespace minnow
