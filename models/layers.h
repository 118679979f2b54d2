// The leaf layers: thin modules over the ops, each configured by a plain
// options struct, e.g. Conv2d({.in = 32, .out = 64, .kernel = 3, .stride = 2, .groups = 32}).
// Parameters start with PyTorch's default initialisation; models re-initialise
// them with their own scheme. Blocks and models live in their own files.
#pragma once

#include <optional>
#include <span>

#include "core/rng.h"
#include "models/module.h"
#include "ops/batch_norm.h"
#include "ops/conv2d.h"
#include "ops/pooling.h"

namespace minnow {

class Conv2d : public Module {
 public:
  bool is_layer() const override { return true; }
  struct Options {
    int64_t in = 0, out = 0, kernel = 1;
    int64_t stride = 1;
    int64_t padding = -1;  // -1: dilation * (kernel - 1) / 2, which keeps the size at stride 1
    int64_t dilation = 1;
    int64_t groups = 1;
    bool bias = true;  // PyTorch's default; conv-BN blocks pass false
  };
  explicit Conv2d(const Options& options);
  const Options& options() const { return options_; }
  const Var& weight() const { return weight_; }  // (out, in / groups, kernel, kernel)
  const Var& bias() const { return bias_; }      // (out) or undefined
  // The conv uses transform(weight) instead of the weight (QAT: fold BN, fake-quantize).
  void set_weight_transform(Hook transform) { weight_transform_ = std::move(transform); }
  bool has_weight_transform() const { return static_cast<bool>(weight_transform_); }
  // Rebuilds the layer smaller, keeping the listed output and input channels (ascending) with
  // their weights (channel pruning, models/channel_prune.h). The kept groups are those with a
  // kept output channel; each keeps the same in-group output and input indices, so a
  // depthwise conv keeps one group per channel and a grouped conv keeps all its groups.
  void keep_channels(std::span<const int64_t> out, std::span<const int64_t> in);
  // Folds a per-output-channel affine map into the layer, for inference (a batch norm after
  // it, models/inference_fold.h): w[o] <- scale[o] w[o], b[o] <- scale[o] b[o] + shift[o]
  // (b = 0 without a bias).
  void fold_scale_shift(std::span<const float> scale, std::span<const float> shift);
  // Runs `post` (the activation after the layer) inside the conv primitive, for inference.
  void fuse_post_op(ConvPostOp post);
  // The activation fuse_post_op put inside the primitive (undefined: none).
  const ConvPostOp& post_op() const { return op_.post; }
  // Forwards run Winograd where oneDNN has it for the shape (Conv2dOptions::winograd); the
  // layer then runs in eval mode without gradients only, as a folded one does.
  void set_winograd(bool winograd);
  bool winograd() const { return op_.winograd; }

 protected:
  Var forward_impl(const Var& x) override;

 private:
  // The weight an inference forward on x runs with: a Winograd primitive's weight layout is a
  // transform oneDNN cannot turn back and changes with the input's shape, so the parameter
  // stays as it is and each such layout gets a transformed copy, made once. Remembered per
  // input layout, so a forward looks its weight up without asking the primitive again.
  Var inference_weight(const Var& x);

  Options options_;
  Conv2dOptions op_;
  Var weight_, bias_;
  Hook weight_transform_;
  std::vector<std::pair<dnnl::memory::desc, Var>> inference_weights_;  // input layout -> weight it runs with
};

class BatchNorm2d : public Module {
 public:
  bool is_layer() const override { return true; }
  struct Options {
    int64_t channels = 0;
    float eps = 1e-5f;
    float momentum = 0.1f;
    bool fuse_relu = false;  // y = relu(bn(x)) in one primitive: one pass over memory instead of two
  };
  explicit BatchNorm2d(const Options& options);
  const Options& options() const { return options_; }
  const Var& weight() const { return weight_; }  // gamma (C)
  const Var& bias() const { return bias_; }      // beta (C)
  const Tensor& running_mean() const { return running_mean_; }
  const Tensor& running_var() const { return running_var_; }
  // The running statistics' update weight (PyTorch's convention: running = (1 - m) running + m batch).
  void set_momentum(float momentum);
  // Synchronised statistics in training mode (BatchNormOptions::replica_sum); empty: local.
  void set_replica_sum(std::function<void(std::span<double>)> sum) { replica_sum_ = std::move(sum); }
  // Keeps the listed channels (ascending) of every parameter and statistic (channel pruning).
  void keep_channels(std::span<const int64_t> channels);
  // y = relu(bn(x)) in one primitive from now on (a ReLU after it folded, models/inference_fold.h).
  void set_fuse_relu(bool fuse) { options_.fuse_relu = fuse; }
  // Folded into the conv before it (models/inference_fold.h): from then on the layer hands
  // its input on unchanged, in eval mode without gradients only.
  void set_folded() { folded_ = true; }
  bool folded() const { return folded_; }
  // Whether forward_with_relu6 may stand in for forward and a ReLU6 after it: training mode,
  // not folded, no fused ReLU, no synchronised statistics and no hooks.
  bool can_fuse_relu6() const;
  // relu6(forward(x)) as one op (ops/batch_norm_relu6.h), for ConvBnAct in training.
  Var forward_with_relu6(const Var& x);

