// The pruning mask of one weight, held as the buffer "weight_mask" of a child module named
// "pruning" under the layer ("features.0.0.pruning.weight_mask"), so checkpoints save and
// resume it with the model. The mask is plain f32 in the weight's logical dims: 1 keeps an
// entry, 0 prunes it. Exports and loads into a model without masks leave these tensors out.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/safetensors.h"
#include "models/module.h"

namespace minnow {

inline constexpr const char* kPruningName = "pruning";

class WeightMask : public Module {
 public:
  explicit WeightMask(const Dims& weight_dims);  // the PyTorch dims; all ones: nothing pruned

  const Tensor& mask() const { return mask_; }  // (the weight's dims), plain f32 of 0 and 1
  // Replaces the mask's values (logical order, one per weight entry).
  void set_mask(const std::vector<float>& values);
  // into = from * mask, elementwise in from's layout (from and into share it; they may be one
  // tensor). from holds the weight's entries in any dims of the same order (grouped: GOIHW).
  void multiply(const Tensor& from, const Tensor& into);
  // Drops the mask's copies in other layouts: after a checkpoint was loaded into the buffer.
  void refresh() { in_layouts_.clear(); }

 protected:
  Var forward_impl(const Var& x) override;  // a mask holder is never run: fails

 private:
  const Tensor& in_layout(const Tensor& like);

  Tensor mask_;
  std::vector<Tensor> in_layouts_;  // the mask reordered to each layout a weight or gradient came in
};

// True for the masks' tensors, "<prefix>...pruning.weight_mask".
bool is_mask_tensor(const std::string& name, const std::string& prefix = "");

// Removes the masks' tensors from file when model holds no masks (a pruning checkpoint loaded
// into the bare model for eval or export: the pruned weights are zeros already).
void drop_absent_masks(SafeTensors& file, Module& model, const std::string& prefix);

}  // namespace minnow
