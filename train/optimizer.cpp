// The optimizer base: parameter checks, weight-decay groups, gradients in the parameter's
// layout, and the state save/load round trip shared by every optimizer. Also make_optimizer.
#include "train/optimizer.h"

#include <map>
#include <set>

#include "core/error.h"
#include "train/adamw.h"
#include "ops/layout.h"
#include "train/sgd.h"

namespace minnow {
namespace {

// An f32 buffer owned by the optimizer, in layout md (a fresh copy either way). Dims may
// differ by grouping only (a grouped conv weight is OIHW when plain, GOIHW in its layout).
Tensor owned_copy(const Tensor& t, const dnnl::memory::desc& md) { return t.desc() == md ? t.clone() : to_desc(t, md); }

}  // namespace

bool exempt_from_weight_decay(const std::string& name, const Dims& dims) {
  const bool bias = name == "bias" || (name.size() > 5 && name.ends_with(".bias"));
  return dims.size() <= 1 || bias;
}

Optimizer::Optimizer(NamedParams params, std::vector<std::string> buffer_names, bool counts_steps,
                     bool no_decay_bn_bias)
    : params_(std::move(params)), buffer_names_(std::move(buffer_names)), counts_steps_(counts_steps) {
  std::set<std::string> names;
  for (const auto& [name, var] : params_) {
    MINNOW_CHECK(!name.empty(), "optimizer: a parameter has an empty name; expected dotted names such as conv.weight");
    MINNOW_CHECK(names.insert(name).second, "optimizer: parameter '", name, "' is given twice; expected unique names");
    MINNOW_CHECK(var.defined() && var.data().defined(), "optimizer: parameter '", name, "' holds no tensor");
    MINNOW_CHECK(var.data().dtype() == DType::f32, "optimizer: parameter '", name, "' is ",
                 dtype_name(var.data().dtype()), "; expected f32 master weights");
    decays_.push_back(!(no_decay_bn_bias && exempt_from_weight_decay(name, var.dims())));
  }
  states_.resize(params_.size());
  for (auto& state : states_) state.buffers.resize(buffer_names_.size());
}

void Optimizer::zero_grad() const {
  for (const auto& [name, var] : params_) var.zero_grad();
}

Tensor Optimizer::grad_of(size_t i) const {
  const auto& [name, var] = params_[i];
  const Tensor& grad = var.grad();
  if (!grad.defined()) return grad;
  MINNOW_CHECK(grad.dtype() == DType::f32, "optimizer: gradient of '", name, "' is ", dtype_name(grad.dtype()),
               "; expected f32");
  MINNOW_CHECK(grad.dims() == var.dims(), "optimizer: gradient of '", name, "' has dims ", dims_str(grad.dims()),
               ", expected the parameter's ", dims_str(var.dims()));
  return grad.to_layout(var.data().desc());
}

Optimizer::ParamState& Optimizer::state_of(size_t i) {
  const auto& md = params_[i].second.data().desc();
  for (Tensor& buffer : states_[i].buffers) {
    if (buffer.defined() && buffer.desc() != md) buffer = to_desc(buffer, md);
  }
  return states_[i];
}

NamedTensors Optimizer::state() const {
  NamedTensors out;
  for (size_t i = 0; i < params_.size(); ++i) {
    const auto& [name, var] = params_[i];
    const ParamState& s = states_[i];
    for (size_t b = 0; b < buffer_names_.size(); ++b) {
      if (!s.buffers[b].defined()) continue;
      out.emplace_back(name + "." + buffer_names_[b], owned_copy(s.buffers[b], plain_desc(var.dims())));
    }
    if (counts_steps_ && s.step > 0) {
      MINNOW_CHECK(s.step <= INT32_MAX, "optimizer: step count ", s.step, " of '", name, "' exceeds the s32 range");
      Tensor step(plain_desc({1}, DType::s32));
      *step.data<int32_t>() = static_cast<int32_t>(s.step);
      out.emplace_back(name + ".step", std::move(step));
    }
  }
  return out;
}

void Optimizer::load_state(const NamedTensors& state) {
  std::map<std::string, const Tensor*> given;
  for (const auto& [key, tensor] : state) {
    MINNOW_CHECK(given.emplace(key, &tensor).second, "optimizer state: '", key, "' is given twice");
  }
  std::vector<ParamState> loaded(params_.size());
  for (size_t i = 0; i < params_.size(); ++i) {
    const auto& [name, var] = params_[i];
    ParamState& s = loaded[i];
    s.buffers.resize(buffer_names_.size());
    std::vector<std::string> present, missing;
    for (size_t b = 0; b < buffer_names_.size(); ++b) {
      const std::string key = name + "." + buffer_names_[b];
      const auto it = given.find(key);
      if (it == given.end()) {
        missing.push_back(key);
        continue;
      }
      const Tensor& t = *it->second;
      MINNOW_CHECK(t.dtype() == DType::f32 && same_weight_shape(t.dims(), var.dims()), "optimizer state: '", key, "' is ",
                   dtype_name(t.dtype()), " ", dims_str(t.dims()), "; expected f32 ", dims_str(var.dims()),
                   " like the parameter");
      s.buffers[b] = owned_copy(t, var.data().desc());
      present.push_back(key);
      given.erase(it);
    }
    if (counts_steps_) {
      const std::string key = name + ".step";
      if (const auto it = given.find(key); it == given.end()) {
        missing.push_back(key);
      } else {
        const Tensor& t = *it->second;
        MINNOW_CHECK(t.dtype() == DType::s32 && t.numel() == 1 && *t.data<int32_t>() >= 1, "optimizer state: '", key,
                     "' must be one s32 count >= 1, got ", dtype_name(t.dtype()), " ", dims_str(t.dims()));
        s.step = *t.data<int32_t>();
        present.push_back(key);
        given.erase(it);
      }
    }
    MINNOW_CHECK(present.empty() || missing.empty(), "optimizer state: '", present.front(), "' is given but '",
                 missing.empty() ? std::string() : missing.front(), "' is missing; expected all or none of a parameter's state");
  }
  MINNOW_CHECK(given.empty(), "optimizer state: '", given.empty() ? std::string() : printable(given.begin()->first),
               "' matches no parameter of this optimizer (", params_.size(), " parameters)");
  states_ = std::move(loaded);
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& config, NamedParams params) {
  switch (config.name) {
    case OptimizerKind::sgd:
      return std::make_unique<Sgd>(std::move(params), SgdOptions{.momentum = config.momentum,
                                                                 .nesterov = config.nesterov,
                                                                 .weight_decay = config.weight_decay,
                                                                 .no_decay_bn_bias = config.no_decay_bn_bias});
    case OptimizerKind::adamw:
      return std::make_unique<AdamW>(std::move(params), AdamWOptions{.betas = config.betas,
                                                                     .eps = config.eps,
                                                                     .weight_decay = config.weight_decay,
                                                                     .no_decay_bn_bias = config.no_decay_bn_bias});
  }
  MINNOW_FAIL("optimizer: unknown optimizer kind ", static_cast<int>(config.name));
}

}  // namespace minnow
