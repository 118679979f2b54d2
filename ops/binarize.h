// Binarization after XNOR-Net (Rastegari et al. 2016): weights become alpha_o * sign(w) with
// alpha_o = mean |w| over output channel o; activations become sign(x). Both train through the
// straight-through estimator (STE) for sign clipped to the hardtanh window, d sign(v)/dv := 1_{|v|<=1}.
//
// sign(0) = 0, as torch.sign: a zero weight stays 0 (a pruned weight stays pruned, and still
// counts in alpha's mean), a zero activation (ReLU's output below 0) stays 0, and the zero padding
// of a blocked layout maps to itself.
//
// The weight gradient. With s_i = sign(w_i), n elements in the channel and w_b_i = alpha s_i,
// alpha = (1/n) sum_j |w_j|, d|w_j|/dw_j = s_j, and the STE for d s_i / d w_i, the chain rule gives
//   dw_j = sum_i dy_i d(w_b_i)/d(w_j) = s_j (1/n) sum_i dy_i s_i  +  alpha dy_j 1_{|w_j|<=1}.
// This op implements exactly this (the full gradient, as autograd of mean(|w|) * sign_ste(w)
// computes it). The paper's Sec. 3.1 prints dC/dW_i = dC/dW~_i (1/n + alpha d sign/dW_i), which
// keeps only the i = j term of the first sum (s_j^2 = 1 for w_j != 0): the diagonal of this one.
#pragma once

#include "core/var.h"

namespace minnow {

// w: (O, I) (Linear), (O, I/g, kH, kW) (Conv2d), or conv2d's grouped (G, O/G, I/g, kH, kW), in
// any blocked layout, f32. y keeps w's descriptor; alpha is taken per output channel (dim 0,
// or (g, o) flattened for the 5-D form), in double.
Var binarize_weight(const Var& w);

// x: any f32 tensor, in any layout. y = sign(x), dx = dy * 1_{|x|<=1} (BinaryNet's clipped STE).
Var binarize_activation(const Var& x);

}  // namespace minnow
