// QAT on the zoo: the BN fold against conv then BN (eval mode, and in training without
// fake-quant), where prepare_qat puts its quantizers (zoo blocks and one declared outside
// the zoo), observer freezing, and the int8 model converted from a QAT MobileNet against
// the fake-quant model it came from.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <set>

#include "core/error.h"
#include "core/grad_mode.h"
#include "models/conv_bn_act.h"
#include "models/layers.h"
#include "models/zoo.h"
#include "ops/concat.h"
#include "ops/conv2d.h"
#include "ops/eltwise.h"
#include "tests/support/random.h"
#include "train/qat/conv_bn_fold.h"
#include "train/qat/fake_quantize.h"
#include "train/qat/int8_model.h"
#include "train/qat/prepare_qat.h"

namespace minnow {
namespace {

using test_support::random_tensor;

// max |a - b| / max |b|
double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, static_cast<double>(std::abs(a[i] - b[i])));
    scale = std::max(scale, static_cast<double>(std::abs(b[i])));
  }
  return diff / scale;
}

// The value of a module's (1) buffer.
float names_value(const Module& m, const std::string& name) {
  for (const auto& b : m.named_buffers())
    if (b.name == name) return b.tensor.to_plain().at(0);
  ADD_FAILURE() << "no buffer " << name;
  return 0;
}

// A conv and its BN with random weights and running statistics (some gammas negative).
struct ConvBn {
  ConvBn(int64_t in, int64_t out, int64_t groups, int64_t stride, Rng& rng)
      : conv(Conv2d::Options{.in = in, .out = out, .kernel = 3, .stride = stride, .groups = groups, .bias = false}),
        bn(BatchNorm2d::Options{.channels = out}) {
    conv.weight().set_data(random_tensor({out, in / groups, 3, 3}, rng));
    bn.weight().set_data(random_tensor({out}, rng, -1.5f, 1.5f));
    bn.bias().set_data(random_tensor({out}, rng));
    const Tensor mean = random_tensor({out}, rng), var = random_tensor({out}, rng, 0.2f, 3.0f);
    std::copy_n(mean.data<float>(), out, bn.running_mean().data<float>());
    std::copy_n(var.data<float>(), out, bn.running_var().data<float>());
  }
  Conv2d conv;
  BatchNorm2d bn;
};

class FoldTest : public ::testing::TestWithParam<bool> {};  // depthwise or not

TEST_P(FoldTest, FoldedConvEqualsConvThenBnInEvalMode) {
  Rng rng(3);
  const int64_t channels = 24, groups = GetParam() ? channels : 1;
  ConvBn m(channels, channels, groups, 2, rng);
  m.conv.eval();
  m.bn.eval();
  NoGrad no_grad;
  const Var x(random_tensor({2, channels, 9, 9}, rng));
  const std::vector<float> reference = m.bn.forward(m.conv.forward(x)).data().to_plain();
  const FoldedConv folded = fold_conv_bn(m.conv, m.bn);
  const std::vector<float> got =
      conv2d(x, Var(folded.weight), Var(folded.bias), {.stride = 2, .padding = 1, .groups = groups}).data().to_plain();
  EXPECT_LE(relative_error(got, reference), 1e-5);
}

