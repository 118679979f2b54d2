// The node readers of convert_int8: quantizer points, post-ops, and the SE fcs.
#include "train/qat/int8_graph_nodes.h"

#include "core/error.h"
#include "ops/quant_params.h"

namespace minnow {

Int8Point point_of(const ActivationFakeQuant& q) { return {q.options().is_signed ? DType::s8 : DType::u8, q.scale()}; }

std::optional<Int8Point> layer_quant(const GraphNode& n) {
  if (n.op != GraphNode::Op::layer) return std::nullopt;
  const auto* q = child_named<ActivationFakeQuant>(*n.module, "activation_post_process");
  return q ? std::optional<Int8Point>(point_of(*q)) : std::nullopt;
}

bool is_relu(const GraphNode& n) {
  const auto* act = layer_as<Activation>(n);
  return act && act->kind() == ActivationKind::relu;
}

bool has_bias(const GraphNode& n) {
  const Conv2d* conv = layer_as<Conv2d>(n);
  return conv && conv->bias().defined();
}

std::string describe(const GraphNode& n) { return n.name + (n.module ? " (" + n.module->type() + ")" : ""); }

std::optional<Int8PostOp> post_op_of(ActivationKind kind) {
  switch (kind) {
    case ActivationKind::relu: return Int8PostOp::relu;
    case ActivationKind::relu6: return Int8PostOp::relu6;
    case ActivationKind::hardswish: return Int8PostOp::hardswish;
    case ActivationKind::swish: return Int8PostOp::swish;
    case ActivationKind::hardsigmoid: return Int8PostOp::hardsigmoid;
    case ActivationKind::sigmoid: return std::nullopt;
  }
  return std::nullopt;
}

std::vector<float> output_scales(const WeightFakeQuant& quant, int64_t out) {
  std::vector<float> scales = quant.scales().to_plain();
  if (scales.size() == 1) scales.assign(static_cast<size_t>(out), scales[0]);
  return scales;
}

Int8SeFc se_fc(const GraphNode& fc, const GraphNode& act) {
  const Conv2d* conv_layer = layer_as<Conv2d>(fc);
  MINNOW_CHECK(conv_layer, "convert_int8: ", describe(fc), " is not a conv");
  const Conv2d& conv = *conv_layer;
  const Conv2d::Options& o = conv.options();
  MINNOW_CHECK(o.kernel == 1 && o.groups == 1, "convert_int8: ", describe(fc), " has kernel ", o.kernel,
               " and groups ", o.groups, "; a squeeze-and-excitation fc is a 1x1 conv with groups 1");
  auto* wq = child_named<WeightFakeQuant>(conv, "weight_fake_quant");
  auto* aq = child_named<ActivationFakeQuant>(*act.module, "activation_post_process");
  MINNOW_CHECK(wq && aq, "convert_int8: ", describe(fc), " has no weight or activation quantizer; prepare the "
               "model with prepare_qat");
  const Tensor weight = Tensor::from_plain({o.out, o.in}, conv.weight().data().to_plain());  // (O, I)
  return {.name = fc.name,
          .weights = S8Weights::from(wq->forward(Var(weight)).data(), output_scales(*wq, o.out)),
          .bias = conv.bias().defined() ? conv.bias().data() : Tensor::zeros({o.out}),
          .activation = layer_as<Activation>(act)->kind(),
          .scale = aq->scale(),
          .range = quant_range(aq->options().bits, aq->options().is_signed)};
}

}  // namespace minnow
