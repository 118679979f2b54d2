// Conv + BN folding for QAT (Krishnamoorthi 2018, section 3.2; the function of
// torch.nn.intrinsic.qat.ConvBn2d). With s = gamma / sqrt(running_var + eps) per channel:
//   conv output = conv(x, fq(w s)) / s       the weights are scaled by BN before fake-quant,
//                                            and the correction 1 / s undoes the scale;
//   BN then runs as usual.                   In training its batch statistics normalise the
//                                            output; frozen (eval mode) it uses the running ones,
// and y = conv(x, fq(w s)) + beta - gamma mean / sigma is exactly the folded int8 conv.
// s is a constant of each step: gamma and beta learn through the BN that follows.
// torch divides the conv's output by s; here the correction scales the quantized weight's
// output channels instead, conv(x, fq(w s) / s), which is the same function (a conv is linear in
// each output channel's weights) at the cost of a weight-sized pass instead of two
// activation-sized ones (forward and backward) per conv. Values differ from torch's order of
// operations by float rounding only.
#pragma once

#include <memory>

#include "models/layers.h"
#include "train/qat/fake_quantize.h"

namespace minnow {

// Installs the fold on conv (which must have no bias and bn.channels outputs);
// quant fake-quantizes the folded weight (a child of conv, so its state is saved), or is
// null for the fold alone.
void fold_batch_norm(Conv2d& conv, const BatchNorm2d& bn, std::shared_ptr<WeightFakeQuant> quant);

// s = gamma / sqrt(running_var + eps), (C); |s| is kept >= 1e-12 so that 1 / s is finite.
Tensor bn_fold_scale(const BatchNorm2d& bn);

// The inference conv that equals conv then BN with running statistics:
// weight w s (O, I/g, kh, kw) plain, bias beta - s mean (O).
struct FoldedConv {
  Tensor weight, bias;
};
FoldedConv fold_conv_bn(const Conv2d& conv, const BatchNorm2d& bn);

}  // namespace minnow
