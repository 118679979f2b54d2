// dequantized_linear: dequantize, flatten (N, K, 1, 1) to (N, K), then minnow's linear
// (oneDNN inner product) with recording off.
#include "ops/int8/classifier.h"

#include "core/error.h"
#include "core/grad_mode.h"
#include "core/var.h"
#include "ops/linear.h"

namespace minnow {

Tensor dequantized_linear(const QTensor& features, const Tensor& w, const Tensor& b) {
  const Dims d = features.data.dims();
  const bool pooled = d.size() == 4 && d[2] == 1 && d[3] == 1;
  MINNOW_CHECK(d.size() == 2 || pooled, "dequantized_linear: expected features (N, K) or (N, K, 1, 1), got ",
               dims_str(d));
  const Tensor real = features.data.dtype() == DType::f32 && features.scale == 1.f ? features.data
                                                                                   : dequantize(features);
  const Tensor x = real.to_layout(plain_desc(d)).reshape({d[0], d[1]});  // (N, K)
  const NoGrad no_grad;
  return linear(Var(x), Var(w), b.defined() ? Var(b) : Var()).data();
}

}  // namespace minnow
