// QAT test models: a zoo model prepared for QAT and calibrated by a few train-mode forwards
// on random data (observers and BN statistics see real ranges), with the fake-quant logits
// of one more batch; and how closely another model's logits agree with them.
#pragma once

#include <memory>
#include <vector>

#include "models/zoo.h"

namespace minnow::test_support {

struct CalibratedQat {
  std::shared_ptr<Module> model;  // in eval mode
  Tensor x;                       // (dims) uniform in [-1, 1)
  std::vector<float> fake;        // the fake-quant model's logits for x
};
// decisive_head: the classifier re-initialised N(0, 1 / in) instead of the zoo's small init,
// so that random images get clearly separated logits (what a trained model has).
// batch_statistics: every BN's running mean and variance first set to its input's statistics
// on one batch, in eval mode layer by layer (BN momentum 0.01, MobileNet-v3's, leaves them
// near their init after 4 forwards, under which the activations of these deep SE models
// fade to 0).
CalibratedQat calibrated_qat_model(const ModelSpec& spec, const Dims& dims, uint64_t seed = 6,
                                   bool decisive_head = false, bool batch_statistics = false);
// The same for a model built by hand.
CalibratedQat calibrated_qat_model(std::shared_ptr<Module> model, const Dims& dims, uint64_t seed = 6,
                                   bool decisive_head = false, bool batch_statistics = false);

struct Agreement {
  double relative_error;  // max |got - ref| / max |ref|
  double top1;            // fraction of rows with the same arg max
  int64_t decisive;       // rows whose top two ref logits differ by more than 10% of max |ref|
  double decisive_top1;   // fraction of those with the same arg max
};
Agreement agreement(const std::vector<float>& got, const std::vector<float>& ref, int64_t classes);

}  // namespace minnow::test_support
