// One pass over the evaluation loader; logits land at their dataset index.
#include "train/evaluate.h"

#include <algorithm>

#include "core/error.h"
#include "core/grad_mode.h"
#include "ops/losses.h"
#include "train/metrics.h"

namespace minnow {

EvalResult evaluate(Module& model, data::Loader& loader, bool keep_logits) {
  const bool was_training = model.training();
  model.eval();
  NoGrad no_grad;
  EvalResult result =
      evaluate([&model](const Tensor& images) { return model.forward(Var(images)).data(); }, loader, keep_logits);
  model.train(was_training);
  return result;
}

EvalResult evaluate(const LogitsFn& logits_of, data::Loader& loader, bool keep_logits) {
  NoGrad no_grad;
  Accuracy acc;
  EvalResult result;
  loader.begin_epoch(0);
  while (auto batch = loader.next()) {
    const Var logits(logits_of(batch->images));  // (N, K), K = the model's outputs
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
  result.loss = acc.loss();
  result.top1 = acc.top1_percent();
  result.top5 = acc.top5_percent();
  result.count = acc.count;
  return result;
}

double argmax_agreement_percent(const EvalResult& a, const EvalResult& b) {
  MINNOW_CHECK(a.num_classes == b.num_classes && a.logits.size() == b.logits.size() && !a.logits.empty(),
               "argmax_agreement_percent: expected two kept evaluations of one dataset, got ", a.logits.size(),
               " and ", b.logits.size(), " logits");
  const auto k = static_cast<size_t>(a.num_classes);
  const size_t n = a.logits.size() / k;
  size_t same = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto ra = a.logits.begin() + static_cast<long>(i * k), rb = b.logits.begin() + static_cast<long>(i * k);
    same += std::max_element(ra, ra + static_cast<long>(k)) - ra == std::max_element(rb, rb + static_cast<long>(k)) - rb;
  }
  return 100.0 * static_cast<double>(same) / static_cast<double>(n);
}

}  // namespace minnow