// Without fake-quant the training-time fold changes nothing: conv(x, w s) / s then BN equals
// conv then BN, in training mode (batch statistics) and in eval mode, and so do the gradients.
TEST_P(FoldTest, TrainingFoldWithoutQuantizationKeepsTheFunction) {
  Rng rng(4);
  const int64_t channels = 16, groups = GetParam() ? channels : 1;
  ConvBn plain(channels, channels, groups, 1, rng);
  Rng same(4);
  ConvBn folded(channels, channels, groups, 1, same);
  fold_batch_norm(folded.conv, folded.bn, nullptr);
  const Var x(random_tensor({2, channels, 7, 7}, rng));
  const Tensor dy = random_tensor({2, channels, 7, 7}, rng);
  for (const bool training : {true, false}) {
    SCOPED_TRACE(training ? "train" : "eval");
    for (ConvBn* m : {&plain, &folded}) {
      m->conv.train(training);
      m->bn.train(training);
      m->conv.weight().zero_grad();
      m->bn.weight().zero_grad();
    }
    const Var y_plain = plain.bn.forward(plain.conv.forward(x));
    const Var y_folded = folded.bn.forward(folded.conv.forward(x));
    EXPECT_LE(relative_error(y_folded.data().to_plain(), y_plain.data().to_plain()), 1e-5);
    y_plain.backward(dy);
    y_folded.backward(dy);
    EXPECT_LE(relative_error(folded.conv.weight().grad().to_plain(), plain.conv.weight().grad().to_plain()), 1e-4);
    EXPECT_LE(relative_error(folded.bn.weight().grad().to_plain(), plain.bn.weight().grad().to_plain()), 1e-4);
  }
}

INSTANTIATE_TEST_SUITE_P(Depthwise, FoldTest, ::testing::Bool());

std::vector<std::string> names_with(const Module& model, const std::string& part) {
  std::vector<std::string> out;
  for (const auto& b : model.named_buffers())
    if (b.name.find(part) != std::string::npos) out.push_back(b.name);
  return out;
}

TEST(PrepareQat, MobileNetV2QuantizersSitWhereTheInt8ModelRequantizes) {
  auto model = create_model({.name = "mobilenet_v2", .width = 0.35f, .num_classes = 10});
  const size_t params_before = model->named_parameters().size();
  QatConfig config;
  config.enabled = true;
  const QatModel qat = prepare_qat(*model, config);
  EXPECT_EQ(model->named_parameters().size(), params_before);  // no learned scales without LSQ

  // 52 convs, each folded into its BN, and the classifier: one weight quantizer each.
  EXPECT_EQ(qat.folded_bns.size(), 52u);
  EXPECT_EQ(qat.weight_quants.size(), 53u);
  const std::set<std::string> scales = [&] {
    std::set<std::string> s;
    for (const auto& n : names_with(*model, "activation_post_process.scale")) s.insert(n);
    return s;
  }();
  // Stem: after its ReLU6; a block: expand ReLU6, depthwise ReLU6, then the projection BN
  // (signed) when the block has no residual, else the residual sum (features.3: 24 -> 24,
  // stride 1), into which the int8 model fuses the projection conv.
  for (const char* name : {"features.0.2.activation_post_process.scale", "features.2.conv.3.activation_post_process.scale",
                           "features.3.conv.0.2.activation_post_process.scale",
                           "features.3.conv.1.2.activation_post_process.scale", "features.3.activation_post_process.scale",
                           "features.18.2.activation_post_process.scale"})
    EXPECT_TRUE(scales.count(name)) << name;
  EXPECT_FALSE(scales.count("features.2.activation_post_process.scale"));  // 16 -> 24, stride 2: no residual
  EXPECT_FALSE(scales.count("features.3.conv.3.activation_post_process.scale"));  // summed before requantizing
  EXPECT_TRUE(names_with(*model, "input_fake_quant.scale").size() == 1);
  EXPECT_TRUE(names_with(*model, "classifier.1.weight_fake_quant.scale").size() == 1);
  // torchvision's names are untouched.
  EXPECT_FALSE(names_with(*model, "features.3.conv.1.1.running_var").empty());
  EXPECT_THROW(prepare_qat(*model, config), Error);
}

