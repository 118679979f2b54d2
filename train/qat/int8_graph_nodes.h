// What convert_int8 (int8_convert.cpp) reads off the nodes of a QAT-prepared model's inference
// graph: the int8 point of a quantizer, a layer's own output quantizer, a conv's post-op and
// bias, a squeeze-and-excitation fc as an f32 Linear, and the names used in its messages.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "models/graph.h"
#include "models/layers.h"
#include "train/qat/fake_quantize.h"
#include "train/qat/int8_model.h"
#include "train/qat/int8_se_gate.h"

namespace minnow {

// The child of m called name, if it is a T.
template <class T>
T* child_named(const Module& m, const std::string& name) {
  for (const auto& [n, child] : m.named_children())
    if (n == name) return dynamic_cast<T*>(child);
  return nullptr;
}

Int8Point point_of(const ActivationFakeQuant& q);
inline bool same(Int8Point a, Int8Point b) { return a.type == b.type && a.scale == b.scale; }

// The quantizer prepare_qat put on a layer's output, if any.
std::optional<Int8Point> layer_quant(const GraphNode& n);

bool is_relu(const GraphNode& n);
bool has_bias(const GraphNode& n);  // a conv with a bias
std::string describe(const GraphNode& n);  // "name (Type)", for messages

// The Int8Conv post-op of an activation after a conv, if it has one.
std::optional<Int8PostOp> post_op_of(ActivationKind kind);

// The weight scale of each of a layer's out outputs: the quantizer's per-channel scales, or its
// per-tensor scale repeated.
std::vector<float> output_scales(const WeightFakeQuant& quant, int64_t out);

// A gate's 1x1 conv and its activation, as an f32 Linear with the fake-quantized weight.
Int8SeFc se_fc(const GraphNode& fc, const GraphNode& act);

}  // namespace minnow
