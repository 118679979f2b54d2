// The C++ half of the PyTorch parity protocol: one safetensors file in (inputs
// as "<case>/<name>", the case list in metadata), one file out ("<case>/<name>").
#include "tests/support/torch_parity.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "tests/support/python.h"
#include "tests/support/random.h"

namespace minnow::test_support {

void TorchParity::add(const std::string& case_id, const std::string& op, const std::string& args_json,
                      std::vector<std::pair<std::string, Tensor>> inputs) {
  if (cases_json_.size() > 1) cases_json_ += ",";
  cases_json_ += R"({"id":")" + case_id + R"(","op":")" + op + R"(","args":)" + args_json + "}";
  for (auto& [name, tensor] : inputs) request_.tensors.emplace_back(case_id + "/" + name, std::move(tensor));
}

void TorchParity::run() {
  const ScratchDir dir;
  const std::string in = dir.file("request.safetensors"), out = dir.file("response.safetensors");
  request_.metadata["cases"] = cases_json_ + "]";
  save_safetensors(in, request_);
  const int status = run_python(parity_script("torch_ops.py"), {in, out});
  MINNOW_CHECK(status == 0, "torch parity: ", parity_script("torch_ops.py"), " exited with status ", status);
  response_ = load_safetensors(out);
}

std::vector<float> TorchParity::result(const std::string& case_id, const std::string& name) const {
  return response_.at(case_id + "/" + name).to_plain();
}

void expect_matches_torch(const std::vector<float>& minnow_values, const std::vector<float>& torch_values,
                          double atol, double rtol, const std::string& what) {
  ASSERT_EQ(minnow_values.size(), torch_values.size()) << what;
  EXPECT_LE(closeness(minnow_values, torch_values, atol, rtol), 1.0) << what << " differs from PyTorch";
}

}  // namespace minnow::test_support
