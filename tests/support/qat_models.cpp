// calibrated_qat_model and agreement.
#include "tests/support/qat_models.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/grad_mode.h"
#include "models/init.h"
#include "models/layers.h"
#include "tests/support/random.h"
#include "train/qat/prepare_qat.h"

namespace minnow::test_support {

CalibratedQat calibrated_qat_model(const ModelSpec& spec, const Dims& dims, uint64_t seed, bool decisive_head,
                                   bool batch_statistics) {
  return calibrated_qat_model(create_model(spec), dims, seed, decisive_head, batch_statistics);
}

namespace {

// Each BN's running statistics := its input's per-channel mean and (biased) variance on x.
void set_batch_norm_statistics(Module& model, const Tensor& x) {
  std::vector<std::pair<Module*, int64_t>> hooks;
  for (const auto& [name, m] : model.named_modules()) {
    auto* bn = dynamic_cast<BatchNorm2d*>(m);
    if (!bn) continue;
    hooks.emplace_back(bn, bn->add_forward_pre_hook([bn](const Var& in) {
      const Dims d = in.dims();  // (N, C, H, W)
      const std::vector<float> v = in.data().to_plain();
      const int64_t per = d[2] * d[3];
      for (int64_t c = 0; c < d[1]; ++c) {
        double sum = 0, sq = 0;
        for (int64_t n = 0; n < d[0]; ++n)
          for (int64_t i = 0; i < per; ++i) {
            const double e = v[static_cast<size_t>((n * d[1] + c) * per + i)];
            sum += e;
            sq += e * e;
          }
        const double count = static_cast<double>(d[0] * per), mean = sum / count;
        bn->running_mean().data<float>()[c] = static_cast<float>(mean);
        bn->running_var().data<float>()[c] = static_cast<float>(std::max(sq / count - mean * mean, 0.0));
      }
      return in;
    }));
  }
  model.eval();
  (void)model.forward(Var(x));
  for (const auto& [m, id] : hooks) m->remove_hook(id);
}

}  // namespace

CalibratedQat calibrated_qat_model(std::shared_ptr<Module> model, const Dims& dims, uint64_t seed,
                                   bool decisive_head, bool batch_statistics) {
  CalibratedQat c{.model = std::move(model), .x = {}, .fake = {}};
  if (decisive_head)
    for (const auto& [name, m] : c.model->named_modules())
      if (const auto* linear = dynamic_cast<Linear*>(m))
        init_normal(linear->weight(), 1.0f / std::sqrt(static_cast<float>(linear->options().in)));
  Rng rng(seed);
  const NoGrad no_grad;
  if (batch_statistics) set_batch_norm_statistics(*c.model, random_tensor(dims, rng));
  QatConfig config;
  config.enabled = true;
  prepare_qat(*c.model, config);
  c.model->train();
  for (int i = 0; i < 4; ++i) (void)c.model->forward(Var(random_tensor(dims, rng)));
  c.model->eval();
  c.x = random_tensor(dims, rng);
  c.fake = c.model->forward(Var(c.x)).data().to_plain();
  return c;
}

Agreement agreement(const std::vector<float>& got, const std::vector<float>& ref, int64_t classes) {
  EXPECT_EQ(got.size(), ref.size());
  const size_t n = std::min(got.size(), ref.size());
  double diff = 0, scale = 0;
  for (size_t i = 0; i < n; ++i) {
    diff = std::max(diff, static_cast<double>(std::abs(got[i] - ref[i])));
    scale = std::max(scale, static_cast<double>(std::abs(ref[i])));
  }
  const int64_t rows = static_cast<int64_t>(n) / classes;
  Agreement a{.relative_error = scale > 0 ? diff / scale : diff, .top1 = 0, .decisive = 0, .decisive_top1 = 0};
  int64_t same = 0, decisive_same = 0;
  for (int64_t i = 0; i < rows; ++i) {
    const auto r = ref.begin() + i * classes, g = got.begin() + i * classes;
    const bool equal = std::max_element(r, r + classes) - r == std::max_element(g, g + classes) - g;
    same += equal;
    float first = -std::numeric_limits<float>::infinity(), second = first;  // the two largest ref logits
    for (int64_t j = 0; j < classes; ++j) {
      const float v = r[j];
      if (v > first) {
        second = first;
        first = v;
      } else if (v > second) {
        second = v;
      }
    }
    if (classes < 2 || first - second <= 0.1 * scale) continue;
    ++a.decisive;
    decisive_same += equal;
  }
  a.top1 = rows > 0 ? static_cast<double>(same) / static_cast<double>(rows) : 0.0;
  a.decisive_top1 = a.decisive > 0 ? static_cast<double>(decisive_same) / static_cast<double>(a.decisive) : 0.0;
  return a;
}

}  // namespace minnow::test_support
