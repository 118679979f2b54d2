// Batch consistency and the overfit loop (train/sgd.h, train/grad_clip.h); both draw
// their data from a seeded Rng.
#include "tests/support/model_checks.h"

#include <algorithm>
#include <cmath>

#include "core/grad_mode.h"
#include "models/layers.h"
#include "ops/losses.h"
#include "tests/support/random.h"
#include "train/grad_clip.h"
#include "train/sgd.h"

namespace minnow::test_support {
namespace {

struct Batch {
  Tensor x;  // (N, C, H, W)
  std::vector<int32_t> labels;
};

float mean(const std::vector<float>& values) {
  float sum = 0;
  for (float v : values) sum += v;
  return sum / static_cast<float>(values.size());
}

float loss_value(const Var& loss) { return loss.data().to_plain()[0]; }

// t's values replaced by uniform ones in [lo, hi).
void fill(const Tensor& t, Rng& rng, float lo, float hi) {
  const Tensor r = random_tensor(t.dims(), rng, lo, hi);
  std::copy_n(r.data<float>(), t.numel(), t.data<float>());
}

}  // namespace

double batch_consistency_error(Module& model, const Dims& input_dims, uint64_t seed) {
  Rng rng(seed);
  const Tensor x = random_tensor(input_dims, rng);
  const std::vector<float> plain = x.to_plain();
  const int64_t n = input_dims[0], per_sample = product(input_dims) / n;
  model.eval();
  NoGrad no_grad;
  const std::vector<float> batch = model.forward(Var(x)).data().to_plain();  // (N, K)
  const size_t classes = batch.size() / static_cast<size_t>(n);
  Dims one = input_dims;
  one[0] = 1;
  double largest = 0, worst = 0;
  for (float v : batch) largest = std::max(largest, static_cast<double>(std::abs(v)));
  for (int64_t i = 0; i < n; ++i) {
    const auto begin = plain.begin() + i * per_sample;
    const Tensor xi = Tensor::from_plain(one, std::vector<float>(begin, begin + per_sample));
    const std::vector<float> single = model.forward(Var(xi)).data().to_plain();
    for (size_t k = 0; k < classes; ++k)
      worst = std::max(worst, static_cast<double>(std::abs(single[k] - batch[static_cast<size_t>(i) * classes + k])));
  }
  return largest > 0 ? worst / largest : worst;
}

OverfitResult overfit(Module& model, const OverfitOptions& options) {
  const auto& o = options;
  Rng rng(o.seed);
  std::vector<Batch> batches;
  for (int64_t b = 0; b < o.batches; ++b) {
    Batch batch{random_tensor({o.batch, o.in_channels, o.resolution, o.resolution}, rng), {}};
    for (int64_t i = 0; i < o.batch; ++i)
      batch.labels.push_back(static_cast<int32_t>(rng.below(static_cast<uint64_t>(o.num_classes))));
    batches.push_back(std::move(batch));
  }
  model.train();
  std::vector<float> losses;
  {
    NoGrad no_grad;
    for (const auto& b : batches) losses.push_back(loss_value(cross_entropy(model.forward(Var(b.x)), b.labels)));
  }
  OverfitResult result{.initial_loss = mean(losses), .final_loss = mean(losses), .steps = 0};

  NamedParams params;
  for (const auto& p : model.named_parameters()) params.emplace_back(p.name, p.var);
  Sgd sgd(params, {.momentum = o.momentum});
  while (result.steps < o.max_steps && result.final_loss > o.target * result.initial_loss) {
    const size_t b = static_cast<size_t>(result.steps % o.batches);
    const Var loss = cross_entropy(model.forward(Var(batches[b].x)), batches[b].labels);
    loss.backward();
    losses[b] = loss_value(loss);
    if (o.clip_norm > 0) clip_grad_norm(params, o.clip_norm);
    sgd.step(o.lr);
    sgd.zero_grad();
    ++result.steps;
    if (result.steps >= o.batches) result.final_loss = mean(losses);
  }
  return result;
}

void randomise_batch_norms(Module& model, uint64_t seed) {
  Rng rng(seed);
  for (const auto& [name, m] : model.named_modules()) {
    auto* bn = dynamic_cast<BatchNorm2d*>(m);
    if (!bn) continue;
    fill(bn->running_mean(), rng, -0.5f, 0.5f);
    fill(bn->running_var(), rng, 0.5f, 2.0f);
    fill(bn->weight().data(), rng, 0.5f, 1.5f);
    fill(bn->bias().data(), rng, -0.5f, 0.5f);
  }
}

}  // namespace minnow::test_support
