// The training hooks a config asks for, in the order they apply: QAT's quantizers or the
// binarized layers go in first, then pruning's masks (on the model's own conv and linear
// weights), then distillation's adapters (never binarized or pruned) and loss. The CLI trains
// with these; a caller adds its own (a crash injection in tests, gradient reduction across
// processes) beside them.
#pragma once

#include "train/config.h"
#include "train/train_hook.h"

namespace minnow {

TrainHooks feature_hooks(const Config& config);

}  // namespace minnow
