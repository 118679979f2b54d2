// The ONNX form of each float layer, shared by the float and the QDQ exporters. Each
// emitter adds its node(s) and initializers named after the layer and returns the name of
// the tensor it writes.
#pragma once

#include <string>

#include "deploy/onnx/builder.h"
#include "models/layers.h"

namespace minnow::onnx_export {

// Conv with weight w (O, I/g, k, k) in any layout and bias (O) or undefined; writes out.
std::string conv2d(OnnxBuilder& b, const std::string& name, const std::string& x, const Conv2d::Options& o,
                   const Tensor& w, const Tensor& bias, const std::string& out);
// BatchNormalization in inference form (running statistics), then Relu when the BN fuses it.
std::string batch_norm(OnnxBuilder& b, const std::string& name, const std::string& x, const BatchNorm2d& bn);
// relu: Relu; relu6: Clip(min 0, max 6) in the attribute form of opsets 6-10, or with min/max
// inputs from opset 11 (opset: the model's); sigmoid; hardsigmoid: HardSigmoid(1/6, 1/2);
// hardswish: x HardSigmoid(x); swish: x Sigmoid(x).
std::string activation(OnnxBuilder& b, const std::string& name, const std::string& x, ActivationKind kind,
                       int64_t opset = 10);
// MaxPool / AveragePool (op) with kernel, stride, symmetric padding and ceil_mode, computing
// what minnow's (PyTorch's) pooling computes; an average that counts its padding gets a Pad first.
std::string pool2d(OnnxBuilder& b, const std::string& op, const std::string& name, const std::string& x,
                   const Pool2dOptions& o, int64_t opset = 10);
// Gemm(x, w^T) + bias: w (K, C) as nn.Linear stores it.
std::string gemm(OnnxBuilder& b, const std::string& name, const std::string& x, const Tensor& w, const Var& bias);
// ShuffleNet's channel shuffle of x (N, C, H, W): Reshape (N, g, C/g, H, W), Transpose
// (0, 2, 1, 3, 4), Reshape (N, C, H, W), with N copied from the input (a shape entry of 0).
// Writes name<suffix>; the tensors between are name.grouped<suffix> and name.transposed<suffix>.
std::string channel_shuffle(OnnxBuilder& b, const std::string& name, const std::string& x, const Dims& x_dims,
                            int64_t groups, const std::string& suffix = "");

}  // namespace minnow::onnx_export
