#include "models/inference_fold.h"

#include "models/conv_bn_act.h"

namespace minnow {

int fold_for_inference(Module& model) {
  model.eval();
  int folded = 0;
  for (const auto& [name, module] : model.named_modules())
    if (auto* block = dynamic_cast<ConvBnAct*>(module); block && !block->folded()) {
      block->fold_for_inference();
      ++folded;
    }
  return folded;
}

}  // namespace minnow
