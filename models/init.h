// Weight initialisation. Layers draw from one process-wide generator seeded by
// manual_seed (as torch.manual_seed), so a model built after the same seed has
// the same weights. Shapes are the logical (PyTorch) ones; values start plain.
#pragma once

#include <cstdint>

#include "core/rng.h"
#include "core/var.h"

namespace minnow {

void manual_seed(uint64_t seed);
Rng& init_rng();

void init_constant(const Var& v, float value);
void init_uniform(const Var& v, float bound);  // U(-bound, bound)
void init_normal(const Var& v, float stddev);  // N(0, stddev^2)
// N(mean, stddev^2) truncated to [a, b] (torch.nn.init.trunc_normal_): out-of-range draws are
// redrawn, so [a, b] must hold at least 1% of the normal's mass.
void init_trunc_normal(const Var& v, float mean, float stddev, float a, float b);

// fan_in = shape[1] * receptive field, fan_out = shape[0] * receptive field (PyTorch's convention).
int64_t fan_in(const Dims& shape);
int64_t fan_out(const Dims& shape);

// PyTorch's default for Conv2d/Linear weights: kaiming_uniform(a = sqrt(5)), i.e. U(+-1/sqrt(fan_in)).
void init_default_weight(const Var& w, const Dims& shape);
// kaiming_normal(mode = fan_out, nonlinearity = relu): N(0, 2 / fan_out).
void init_kaiming_normal_fan_out(const Var& w, const Dims& shape);
// kaiming_normal(mode = fan_in, nonlinearity = relu), PyTorch's defaults: N(0, 2 / fan_in).
void init_kaiming_normal_fan_in(const Var& w, const Dims& shape);
// kaiming_uniform(a = 0, mode = fan_in): U(+-sqrt(6 / fan_in)).
void init_kaiming_uniform_fan_in(const Var& w, const Dims& shape);

}  // namespace minnow
