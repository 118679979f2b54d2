// layer_shapes: count each conv and linear layer's kept channels in the traced graph.
#include "train/adapt/layer_shapes.h"

#include "models/layers.h"

namespace minnow {
namespace {

int64_t kept(const ChannelGraph& cg, int value, const std::vector<bool>& removed) {
  int64_t n = 0;
  for (int unit : cg.unit_of[static_cast<size_t>(value)]) n += removed[static_cast<size_t>(unit)] ? 0 : 1;
  return n;
}

}  // namespace

std::vector<LayerShape> layer_shapes(const ChannelGraph& cg, const std::vector<bool>& removed) {
  std::vector<LayerShape> shapes;
  for (const auto& node : cg.graph.nodes) {
    const Dims& in_dims = cg.graph.dims[static_cast<size_t>(node.inputs[0])];    // (1, C, H, W) or (1, K)
    const Dims& out_dims = cg.graph.dims[static_cast<size_t>(node.outputs[0])];  // (1, C, H, W) or (1, K)
    LayerShape s{.name = node.name, .in = kept(cg, node.inputs[0], removed), .out = kept(cg, node.outputs[0], removed)};
    if (const auto* conv = layer_as<Conv2d>(node)) {
      const Conv2d::Options& o = conv->options();
      s.kernel = o.kernel, s.stride = o.stride, s.dilation = o.dilation, s.bias = conv->bias().defined();
      s.padding = o.padding < 0 ? o.dilation * (o.kernel - 1) / 2 : o.padding;
      s.depthwise = o.groups > 1 && o.groups == o.in && o.in == o.out;
      s.groups = s.depthwise ? s.in : o.groups;
      s.in_h = in_dims[2], s.in_w = in_dims[3], s.out_h = out_dims[2], s.out_w = out_dims[3];
    } else if (const auto* linear = layer_as<Linear>(node)) {
      s.linear = true;
      s.bias = linear->bias().defined();
    } else {
      continue;
    }
    shapes.push_back(s);
  }
  return shapes;
}

int64_t layer_macs(const LayerShape& l) {
  if (l.linear) return l.in * l.out;
  return l.out * l.out_h * l.out_w * (l.in / l.groups) * l.kernel * l.kernel;
}

}  // namespace minnow
