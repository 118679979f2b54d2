// NetAdapt's short-term fine-tune of one candidate: `steps` steps of the config's optimizer
// at its base learning rate (no schedule), on plain cross-entropy with the config's label
// smoothing, over the training loader from the start of epoch `epoch` (so every candidate of
// an iteration sees the same batches), then top-1 on the holdout loader.
#pragma once

#include "data/loader.h"
#include "models/module.h"
#include "train/config.h"

namespace minnow {

// The holdout top-1 in percent after the steps.
double short_finetune(Module& model, const Config& config, data::Loader& train, data::Loader& holdout, int64_t steps,
                      int64_t epoch);

}  // namespace minnow
