// The parity harness's load_state_dict: values land in parameters (also grouped convs
// whose weights already moved to (G, O/G, C/G, kH, kW)) and buffers, and one error names
// every missing, unexpected and mis-shaped tensor.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/grad_mode.h"
#include "models/zoo.h"
#include "tests/support/model_parity.h"

namespace minnow {
namespace {

// The model's own state as a file, every value replaced by a counter.
SafeTensors numbered_state(Module& model) {
  SafeTensors file;
  float next = 0;
  auto numbered = [&next](const Dims& shape) {
    std::vector<float> values(static_cast<size_t>(product(shape)));
    for (float& v : values) v = next++ * 1e-3f;
    return values;
  };
  for (const auto& p : model.named_parameters()) file.tensors.emplace_back(p.name, Tensor::from_plain(p.shape, numbered(p.shape)));
  for (const auto& b : model.named_buffers())
    file.tensors.emplace_back(b.name, Tensor::from_plain(b.tensor.dims(), numbered(b.tensor.dims()), b.tensor.dtype()));
  return file;
}

TEST(StateDictLoading, CopiesParametersAndBuffersByName) {
  const auto model = create_model({.name = "shufflenet_v1", .num_classes = 4, .small_input = true, .groups = 3});
  {
    NoGrad no_grad;  // moves the grouped weights into their 5-D layout first
    (void)model->forward(Var(Tensor::zeros({1, 3, 16, 16})));
  }
  const SafeTensors file = numbered_state(*model);
  test_support::load_state_dict(*model, file);
  for (const auto& p : model->named_parameters()) EXPECT_EQ(p.var.data().to_plain(), file.at(p.name).to_plain()) << p.name;
  for (const auto& b : model->named_buffers()) EXPECT_EQ(b.tensor.to_plain(), file.at(b.name).to_plain()) << b.name;
}

TEST(StateDictLoading, OneErrorNamesEveryProblem) {
  const auto model = create_model({.name = "resnet20", .num_classes = 4});
  SafeTensors file = numbered_state(*model);
  for (auto& [name, tensor] : file.tensors) {
    if (name == "fc.weight") tensor = Tensor::zeros({5, 64});
    if (name == "layer1.0.bn1.bias") name = "layer1.0.bn1.beta";
  }
  file.tensors.emplace_back("extra.weight", Tensor::zeros({1}));
  try {
    test_support::load_state_dict(*model, file);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("missing [layer1.0.bn1.bias]"), std::string::npos) << message;
    EXPECT_NE(message.find("unexpected [layer1.0.bn1.beta, extra.weight]"), std::string::npos) << message;
    EXPECT_NE(message.find("fc.weight (file [5, 64], model [4, 64])"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace minnow
