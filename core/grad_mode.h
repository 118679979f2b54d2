// Thread-local autograd switches. Grad mode decides whether ops record on the
// tape; it is separate from a module's training mode (a frozen-BN QAT model
// trains with BN in eval mode; a teacher runs in eval mode under NoGrad).
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
