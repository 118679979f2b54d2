// feature_hooks: one hook per enabled config section.
#include "train/feature_hooks.h"

#include "train/binarize/binarize_hook.h"
#include "train/distillation.h"
#include "train/prune/prune_hook.h"
#include "train/qat/qat_hook.h"
#include "train/share/share_hook.h"

namespace minnow {

TrainHooks feature_hooks(const Config& config) {
  TrainHooks hooks;
  if (config.qat.enabled) hooks.push_back(std::make_shared<QatHook>(config.qat));
  if (config.binarize.enabled) hooks.push_back(std::make_shared<BinarizeHook>(config.binarize));
  if (config.prune.enabled) hooks.push_back(std::make_shared<PruneHook>(config.prune));
  if (config.share.enabled) hooks.push_back(std::make_shared<ShareHook>(config.share));
  if (config.distill.enabled) hooks.push_back(std::make_shared<DistillationHook>(config));
  return hooks;
}

}  // namespace minnow
