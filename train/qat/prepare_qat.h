// prepare_qat: turns a float model into its fake-quantized training form, in place.
// - Every Conv2d followed by its BatchNorm2d (layer_chains.h) is folded (conv_bn_fold.h);
//   every other Conv2d and every Linear gets a weight fake-quant.
// - An activation fake-quant goes wherever the int8 model requantizes: on the model's
//   input, after each conv's BN, or after the activation that follows it, after a lone
//   conv, and once on the output of every block whose output form (models/output_form.h) is a
//   sum or a concatenation: by its final activation's quantizer where that has one, else on
//   the block. A residual branch's last BN is not requantized before the sum (the int8 conv
//   fuses the sum). Non-negative points (after ReLU/ReLU6, non_negative forms) are u8, the
//   rest s8 symmetric.
// The quantizers are children named "weight_fake_quant", "activation_post_process" and,
// on the model, "input_fake_quant": their state is in the model's buffers.
#pragma once

#include <vector>

#include "models/layers.h"
#include "train/config.h"
#include "train/qat/fake_quantize.h"

namespace minnow {

struct QatModel {
  std::vector<BatchNorm2d*> folded_bns;
  std::vector<ActivationFakeQuant*> activation_quants;
  std::vector<WeightFakeQuant*> weight_quants;
};

QatModel prepare_qat(Module& model, const QatConfig& config);

// Freezes the folded BNs (eval mode: running statistics, no updates) from
// config.freeze_bn_epoch on, and the observers from config.freeze_observer_epoch on.
// Call after model.train() at the start of each epoch (resume included).
void set_qat_epoch(const QatModel& qat, const QatConfig& config, int64_t epoch);

}  // namespace minnow