// A block that ends in its own activation (ResNet's, ShuffleNet v1's) is requantized once, by
// that activation's quantizer; one that joins before it without one gets its own quantizer.
TEST(PrepareQat, BlocksThatEndInAnActivationAreRequantizedOnce) {
  QatConfig config;
  config.enabled = true;
  auto resnet = create_model({.name = "resnet20", .num_classes = 10});
  prepare_qat(*resnet, config);
  EXPECT_EQ(names_with(*resnet, "layer1.0.relu.activation_post_process.scale").size(), 1u);
  EXPECT_TRUE(names_with(*resnet, "layer1.0.activation_post_process").empty());
  EXPECT_TRUE(names_with(*resnet, "layer1.0.bn2.activation_post_process").empty());   // summed first
  EXPECT_EQ(names_with(*resnet, "layer2.0.downsample.1.activation_post_process.scale").size(), 1u);

  auto shufflenet = create_model({.name = "shufflenet_v1", .width = 0.5f, .num_classes = 10, .small_input = true});
  prepare_qat(*shufflenet, config);
  EXPECT_EQ(names_with(*shufflenet, "stage2.1.relu.activation_post_process.scale").size(), 1u);  // stride 1: a sum
  EXPECT_TRUE(names_with(*shufflenet, "stage2.1.activation_post_process").empty());
  EXPECT_EQ(names_with(*shufflenet, "stage2.0.activation_post_process.scale").size(), 1u);  // stride 2: a concat
  EXPECT_EQ(names_with(*shufflenet, "stage2.0.bn3.activation_post_process.scale").size(), 1u);
  EXPECT_TRUE(names_with(*shufflenet, "stage2.0.relu.activation_post_process").empty());
}

// EfficientNet-B0's squeeze-and-excitation (MobileNet-v3's: test_qat_mobilenet_v3.cpp): the
// SiLU after a conv and the gate's two activations each get a signed quantizer, and the
// product, where the int8 model requantizes it, one of its own (s8).
TEST(PrepareQat, EfficientNetQuantizesSiluTheGateAndTheProduct) {
  QatConfig config;
  config.enabled = true;
  const auto is_signed = [](Module& model, const std::string& quantizer) -> std::optional<bool> {
    for (const auto& [name, m] : model.named_modules())
      if (name == quantizer) return dynamic_cast<ActivationFakeQuant&>(*m).options().is_signed;
    return std::nullopt;
  };
  auto effnet = create_model({.name = "efficientnet_b0", .num_classes = 10});
  prepare_qat(*effnet, config);
  EXPECT_EQ(is_signed(*effnet, "features.0.2.activation_post_process"), true);                  // stem SiLU
  EXPECT_EQ(is_signed(*effnet, "features.1.0.block.1.activation.activation_post_process"), true);  // fc1 SiLU
  EXPECT_EQ(is_signed(*effnet, "features.1.0.block.1.scale_activation.activation_post_process"), true);
  EXPECT_EQ(is_signed(*effnet, "features.1.0.block.1.activation_post_process"), true);          // the product
}

// A block the zoo does not have (DenseNet-style: the input concatenated with a conv chain's
// output) needs nothing from train/qat beyond its output form.
class DenseLayer : public Module {
 public:
  explicit DenseLayer(int64_t channels) : Module("DenseLayer") {
    conv_ = register_module("conv", std::make_shared<Conv2d>(Conv2d::Options{
                                        .in = channels, .out = channels, .kernel = 3, .bias = false}));
    bn_ = register_module(
        "bn", std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.channels = channels, .fuse_relu = true}));
  }
  OutputForm output_form() const override { return {.kind = OutputForm::Kind::concatenation, .non_negative = true}; }

 protected:
  Var forward_impl(const Var& x) override { return concat({x, bn_->forward(conv_->forward(x))}); }  // (N, 2C, H, W)

 private:
  std::shared_ptr<Conv2d> conv_;
  std::shared_ptr<BatchNorm2d> bn_;
};

