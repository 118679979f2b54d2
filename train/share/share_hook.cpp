// ShareHook: clustering on the built model, the pinned zeros' gradients, the weights' refresh.
#include "train/share/share_hook.h"

namespace minnow {

void ShareHook::on_model(Module& model) {
  layers_ = prepare_share(model, config_);
  for (const SharedLayer& layer : layers_) {
    layer.codebook->cluster(layer.weight.data());
    layer.weight.set_data(layer.codebook->shared_weight());
  }
}

void ShareHook::after_backward(const NamedParams&) {
  for (const SharedLayer& layer : layers_) layer.codebook->drop_pinned_gradient();
}

void ShareHook::after_step(const NamedParams&) {
  for (const SharedLayer& layer : layers_) layer.weight.set_data(layer.codebook->shared_weight());
}

}  // namespace minnow
