// Dropout: a hand loop with a seeded RNG, in the input's layout.
#pragma once

#include "core/rng.h"
#include "core/var.h"

namespace minnow {

// In training, zeroes each element with probability p and scales survivors by 1/(1-p);
// returns x itself when !training or p == 0. The mask is saved for backward.
// The mask is drawn over x's physical buffer in memory order, so one seed gives one result per layout.
Var dropout(const Var& x, float p, bool training, Rng& rng);

}  // namespace minnow