TEST(PrepareQat, ABlockDeclaringItsOutputFormIsQuantizedAtItsJoin) {
  auto model = std::make_shared<Sequential>();
  model->add(std::make_shared<ConvBnAct>(ConvBnAct::Options{.in = 3, .out = 8}));
  model->add(std::make_shared<DenseLayer>(8));
  model->add(std::make_shared<GlobalAvgPool>());
  model->add(std::make_shared<Linear>(Linear::Options{.in = 16, .out = 4}));
  QatConfig config;
  config.enabled = true;
  const QatModel qat = prepare_qat(*model, config);
  EXPECT_EQ(qat.folded_bns.size(), 2u);
  EXPECT_EQ(qat.weight_quants.size(), 3u);
  for (const auto& [name, m] : model->named_modules()) {
    if (name != "1.activation_post_process" && name != "1.bn.activation_post_process") continue;
    auto* q = dynamic_cast<ActivationFakeQuant*>(m);
    ASSERT_NE(q, nullptr) << name;
    EXPECT_FALSE(q->options().is_signed) << name;
  }
  EXPECT_EQ(names_with(*model, "activation_post_process.scale").size(), 3u);  // the stem, the chain, the join
  Rng rng(8);
  EXPECT_EQ(model->forward(Var(random_tensor({2, 3, 8, 8}, rng))).dims(), (Dims{2, 4}));
  // The int8 form reads the same graph: the join is an int8 concatenation at that quantizer's point.
  model->eval();
  const Tensor x = random_tensor({2, 3, 8, 8}, rng);
  const NoGrad no_grad;
  const std::vector<float> fake = model->forward(Var(x)).data().to_plain();
  EXPECT_LE(relative_error(convert_int8(*model, {2, 3, 8, 8})->forward(x).to_plain(), fake), 0.01);
}

// A checkpoint's second run (ops/checkpoint.h) must reproduce the first: while recomputing(),
// a training-mode observer keeps its range and a BN its running statistics.
TEST(PrepareQat, ObserverAndBnKeepTheirStateWhileRecomputing) {
  ActivationFakeQuant quant(ActivationQuantOptions{});
  BatchNorm2d bn({.channels = 4});
  Rng rng(6);
  (void)quant.forward(Var(random_tensor({2, 4, 3, 3}, rng)));
  (void)bn.forward(Var(random_tensor({2, 4, 3, 3}, rng)));
  const float scale = quant.scale();
  const std::vector<float> running = bn.running_mean().to_plain();
  const Var wider(random_tensor({2, 4, 3, 3}, rng, -5.0f, 5.0f));
  {
    Recomputing again;
    (void)quant.forward(wider);
    (void)bn.forward(wider);
  }
  EXPECT_EQ(quant.scale(), scale);
  EXPECT_EQ(bn.running_mean().to_plain(), running);
  (void)quant.forward(wider);
  (void)bn.forward(wider);
  EXPECT_NE(quant.scale(), scale);
  EXPECT_NE(bn.running_mean().to_plain(), running);
}

// forward_after_clip(x) against forward(relu6(x)) and forward(relu(x)) over three training
// steps: the same outputs, gradients, observed ranges and scales, bit for bit; then in eval mode.
TEST(PrepareQat, QuantizerAfterClipIsTheActivationThenTheQuantizer) {
  for (const bool is_relu6 : {false, true}) {
    const float hi = is_relu6 ? 6.0f : std::numeric_limits<float>::infinity();
    ActivationFakeQuant fused(ActivationQuantOptions{}), reference(ActivationQuantOptions{});
    Rng rng(8);
    for (int step = 0; step < 4; ++step) {
      if (step == 3) {
        fused.eval();
        reference.eval();
      }
      const Tensor x = random_tensor({2, 20, 3, 3}, rng, -2.0f, 4.0f + 2.0f * static_cast<float>(step));
      const Tensor dy = random_tensor(x.dims(), rng);
      const Var xf(x, true), xr(x, true);
      const Var yf = fused.forward_after_clip(xf, 0.0f, hi);
      const Var yr = reference.forward(is_relu6 ? relu6(xr) : relu(xr));
      const std::string what = std::string(is_relu6 ? "relu6" : "relu") + " step " + std::to_string(step);
      EXPECT_EQ(yf.data().to_plain(), yr.data().to_plain()) << what;
      EXPECT_EQ(fused.scale(), reference.scale()) << what;
      for (const auto* name : {"min_val", "max_val"})
        EXPECT_EQ(names_value(fused, name), names_value(reference, name)) << what << " " << name;
      if (step == 3) continue;
      yf.backward(dy);
      yr.backward(dy);
      EXPECT_EQ(xf.grad().to_plain(), xr.grad().to_plain()) << what;
    }
  }
}

