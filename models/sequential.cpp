// Sequential's forward: each child's output feeds the next.
#include "models/sequential.h"

namespace minnow {

Var Sequential::forward_impl(const Var& x) {
  Var y = x;
  for (const auto& layer : layers_) y = layer->forward(y);
  return y;
}

}  // namespace minnow
