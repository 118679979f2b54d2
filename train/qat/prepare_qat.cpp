// The walk that places QAT's quantizers: sibling order gives conv -> BN -> activation
// chains (every zoo model registers its layers in execution order), module types give
// the blocks whose output is a sum or a concatenation.
#include "train/qat/prepare_qat.h"

#include <memory>
#include <optional>
#include <set>
#include <string>

#include "core/error.h"
#include "models/mobilenet_v2.h"
#include "train/qat/conv_bn_fold.h"

namespace minnow {
namespace {

template <class T>
T* child_as(const std::vector<std::pair<std::string, Module*>>& children, size_t i) {
  return i < children.size() ? dynamic_cast<T*>(children[i].second) : nullptr;
}

bool non_negative(const Activation* act) {
  return act && (act->kind() == ActivationKind::relu || act->kind() == ActivationKind::relu6);
}

// Blocks whose output is a new tensor made of several quantized ones; the bool says signed.
std::optional<bool> block_output_sign(Module& m) {
  if (auto* ir = dynamic_cast<InvertedResidual*>(&m)) return ir->residual() ? std::optional<bool>(true) : std::nullopt;
  const std::string& t = m.type();
  if (t == "Fire" || t == "ShuffleV1Unit" || t == "ShuffleV2Unit") return false;
  return std::nullopt;
}

// Weights back in plain (out, in / groups, kh, kw): QAT transforms them before every conv.
void make_weights_plain(Module& model) {
  for (const auto& p : model.named_parameters())
    if (p.var.data().dims() != p.shape || !p.var.data().is_plain())
      p.var.set_data(Tensor::from_plain(p.shape, p.var.data().to_plain()));
}

// The BN that ends each InvertedResidual body with a residual: its output is summed with
// the block's input before any requantization (the int8 conv fuses the sum).
std::set<const Module*> residual_body_ends(Module& model) {
  std::set<const Module*> out;
  for (const auto& [name, m] : model.named_modules()) {
    auto* ir = dynamic_cast<InvertedResidual*>(m);
    if (!ir || !ir->residual()) continue;
    for (const auto& [child_name, body] : ir->named_children())
      if (child_name == "conv") out.insert(body->named_children().back().second);
  }
  return out;
}

class Preparer {
 public:
  Preparer(const QatConfig& config, QatModel& out, std::set<const Module*> residual_ends)
      : config_(config), out_(out), residual_ends_(std::move(residual_ends)) {}

  std::shared_ptr<ActivationFakeQuant> activation_quant(bool is_signed) {
    auto q = std::make_shared<ActivationFakeQuant>(ActivationQuantOptions{
        .bits = config_.activation_bits, .is_signed = is_signed,
        .momentum = static_cast<float>(config_.observer_momentum), .lsq = config_.lsq});
    out_.activation_quants.push_back(q.get());
    return q;
  }

  // Fake-quantizes m's output, unless m already has a quantizer.
  void add_activation_quant(Module& m, bool is_signed) {
    for (const auto& [name, child] : m.named_children())
      if (name == "activation_post_process") return;
    auto q = activation_quant(is_signed);
    ActivationFakeQuant* raw = q.get();
    m.add_forward_hook([raw](const Var& y) { return raw->forward(y); });
    m.add_module("activation_post_process", std::move(q));
  }

  std::shared_ptr<WeightFakeQuant> weight_quant(int64_t channels) {
    auto q = std::make_shared<WeightFakeQuant>(
        WeightQuantOptions{.bits = config_.weight_bits, .per_channel = config_.per_channel, .lsq = config_.lsq}, channels);
    out_.weight_quants.push_back(q.get());
    return q;
  }

  // A Conv2d or Linear without a BN to fold: fake-quantize its weight as it is.
  template <class Layer>
  void quantize_weight(Layer& layer) {
    auto q = weight_quant(layer.options().out);
    WeightFakeQuant* raw = q.get();
    layer.set_weight_transform([raw](const Var& w) { return raw->forward(w); });
    layer.add_module("weight_fake_quant", std::move(q));
  }

  // One module's children: the conv chains among them and the Linears.
  void visit_children(Module& m) {
    const auto children = m.named_children();
    for (size_t i = 0; i < children.size(); ++i) {
      if (auto* linear = child_as<Linear>(children, i)) quantize_weight(*linear);
      auto* conv = child_as<Conv2d>(children, i);
      if (!conv) continue;
      auto* bn = child_as<BatchNorm2d>(children, i + 1);
      const bool folds = bn && bn->options().channels == conv->options().out && !conv->bias().defined();
      if (folds) {
        fold_batch_norm(*conv, *bn, weight_quant(conv->options().out));
        out_.folded_bns.push_back(bn);
      } else {
        quantize_weight(*conv);
      }
      Module& last = folds ? static_cast<Module&>(*bn) : *conv;
      if (auto* act = child_as<Activation>(children, i + (folds ? 2 : 1)))
        add_activation_quant(*act, !non_negative(act));
      else if (!residual_ends_.count(&last))
        add_activation_quant(last, !(folds && bn->options().fuse_relu));
    }
  }

 private:
  const QatConfig& config_;
  QatModel& out_;
  std::set<const Module*> residual_ends_;  // summed with the block input before requantizing
};

}  // namespace

QatModel prepare_qat(Module& model, const QatConfig& config) {
  for (const auto& [name, m] : model.named_modules())
    MINNOW_CHECK(m->type() != "ActivationFakeQuant" && m->type() != "WeightFakeQuant",
                 "prepare_qat: the model is already prepared (", name, " is a quantizer)");
  make_weights_plain(model);
  QatModel out;
  Preparer preparer(config, out, residual_body_ends(model));
  const auto modules = model.named_modules();  // the float model's modules, before any quantizer joins
  for (const auto& [name, m] : modules) preparer.visit_children(*m);
  for (const auto& [name, m] : modules)
    if (const auto sign = block_output_sign(*m)) preparer.add_activation_quant(*m, *sign);

  auto input = preparer.activation_quant(true);
  ActivationFakeQuant* raw = input.get();
  model.add_forward_pre_hook([raw](const Var& x) { return raw->forward(x); });
  model.add_module("input_fake_quant", std::move(input));
  model.train(model.training());  // the new children follow the model's mode
  return out;
}

void set_qat_epoch(const QatModel& qat, const QatConfig& config, int64_t epoch) {
  const bool freeze_bn = config.freeze_bn_epoch >= 0 && epoch >= config.freeze_bn_epoch;
  const bool freeze_observers = config.freeze_observer_epoch >= 0 && epoch >= config.freeze_observer_epoch;
  for (BatchNorm2d* bn : qat.folded_bns)
    if (freeze_bn) bn->eval();
  for (ActivationFakeQuant* q : qat.activation_quants) q->enable_observer(!freeze_observers);
}

}  // namespace minnow
