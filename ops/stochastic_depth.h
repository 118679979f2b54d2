// Stochastic depth (Huang et al. 2016) in torchvision.ops.stochastic_depth's "row" mode: each
// sample of a residual branch is kept or zeroed whole. A hand loop with a seeded RNG, in the
// input's layout; the "batch" mode (one draw for the whole batch) is not provided.
#pragma once

#include "core/rng.h"
#include "core/var.h"

namespace minnow {

// In training, keeps sample n with probability 1 - p (keep_n = (u_n >= p), one uniform u_n of
// rng per sample, in sample order) and scales the kept samples by 1 / (1 - p); p == 1 zeroes
// every sample. Returns x itself when !training or p == 0, drawing nothing.
// y[n, ...] = keep_n s x[n, ...],   dx[n, ...] = keep_n s dy[n, ...],   s = 1 / (1 - p).
Var stochastic_depth(const Var& x, float p, bool training, Rng& rng);

}  // namespace minnow
