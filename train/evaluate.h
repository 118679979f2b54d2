// Evaluation of a model over a loader's epoch: mean cross-entropy, top-1, top-5,
// and optionally every logit in dataset order (minnow eval --save-logits).
#pragma once

#include <vector>

#include "data/loader.h"
#include "models/module.h"

namespace minnow {

struct EvalResult {
  double loss = 0, top1 = 0, top5 = 0;  // top-k in percent
  int64_t count = 0;
  int64_t num_classes = 0;    // K, the model's outputs
  std::vector<float> logits;  // (dataset size, K) by dataset index, when kept; rows of skipped images stay 0
};

// Runs model in eval mode under NoGrad (restoring its mode afterwards).
EvalResult evaluate(Module& model, data::Loader& loader, bool keep_logits = false);

}  // namespace minnow
