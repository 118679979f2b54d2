// The walk that places QAT's quantizers: layer_chains gives the conv -> BN -> activation
// chains, and each block's output form the sums and concatenations that are requantized.
#include "train/qat/prepare_qat.h"

#include <limits>
#include <memory>
#include <set>
#include <string>

#include "core/error.h"
#include "train/qat/conv_bn_fold.h"
#include "train/qat/layer_chains.h"

namespace minnow {
namespace {

bool non_negative(const Activation* act) {
  return act && (act->kind() == ActivationKind::relu || act->kind() == ActivationKind::relu6);
}

bool has_activation_quant(const Module& m) {
  for (const auto& [name, child] : m.named_children())
    if (name == "activation_post_process") return true;
  return false;
}

// Weights back in plain (out, in / groups, kh, kw): QAT transforms them before every conv.
void make_weights_plain(Module& model) {
  for (const auto& p : model.named_parameters())
    if (p.var.data().dims() != p.shape || !p.var.data().is_plain())
      p.var.set_data(Tensor::from_plain(p.shape, p.var.data().to_plain()));
}

// The module whose output a residual sum adds its shortcut to: the branch's last child, or
// the last child of the plain containers that end the branch.
const Module* branch_end(const Module& block, const OutputForm& form) {
  const Module* end = nullptr;
  for (const auto& [name, child] : block.named_children())
    if (child != form.shortcut && child != form.then) end = child;
  while (end && end->output_form().kind == OutputForm::Kind::plain && !end->named_children().empty())
    end = end->named_children().back().second;
  return end;
}

// Every residual branch's end: summed with the shortcut before any requantization (the int8
// conv fuses the sum).
std::set<const Module*> residual_branch_ends(Module& model) {
  std::set<const Module*> out;
  for (const auto& [name, m] : model.named_modules()) {
    const OutputForm form = m->output_form();
    if (form.kind == OutputForm::Kind::residual_sum) out.insert(branch_end(*m, form));
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
    if (has_activation_quant(m)) return;
    auto q = activation_quant(is_signed);
    ActivationFakeQuant* raw = q.get();
    m.add_forward_hook([raw](const Var& y) { return raw->forward(y); });
    m.add_module("activation_post_process", std::move(q));
  }

  // After a ReLU or ReLU6 the quantizer runs inside the activation (one pass each way, the same
  // values), unless LSQ learns its scale or a hook already reads the activation's output.
  void add_activation_quant(Activation& act) {
    const bool clip = act.kind() == ActivationKind::relu || act.kind() == ActivationKind::relu6;
    if (!clip || config_.lsq || act.has_hooks() || has_activation_quant(act)) {
      add_activation_quant(act, !non_negative(&act));
      return;
    }
    auto q = activation_quant(false);
    ActivationFakeQuant* raw = q.get();
    const float hi = act.kind() == ActivationKind::relu6 ? 6.0f : std::numeric_limits<float>::infinity();
    act.fuse_output_quant([raw, hi](const Var& x) { return raw->forward_after_clip(x, 0.0f, hi); });
    act.add_module("activation_post_process", std::move(q));
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
    for (const LayerChain& c : layer_chains(m)) {
      if (c.linear) quantize_weight(*c.linear);
      if (!c.conv) continue;
      if (c.bn) {
        fold_batch_norm(*c.conv, *c.bn, weight_quant(c.conv->options().out));
        out_.folded_bns.push_back(c.bn);
      } else {
        quantize_weight(*c.conv);
      }
      if (c.act)
        add_activation_quant(*c.act);
      else if (!residual_ends_.count(&c.last()))
        add_activation_quant(c.last(), !(c.bn && c.bn->options().fuse_relu));
    }
  }

  // A sum or a concatenation is requantized once, at the block's output: by the quantizer the
  // chains gave the activation that ends the block, else by one on the block.
  void add_block_quant(Module& block) {
    const OutputForm form = block.output_form();
    if (form.kind == OutputForm::Kind::plain || (form.then && has_activation_quant(*form.then))) return;
    add_activation_quant(block, !form.non_negative);
  }

 private:
  const QatConfig& config_;
  QatModel& out_;
  std::set<const Module*> residual_ends_;  // summed with the shortcut before requantizing
};

}  // namespace

QatModel prepare_qat(Module& model, const QatConfig& config) {
  for (const auto& [name, m] : model.named_modules())
    MINNOW_CHECK(m->type() != "ActivationFakeQuant" && m->type() != "WeightFakeQuant",
                 "prepare_qat: the model is already prepared (", name, " is a quantizer)");
  make_weights_plain(model);
  QatModel out;
  Preparer preparer(config, out, residual_branch_ends(model));
  const auto modules = model.named_modules();  // the float model's modules, before any quantizer joins
  for (const auto& [name, m] : modules) preparer.visit_children(*m);
  for (const auto& [name, m] : modules) preparer.add_block_quant(*m);

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