 protected:
  Var forward_impl(const Var& x) override;

 private:
  Options options_;
  Var weight_, bias_;
  Tensor running_mean_, running_var_, num_batches_tracked_;
  std::function<void(std::span<double>)> replica_sum_;
  bool folded_ = false;
};

class Linear : public Module {
 public:
  bool is_layer() const override { return true; }
  struct Options {
    int64_t in = 0, out = 0;
    bool bias = true;
  };
  explicit Linear(const Options& options);
  const Options& options() const { return options_; }
  const Var& weight() const { return weight_; }  // (out, in)
  const Var& bias() const { return bias_; }
  // The layer uses transform(weight) instead of the weight (QAT: fake-quantize).
  void set_weight_transform(Hook transform) { weight_transform_ = std::move(transform); }
  // Keeps the listed output and input features (ascending) with their weights (channel pruning).
  void keep_features(std::span<const int64_t> out, std::span<const int64_t> in);
  bool has_weight_transform() const { return static_cast<bool>(weight_transform_); }

 protected:
  Var forward_impl(const Var& x) override;  // (N, in) -> (N, out)

 private:
  Options options_;
  Var weight_, bias_;
  Hook weight_transform_;
};

enum class ActivationKind { relu, relu6, hardswish, hardsigmoid, sigmoid, swish };
const char* activation_name(ActivationKind kind);
// The activation's op (ops/eltwise.h) on x.
Var apply_activation(ActivationKind kind, const Var& x);
// The same activation as one oneDNN eltwise post-op of a conv (ConvPostOp, inference), or
// nullopt where it takes more than one (hardsigmoid).
std::optional<ConvPostOp> activation_post_op(ActivationKind kind);

class Activation : public Module {
 public:
  bool is_layer() const override { return true; }
  explicit Activation(ActivationKind kind);
  ActivationKind kind() const { return kind_; }
  // Run as the post-op of the conv before it (models/inference_fold.h): as BatchNorm2d's.
  void set_folded() { folded_ = true; }
  bool folded() const { return folded_; }
  // QAT (train/qat/prepare_qat.cpp): quantized(x) runs in place of the activation and returns its
  // output already fake-quantized, computed in one pass.
  void fuse_output_quant(Hook quantized) { quantized_ = std::move(quantized); }
  bool has_fused_output_quant() const { return quantized_ != nullptr; }

 protected:
  Var forward_impl(const Var& x) override;

 private:
  ActivationKind kind_;
  bool folded_ = false;
  Hook quantized_;
};

// A layer that draws random masks in training (Dropout, StochasticDepth): a drop probability
// p and a seeded generator, whose state checkpoints save and restore.
class MaskLayer : public Module {
 public:
  bool is_layer() const override { return true; }
  struct Options {
    float p = 0.5f;
    uint64_t seed = 0;
  };
  float p() const { return p_; }
  Rng& rng() { return rng_; }

 protected:
  MaskLayer(std::string type, const Options& options) : Module(std::move(type)), p_(options.p), rng_(options.seed) {}
  float p_;
  Rng rng_;
};

// Elementwise dropout (ops/dropout.h) before a classifier.
class Dropout : public MaskLayer {
 public:
  explicit Dropout(const Options& options);

 protected:
  Var forward_impl(const Var& x) override;
};

// Stochastic depth on a residual branch (ops/stochastic_depth.h, torchvision's "row" mode):
// each sample's branch kept with probability 1 - p in training, the identity in eval mode.
class StochasticDepth : public MaskLayer {
 public:
  explicit StochasticDepth(const Options& options);

 protected:
  Var forward_impl(const Var& x) override;
};

class MaxPool2d : public Module {
 public:
  bool is_layer() const override { return true; }
  explicit MaxPool2d(const Pool2dOptions& options) : Module("MaxPool2d"), options_(options) {}
  const Pool2dOptions& options() const { return options_; }

 protected:
  Var forward_impl(const Var& x) override;

 private:
  Pool2dOptions options_;
};

class AvgPool2d : public Module {
 public:
  bool is_layer() const override { return true; }
  explicit AvgPool2d(const Pool2dOptions& options) : Module("AvgPool2d"), options_(options) {}
  const Pool2dOptions& options() const { return options_; }

 protected:
  Var forward_impl(const Var& x) override;

 private:
  Pool2dOptions options_;
};

// (N, C, H, W) -> (N, C): global average pooling then flatten, the classifier's input; or
// -> (N, C, 1, 1) without the flatten (torch's AdaptiveAvgPool2d(1), as in squeeze-and-excitation).
class GlobalAvgPool : public Module {
 public:
  struct Options {
    bool flatten = true;
  };
  bool is_layer() const override { return true; }
  GlobalAvgPool();  // flattens
  explicit GlobalAvgPool(Options options);
  const Options& options() const { return options_; }

 protected:
  Var forward_impl(const Var& x) override;

 private:
  Options options_;
};

class Flatten : public Module {
 public:
  bool is_layer() const override { return true; }
  Flatten() : Module("Flatten") {}

 protected:
  Var forward_impl(const Var& x) override;
};

}  // namespace minnow