// prepare_qat fuses the quantizer into every ReLU6 of MobileNet-v2, but not with LSQ.
TEST(PrepareQat, ReluSixQuantizersRunInsideTheActivation) {
  for (const bool lsq : {false, true}) {
    auto model = create_model({.name = "mobilenet_v2", .width = 0.35f, .num_classes = 10});
    QatConfig config;
    config.enabled = true;
    config.lsq = lsq;
    prepare_qat(*model, config);
    int fused = 0, relu6s = 0;
    for (const auto& [name, m] : model->named_modules()) {
      const auto* act = dynamic_cast<const Activation*>(m);
      if (!act || act->kind() != ActivationKind::relu6) continue;
      ++relu6s;
      fused += act->has_fused_output_quant();
    }
    EXPECT_EQ(relu6s, 35);  // the stem, one in the first block, two in each of the other 16, the last conv
    EXPECT_EQ(fused, lsq ? 0 : relu6s);
  }
}

TEST(PrepareQat, FrozenObserversAndBnStopUpdating) {
  auto model = create_model({.name = "mobilenet_v1", .width = 0.25f, .num_classes = 4, .small_input = true});
  QatConfig config;
  config.enabled = true;
  config.freeze_bn_epoch = 1;
  config.freeze_observer_epoch = 1;
  const QatModel qat = prepare_qat(*model, config);
  Rng rng(5);
  const Var x(random_tensor({4, 3, 16, 16}, rng));
  model->train();
  set_qat_epoch(qat, config, 0);
  (void)model->forward(x);
  const float scale = qat.activation_quants.front()->scale();
  const std::vector<float> running = qat.folded_bns.front()->running_mean().to_plain();

  model->train();
  set_qat_epoch(qat, config, 1);
  EXPECT_FALSE(qat.folded_bns.front()->training());
  EXPECT_FALSE(qat.activation_quants.front()->observer_enabled());
  (void)model->forward(Var(random_tensor({4, 3, 16, 16}, rng, -3.0f, 3.0f)));
  EXPECT_EQ(qat.activation_quants.front()->scale(), scale);
  EXPECT_EQ(qat.folded_bns.front()->running_mean().to_plain(), running);
}

// LSQ: every quantizer's scale is a parameter, started from the first observation, and
// the loss reaches it.
TEST(PrepareQat, LsqScalesAreLearnedParameters) {
  auto model = create_model({.name = "mobilenet_v1", .width = 0.25f, .num_classes = 4, .small_input = true});
  QatConfig config;
  config.enabled = true;
  config.lsq = true;
  const QatModel qat = prepare_qat(*model, config);
  std::vector<NamedParameter> scales;
  for (const auto& p : model->named_parameters())
    if (p.name.find("learned_scale") != std::string::npos) scales.push_back(p);
  EXPECT_EQ(scales.size(), qat.activation_quants.size() + qat.weight_quants.size());
  Rng rng(7);
  model->train();
  const Var y = model->forward(Var(random_tensor({4, 3, 16, 16}, rng)));
  y.backward(random_tensor(y.dims(), rng));
  int reached = 0;
  for (const auto& p : scales) {
    const std::vector<float> value = p.var.data().to_plain();
    EXPECT_GT(*std::min_element(value.begin(), value.end()), 0.0f) << p.name;
    if (!p.var.grad().defined()) continue;
    const std::vector<float> grad = p.var.grad().to_plain();
    reached += std::any_of(grad.begin(), grad.end(), [](float g) { return g != 0.0f; });
  }
  EXPECT_GE(reached, static_cast<int>(scales.size()) - 1);  // the classifier's input point may see no loss
}

}  // namespace
}  // namespace minnow
