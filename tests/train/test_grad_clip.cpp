// Gradient-norm clipping against torch.nn.utils.clip_grad_norm_, plus blocked layouts,
// thread-count independence, shared gradient storage and non-finite norms.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "tests/support/random.h"
#include "tests/support/torch_parity.h"
#include "tests/train/optim_parity.h"
#include "train/grad_clip.h"

namespace minnow {
namespace {

using test_support::random_tensor;

NamedParams params_with_grads(const NamedTensors& grads) {
  NamedParams params;
  for (const auto& [name, g] : grads) {
    Var var(Tensor::zeros(g.dims()), true);
    var.set_grad(g.clone());
    params.emplace_back(name, var);
  }
  return params;
}

TEST(GradClip, MatchesTorch) {
  Rng rng(11);
  // 40000 elements span two of grad_norm's chunks.
  const NamedTensors grads = {{"a", random_tensor({8, 3, 3, 3}, rng)},
                              {"b", random_tensor({40000}, rng, -0.01f, 0.01f)},
                              {"c", random_tensor({5}, rng, -3.0f, 3.0f)}};
  const std::vector<double> max_norms{0.5, 1000.0};
  SafeTensors request;
  for (const auto& [name, g] : grads) request.tensors.emplace_back("grad/" + name, g);
  request.metadata["max_norms"] = nlohmann::json(max_norms).dump();

  const SafeTensors torch = test_support::run_optim_parity("clip", request);

  for (size_t i = 0; i < max_norms.size(); ++i) {
    const NamedParams params = params_with_grads(grads);
    const double norm = clip_grad_norm(params, max_norms[i]);
    const std::string prefix = std::to_string(i) + "/";
    EXPECT_NEAR(norm, torch.at(prefix + "norm").to_plain()[0], 1e-5 * norm);
    for (const auto& [name, var] : params)
      test_support::expect_matches_torch(var.grad().to_plain(), torch.at(prefix + name).to_plain(), 1e-7, 1e-5,
                                         prefix + name);
  }
}

TEST(GradClip, BlockedGradientsGiveThePlainNorm) {
  Rng rng(5);
  const Dims dims{2, 20, 3, 3};
  const Tensor plain = random_tensor(dims, rng);
  const NamedParams plain_params = params_with_grads({{"w", plain}});
  const NamedParams blocked_params = params_with_grads(
      {{"w", plain.to_layout(dnnl::memory::desc(dims, dt::f32, dnnl::memory::format_tag::nChw16c))}});
  EXPECT_NEAR(grad_norm(blocked_params), grad_norm(plain_params), 1e-12);
  clip_grad_norm(plain_params, 0.1);
  clip_grad_norm(blocked_params, 0.1);
  EXPECT_EQ(blocked_params[0].second.grad().to_plain(), plain_params[0].second.grad().to_plain());
}

TEST(GradClip, NormDoesNotDependOnThreadCount) {
  Rng rng(9);
  const NamedParams params = params_with_grads({{"big", random_tensor({300000}, rng)}});
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const double one = grad_norm(params);
  omp_set_num_threads(3);
  const double three = grad_norm(params);
  omp_set_num_threads(threads);
  EXPECT_EQ(one, three);
}

TEST(GradClip, SharedGradientStorageIsScaledOnce) {
  const Tensor shared = Tensor::full({4}, 3.0f);  // norm over both: sqrt(8 * 9)
  Var a(Tensor::zeros({4}), true), b(Tensor::zeros({4}), true);
  a.set_grad(shared);
  b.set_grad(shared);
  const double norm = clip_grad_norm({{"a", a}, {"b", b}}, 1.0);
  EXPECT_DOUBLE_EQ(norm, std::sqrt(72.0));
  const float expected = 3.0f * static_cast<float>(1.0 / (std::sqrt(72.0) + 1e-6));
  EXPECT_EQ(a.grad().to_plain(), std::vector<float>(4, expected));
  EXPECT_EQ(b.grad().to_plain(), std::vector<float>(4, expected));
  EXPECT_EQ(shared.to_plain(), std::vector<float>(4, 3.0f));
}

TEST(GradClip, NonFiniteNormIsReportedNotApplied) {
  const NamedParams params = params_with_grads({{"w", Tensor::from_plain({2}, std::vector<float>{1.0f, NAN})}});
  EXPECT_TRUE(std::isnan(clip_grad_norm(params, 1.0)));
  EXPECT_EQ(params[0].second.grad().to_plain()[0], 1.0f);
  // Parameters without a gradient are left out of the norm.
  NamedParams mixed = params_with_grads({{"g", Tensor::full({1}, 2.0f)}});
  mixed.emplace_back("none", Var(Tensor::zeros({3}), true));
  EXPECT_EQ(grad_norm(mixed), 2.0);
}

}  // namespace
}  // namespace minnow
