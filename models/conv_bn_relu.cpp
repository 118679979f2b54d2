// Builds the three-layer Sequential; the BN width follows the conv's output.
#include "models/conv_bn_relu.h"

namespace minnow {

std::shared_ptr<Sequential> conv_bn_relu(Conv2d::Options conv) {
  conv.bias = false;
  auto block = std::make_shared<Sequential>();
  block->add(std::make_shared<Conv2d>(conv));
  block->add(std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.channels = conv.out}));
  block->add(std::make_shared<Activation>(ActivationKind::relu));
  return block;
}

}  // namespace minnow
