// ShareHook: clustering at the start, the pinned zeros' gradients, the weights' refresh.
#include "train/share/share_hook.h"

namespace minnow {
namespace {

// A clustered layer's own weight: frozen, holding codebook[indices].
void freeze(const SharedLayer& layer) {
  layer.weight.set_requires_grad(false);
  layer.weight.set_data(layer.codebook->shared_weight());
}

}  // namespace

void ShareHook::on_model(Module& model) {
  layers_ = prepare_share(model, config_);
  if (config_.start_epoch == 0) on_epoch_start(0);
}

void ShareHook::on_epoch_start(int64_t epoch) {
  for (const SharedLayer& layer : layers_) {
    if (!layer.codebook->clustered() && epoch < config_.start_epoch) continue;
    if (!layer.codebook->clustered()) layer.codebook->cluster(layer.weight.data());
    freeze(layer);  // again after a resume, whose checkpoint holds the clustered state
  }
}

void ShareHook::after_backward(const NamedParams&) {
  for (const SharedLayer& layer : layers_) layer.codebook->drop_pinned_gradient();
}

void ShareHook::after_step(const NamedParams&) {
  for (const SharedLayer& layer : layers_)
    if (layer.codebook->clustered()) layer.weight.set_data(layer.codebook->shared_weight());
}

}  // namespace minnow
