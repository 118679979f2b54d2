// Storage for the thread-local grad, recomputation and anomaly switches and their guards.
#include "core/grad_mode.h"

namespace minnow {
namespace {
thread_local bool t_grad_enabled = true;
thread_local bool t_anomaly_enabled = false;
thread_local bool t_recomputing = false;
}  // namespace

bool grad_enabled() { return t_grad_enabled; }
void set_grad_enabled(bool enabled) { t_grad_enabled = enabled; }
bool anomaly_enabled() { return t_anomaly_enabled; }
void set_anomaly_enabled(bool enabled) { t_anomaly_enabled = enabled; }

NoGrad::NoGrad() : previous_(t_grad_enabled) { t_grad_enabled = false; }
NoGrad::~NoGrad() { t_grad_enabled = previous_; }

EnableGrad::EnableGrad() : previous_(t_grad_enabled) { t_grad_enabled = true; }
EnableGrad::~EnableGrad() { t_grad_enabled = previous_; }

bool recomputing() { return t_recomputing; }
Recomputing::Recomputing() : previous_(t_recomputing) { t_recomputing = true; }
Recomputing::~Recomputing() { t_recomputing = previous_; }

AnomalyMode::AnomalyMode() : previous_(t_anomaly_enabled) { t_anomaly_enabled = true; }
AnomalyMode::~AnomalyMode() { t_anomaly_enabled = previous_; }

}  // namespace minnow
