// Uses the installed minnow: one convolution forward and backward; exits non-zero on a wrong gradient.
#include <minnow/core/var.h>
#include <minnow/ops/conv2d.h>

#include <cstdio>
#include <vector>

int main() {
  using namespace minnow;
  const Var x(Tensor::full({1, 2, 5, 5}, 1.0f), true);
  const Var w(Tensor::full({4, 2, 3, 3}, 0.5f), true);
  const Var y = conv2d(x, w, Var(), {.padding = 1});
  y.backward(Tensor::full(y.dims(), 1.0f).to_layout(y.data().desc()));
  // The centre pixel's gradient sums every weight of every output channel: 4 * 9 * 0.5.
  const float centre = x.grad().to_plain()[12];
  std::printf("downstream: y %s, dx centre %.1f\n", dims_str(y.dims()).c_str(), centre);
  return centre == 18.0f ? 0 : 1;
}
