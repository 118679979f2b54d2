// GoogLeNet's body: torchvision's stem, its nine Inception modules' channel counts and its
// initialisation (truncated normal weights, std 0.01 within [-2, 2]; BN 1 and 0).
#include "models/googlenet.h"

#include "core/error.h"
#include "models/basic_conv2d.h"
#include "models/inception.h"
#include "models/init.h"

namespace minnow {
namespace {

std::shared_ptr<MaxPool2d> max_pool(int64_t kernel, int64_t stride) {
  return std::make_shared<MaxPool2d>(Pool2dOptions{.kernel = kernel, .stride = stride, .ceil_mode = true});
}

std::shared_ptr<Inception> inception(const Inception::Options& options) { return std::make_shared<Inception>(options); }

}  // namespace

GoogLeNet::GoogLeNet(const ModelSpec& spec) : Module("GoogLeNet") {
  const int64_t stride = spec.small_input ? 1 : 2;
  add("conv1", std::make_shared<BasicConv2d>(
                   BasicConv2d::Options{.in = spec.in_channels, .out = 64, .kernel = 7, .stride = stride}));
  add("maxpool1", max_pool(3, stride));
  add("conv2", std::make_shared<BasicConv2d>(BasicConv2d::Options{.in = 64, .out = 64, .kernel = 1}));
  add("conv3", std::make_shared<BasicConv2d>(BasicConv2d::Options{.in = 64, .out = 192, .kernel = 3}));
  add("maxpool2", max_pool(3, 2));
  // Inception options in torchvision's order (the paper's Table 1): in, 1x1, 3x3 reduce, 3x3,
  // "5x5" reduce, "5x5" (a 3x3 in torchvision), pool proj.
  add("inception3a", inception({192, 64, 96, 128, 16, 32, 32}));
  add("inception3b", inception({256, 128, 128, 192, 32, 96, 64}));
  add("maxpool3", max_pool(3, 2));
  add("inception4a", inception({480, 192, 96, 208, 16, 48, 64}));
  add("inception4b", inception({512, 160, 112, 224, 24, 64, 64}));
  add("inception4c", inception({512, 128, 128, 256, 24, 64, 64}));
  add("inception4d", inception({512, 112, 144, 288, 32, 64, 64}));
  add("inception4e", inception({528, 256, 160, 320, 32, 128, 128}));
  add("maxpool4", max_pool(2, 2));
  add("inception5a", inception({832, 256, 160, 320, 32, 128, 128}));
  add("inception5b", inception({832, 384, 192, 384, 48, 128, 128}));
  add("avgpool", std::make_shared<GlobalAvgPool>());  // (N, 1024, H, W) -> (N, 1024)
  add("dropout", std::make_shared<Dropout>(Dropout::Options{.p = spec.dropout.value_or(0.2f), .seed = spec.seed}));
  add("fc", std::make_shared<Linear>(Linear::Options{.in = 1024, .out = spec.num_classes}));

  // torchvision: trunc_normal_(std 0.01, a -2, b 2) on every conv and linear weight (the fc
  // bias keeps PyTorch's default U(+-1/sqrt(1024))); BN weight 1, bias 0 (already so).
  const auto trunc_normal = [](const Var& w) { init_trunc_normal(w, 0.0f, 0.01f, -2.0f, 2.0f); };
  for (const auto& [name, module] : named_modules()) {
    if (const auto* conv = dynamic_cast<const Conv2d*>(module)) trunc_normal(conv->weight());
    if (const auto* fc = dynamic_cast<const Linear*>(module)) trunc_normal(fc->weight());
  }
}

Var GoogLeNet::forward_impl(const Var& x) {
  Var y = x;
  for (const auto& layer : layers_) y = layer->forward(y);
  return y;
}

std::shared_ptr<Module> make_googlenet(const ModelSpec& spec) {
  MINNOW_CHECK(spec.width == 1.0f, "googlenet: has no width multiplier; expected width 1, got ", spec.width);
  return std::make_shared<GoogLeNet>(spec);
}

}  // namespace minnow
