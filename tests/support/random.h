// Random test inputs: plain f32 tensors and Vars from a seeded Rng.
#pragma once

#include "core/rng.h"
#include "core/var.h"

namespace minnow::test_support {

Tensor random_tensor(const Dims& dims, Rng& rng, float lo = -1.0f, float hi = 1.0f);
Var random_var(const Dims& dims, Rng& rng, bool requires_grad = true, float lo = -1.0f, float hi = 1.0f);

// Largest |a - b| / (atol + rtol |b|) over the elements; <= 1 means "close".
double closeness(const std::vector<float>& a, const std::vector<double>& b, double atol, double rtol);
double closeness(const std::vector<float>& a, const std::vector<float>& b, double atol, double rtol);

}  // namespace minnow::test_support
