// Mixed precision end to end: MobileNet-v2 trained on one fixed batch in a bf16 ComputeScope
// (core/compute_type.h) against the same run in f32. Per-step gradients of a random-init net in
// training mode do not compare element by element: bf16 rounding of the convs' outputs before
// batch statistics changes their direction (cosine 0.49 against f32 here; PyTorch 1.13's
// autocast gives 0.39 on torchvision's mobilenet_v2 0.35 at 32 px). What must hold is that
// training works: the loss starts where f32's does and falls as far, and every gradient the
// optimizer sees is f32.
#include <gtest/gtest.h>


#include "core/compute_type.h"
#include "models/zoo.h"
#include "ops/losses.h"
#include "tests/support/random.h"
#include "train/sgd.h"

namespace minnow {
namespace {

constexpr int kSteps = 25;

// The loss before the first step and after the last.
std::pair<double, double> overfit(bool bf16) {
  const ModelSpec spec{.name = "mobilenet_v2", .width = 0.35f, .num_classes = 10, .small_input = true};
  auto model = create_model(spec);  // the same seeded weights each time
  model->train();
  NamedParams params;
  for (const auto& p : model->named_parameters()) params.emplace_back(p.name, p.var);
  Sgd sgd(params, {.momentum = 0.9});
  Rng rng(5);
  const Var x(test_support::random_tensor({16, 3, 32, 32}, rng));
  const std::vector<int32_t> labels{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5};
  const ComputeScope scope(bf16 ? DType::bf16 : DType::f32);
  double first = 0, last = 0;
  for (int step = 0; step < kSteps; ++step) {
    sgd.zero_grad();
    const Var loss = cross_entropy(model->forward(x), labels);
    loss.backward();
    for (const auto& [name, var] : params) EXPECT_EQ(var.grad().dtype(), DType::f32) << name << " at step " << step;
    (step == 0 ? first : last) = loss.data().to_plain()[0];
    sgd.step(0.05);
  }
  return {first, last};
}

TEST(Bf16Training, MobileNetV2OverfitsABatchAsF32Does) {
  const auto [f32_first, f32_last] = overfit(false);
  const auto [bf16_first, bf16_last] = overfit(true);
  EXPECT_NEAR(bf16_first, f32_first, 0.02 * f32_first);
  EXPECT_LT(f32_last, 0.3 * f32_first) << "the f32 run itself does not learn the batch: the check would be weak";
  EXPECT_LT(bf16_last, 0.3 * bf16_first);
  EXPECT_LT(bf16_last, f32_last + 0.1 * f32_first);
}

}  // namespace
}  // namespace minnow
