// Finite-difference gradient check. The op's output is projected onto a fixed
// random direction r, L = sum(y * r), and dL/dx from backward is compared with
// central differences (L(x + eps) - L(x - eps)) / 2 eps, element by element.
#pragma once

#include <functional>
#include <vector>

#include "core/var.h"

namespace minnow::test_support {

struct GradcheckOptions {
  double eps = 1e-2;
  double atol = 2e-3;
  double rtol = 2e-2;
  // Elements checked per input (a seeded random subset); 0 checks all.
  int max_elements = 48;
  // Skip elements where the one-sided differences disagree by more than this
  // relative amount: the perturbation crossed a kink (ReLU at 0, clip edges).
  double kink_tolerance = 0;  // 0 disables kink skipping
  std::vector<bool> check_input;  // empty: check every input
};

using OpFn = std::function<Var(const std::vector<Var>&)>;

// Runs the check with gtest EXPECTs; inputs are plain f32 tensors.
void expect_gradcheck(const OpFn& fn, const std::vector<Tensor>& inputs, const GradcheckOptions& options = {});

}  // namespace minnow::test_support
