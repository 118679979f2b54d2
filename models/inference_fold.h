// Folding batch norm into the convolutions before it, for inference, as deployment runtimes
// (OpenCV DNN, ONNX Runtime) do: every ConvBnAct of the model becomes one conv primitive with
// a bias and, where oneDNN has it, its activation as a post-op. The model is then for eval-mode
// forwards without gradients only (minnow bench --eval); it is not to be trained, exported
// or traced further, since its batch norms no longer run.
#pragma once

#include "models/module.h"

namespace minnow {

// Puts the model in eval mode and folds every ConvBnAct in it; returns how many it folded.
int fold_for_inference(Module& model);

}  // namespace minnow
