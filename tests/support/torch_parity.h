// PyTorch parity: collect op cases (op name, JSON args, named inputs), run
// tests/parity/torch_ops.py once over all of them with /usr/bin/python3, and
// read back PyTorch's outputs and input gradients for comparison.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/safetensors.h"

namespace minnow::test_support {

class TorchParity {
 public:
  // op: a name registered in tests/parity/ops/*.py. args_json: a JSON object
  // passed to it. inputs: named tensors; an input "dy" (or "dy_<output>") is the
  // upstream gradient, and every other float input gets a gradient "d<name>"
  // unless args lists it in "constant".
  void add(const std::string& case_id, const std::string& op, const std::string& args_json,
           std::vector<std::pair<std::string, Tensor>> inputs);

  // Runs PyTorch on every case; result(case_id, name) then reads "y", "dx", ...
  void run();
  std::vector<float> result(const std::string& case_id, const std::string& name) const;

 private:
  SafeTensors request_;
  std::string cases_json_ = "[";
  SafeTensors response_;
};

// EXPECT that minnow's values match PyTorch's within |a - b| <= atol + rtol |b|.
void expect_matches_torch(const std::vector<float>& minnow_values, const std::vector<float>& torch_values,
                          double atol, double rtol, const std::string& what);

}  // namespace minnow::test_support
