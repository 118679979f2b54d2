// QAT as a training hook: on the built model it inserts the fake quantizers
// (prepare_qat), and at each epoch's start it applies the config's BN and observer
// freezing schedule (set_qat_epoch), so a resumed run freezes at the same epochs.
#pragma once

#include "train/config.h"
#include "train/qat/prepare_qat.h"
#include "train/train_hook.h"

namespace minnow {

class QatHook : public TrainHook {
 public:
  explicit QatHook(QatConfig config) : config_(std::move(config)) {}

  void on_model(Module& model) override { qat_ = prepare_qat(model, config_); }
  void on_epoch_start(int64_t epoch) override { set_qat_epoch(qat_, config_, epoch); }

 private:
  QatConfig config_;
  QatModel qat_;
};

}  // namespace minnow
