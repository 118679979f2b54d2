// Evaluation of a model over a loader's epoch: mean cross-entropy, top-1, top-5,
// and optionally every logit in dataset order (minnow eval --save-logits).
#pragma once

#include <functional>
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

// The same for any forward function, images (N, C, H, W) -> logits (N, K) (the int8 model).
using LogitsFn = std::function<Tensor(const Tensor& images)>;
EvalResult evaluate(const LogitsFn& logits_of, data::Loader& loader, bool keep_logits = false);

// The share of images, in percent, on which two evaluations kept with keep_logits agree on
// the top class.
double argmax_agreement_percent(const EvalResult& a, const EvalResult& b);

}  // namespace minnow
