// Where a backward writes an input's gradient. The tape hands each output gradient dy to one
// backward and drops it after (core/tape.cpp), so when no other tensor holds dy's storage (a
// caller's seed, add's backward handing one dy to both inputs, a copy of x.grad() all do) the
// backward may write dx over it, provided its kernel reads dy element by element at the place
// it writes dx (oneDNN's eltwise and batch-norm backwards, elementwise loops).
#pragma once

#include "core/tensor.h"

namespace minnow {

// dy itself when dy.sole_owner() and dy is in descriptor md, else a new tensor of md.
// Call it before anything else shares dy (a to_layout view of it, say).
inline Tensor gradient_buffer(const Tensor& dy, const dnnl::memory::desc& md) {
  return dy.sole_owner() && dy.desc() == md ? dy : Tensor(md);
}

}  // namespace minnow
