// short_finetune: a bare training loop over the run's loader, then evaluate().
#include "train/adapt/short_finetune.h"

#include "core/compute_type.h"
#include "core/error.h"
#include "ops/losses.h"
#include "train/evaluate.h"
#include "train/grad_clip.h"
#include "train/optimizer.h"

namespace minnow {

double short_finetune(Module& model, const Config& config, data::Loader& train, data::Loader& holdout, int64_t steps,
                      int64_t epoch) {
  NamedParams params;
  for (const auto& p : model.named_parameters()) params.emplace_back(p.name, p.var);
  const auto optimizer = make_optimizer(config.optimizer, params);
  model.train();
  train.begin_epoch(epoch);
  const ComputeScope compute(compute_type(config.precision));
  for (int64_t step = 0; step < steps; ++step) {
    std::optional<data::Batch> batch = train.next();
    if (!batch) {
      train.begin_epoch(++epoch);
      batch = train.next();
      MINNOW_CHECK(batch.has_value(), "adapt: the training split gave no batch; expected at least data.batch_size (",
                   config.data.batch_size, ") images in it");
    }
    const Var loss = cross_entropy(model.forward(Var(batch->images)), batch->labels,
                                   {.label_smoothing = static_cast<float>(config.label_smoothing)});
    optimizer->zero_grad();
    loss.backward();
    if (config.optimizer.grad_clip_norm > 0) clip_grad_norm(optimizer->params(), config.optimizer.grad_clip_norm);
    optimizer->step(config.optimizer.lr);
  }
  return evaluate(model, holdout).top1;
}

}  // namespace minnow
