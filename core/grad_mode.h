// Thread-local autograd switches. Grad mode decides whether ops record on the
// tape; it is separate from a module's training mode (a frozen-BN QAT model
// trains with BN in eval mode; a teacher runs in eval mode under NoGrad). Recomputation
// mode marks the second run of a checkpointed segment.
// Anomaly mode checks every op's outputs and gradients for NaN/Inf and names the op.
#pragma once

namespace minnow {

bool grad_enabled();
void set_grad_enabled(bool enabled);

bool anomaly_enabled();
void set_anomaly_enabled(bool enabled);

// RAII: recording off for the guard's lifetime, previous mode restored after.
class NoGrad {
 public:
  NoGrad();
  ~NoGrad();
  NoGrad(const NoGrad&) = delete;
  NoGrad& operator=(const NoGrad&) = delete;

 private:
  bool previous_;
};

// RAII: recording on for the guard's lifetime (a checkpoint's recomputation inside backward).
class EnableGrad {
 public:
  EnableGrad();
  ~EnableGrad();
  EnableGrad(const EnableGrad&) = delete;
  EnableGrad& operator=(const EnableGrad&) = delete;

 private:
  bool previous_;
};

// True while a checkpointed segment runs a second time in backward (ops/checkpoint.h): layers
// with running state (BN statistics, QAT observers) leave it as the first run left it.
bool recomputing();

// RAII: recomputing() is true for the guard's lifetime.
class Recomputing {
 public:
  Recomputing();
  ~Recomputing();
  Recomputing(const Recomputing&) = delete;
  Recomputing& operator=(const Recomputing&) = delete;

 private:
  bool previous_;
};

// RAII: anomaly detection on for the guard's lifetime.
class AnomalyMode {
 public:
  AnomalyMode();
  ~AnomalyMode();
  AnomalyMode(const AnomalyMode&) = delete;
  AnomalyMode& operator=(const AnomalyMode&) = delete;

 private:
  bool previous_;
};

}  // namespace minnow
