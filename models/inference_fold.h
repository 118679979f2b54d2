// Folding batch norm and activations into the convolutions before them, for inference, as
// deployment runtimes (OpenCV DNN, ONNX Runtime) do. Every conv -> batch norm -> activation
// chain of the model's eval graph (either of the last two may be missing) becomes one conv
// primitive: the batch norm folded into its weights and bias, the activation, where oneDNN
// has it as one, as the primitive's post-op. A batch norm no conv takes (DenseNet's norm1
// after a concat) runs the ReLU after it in its own primitive. Chains are found in the traced
// graph (models/graph.h), so every family folds whatever its classes are called: a ConvBnAct,
// a ResNet block's conv1/bn1, an MNASNet Sequential, DenseNet's conv1/norm2, SqueezeNet's
// conv and ReLU. The model is then for eval-mode forwards without gradients only (minnow bench
// --eval --fold, minnow eval --fold); it is not to be trained or exported, since its batch
// norms no longer run.
#pragma once

#include "core/tensor.h"
#include "models/module.h"

namespace minnow {

struct FoldOptions {
  // Also run 3x3 stride-1 convs without groups as Winograd where oneDNN has the kernel
  // (Conv2dOptions::winograd), those with at least 2^21 multiply-adds per kernel tap and
  // image at the traced size: fewer multiplications, results within about 1e-6 of the
  // output's range of the direct conv's.
  bool winograd = false;
};

struct FoldCounts {
  int batch_norms = 0;     // folded into the conv before them
  int activations = 0;     // run as a conv's post-op, or a ReLU as part of the batch norm before it
  int winograd_convs = 0;  // convs set to run Winograd
};

// Puts the model in eval mode, traces it on zeros of input_dims (N, C, H, W) and folds into
// each conv the batch norm that alone reads its output, and the activation that alone reads
// the result, and a ReLU into a batch norm left alone; each layer of a chain must run once in
// the forward.
FoldCounts fold_for_inference(Module& model, const Dims& input_dims, const FoldOptions& options = {});

}  // namespace minnow
