// One pass over the evaluation loader; logits land at their dataset index.
#include "train/evaluate.h"

#include "core/grad_mode.h"
#include "ops/losses.h"
#include "train/metrics.h"

namespace minnow {

EvalResult evaluate(Module& model, data::Loader& loader, bool keep_logits) {
  const bool was_training = model.training();
  model.eval();
  NoGrad no_grad;
  Accuracy acc;
  EvalResult result;
  loader.begin_epoch(0);
  while (auto batch = loader.next()) {
    const Var logits = model.forward(Var(batch->images));  // (N, K), K = the model's outputs
    const double loss = cross_entropy(logits, batch->labels).data().to_plain()[0];
    const std::vector<float> values = logits.data().to_plain();
    acc.add(values, batch->labels, loss);
    result.num_classes = logits.data().dim(1);
    const auto k = static_cast<size_t>(result.num_classes);
    if (keep_logits && result.logits.empty())
      result.logits.assign(static_cast<size_t>(loader.dataset().size()) * k, 0.0f);
    if (keep_logits)
      for (size_t i = 0; i < batch->indices.size(); ++i)
        std::copy_n(values.begin() + static_cast<long>(i * k), k,
                    result.logits.begin() + static_cast<long>(static_cast<size_t>(batch->indices[i]) * k));
  }
  model.train(was_training);
  result.loss = acc.loss();
  result.top1 = acc.top1_percent();
  result.top5 = acc.top5_percent();
  result.count = acc.count;
  return result;
}

}  // namespace minnow
