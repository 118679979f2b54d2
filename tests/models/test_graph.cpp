// The traced inference graph (core/trace.h, models/graph.h): the nodes a forward makes, their
// names, dropout as the identity, tracing state after an exception, nested recorders, and the
// message for an op that does not report itself.
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "core/error.h"
#include "core/trace.h"
#include "models/graph.h"
#include "models/layers.h"
#include "models/sequential.h"
#include "models/zoo.h"
#include "ops/binary.h"
#include "ops/eltwise.h"
#include "tests/support/errors.h"

namespace minnow {
namespace {

std::vector<std::string> names(const InferenceGraph& g) {
  std::vector<std::string> out;
  for (const auto& n : g.nodes) out.push_back(n.name);
  return out;
}

// x + conv(x), twice in one block: two adds under one name get distinct names.
class TwoSums : public Module {
 public:
  TwoSums() : Module("TwoSums") {
    conv_ = register_module("conv", std::make_shared<Conv2d>(Conv2d::Options{.in = 4, .out = 4, .kernel = 1}));
  }

 protected:
  Var forward_impl(const Var& x) override {
    const Var y = add(x, conv_->forward(x));
    return add(y, conv_->forward(y));
  }

 private:
  std::shared_ptr<Conv2d> conv_;
};

TEST(InferenceGraph, ListsLayersAndJoinsInExecutionOrder) {
  Sequential model;
  model.add(std::make_shared<TwoSums>());
  model.add(std::make_shared<Dropout>(Dropout::Options{.p = 0.5f}));
  model.add(std::make_shared<GlobalAvgPool>());
  const InferenceGraph g = trace_inference_graph(model, {2, 4, 5, 5});
  EXPECT_EQ(names(g), (std::vector<std::string>{"0.conv", "0.add", "0.conv.1", "0.add.1", "2"}));
  ASSERT_EQ(g.nodes.size(), 5u);
  EXPECT_EQ(g.nodes[1].op, GraphNode::Op::add);
  EXPECT_EQ(g.nodes[1].inputs, (std::vector<int>{g.input, g.nodes[0].outputs[0]}));
  EXPECT_EQ(g.producer(g.output), &g.nodes[4]);  // dropout made no node: the pooling reads the sum
  EXPECT_EQ(g.nodes[4].inputs[0], g.nodes[3].outputs[0]);
  EXPECT_EQ(g.dims[static_cast<size_t>(g.output)], (Dims{2, 4}));
  EXPECT_EQ(g.only_reader(g.nodes[0].outputs[0]), &g.nodes[1]);
  EXPECT_EQ(g.only_reader(g.input), nullptr);  // the conv and the add read it
}

TEST(InferenceGraph, ShuffleNetV2HasItsSplitsConcatsAndShuffles) {
  auto model = create_model({.name = "shufflenet_v2_x0_5", .num_classes = 10, .small_input = true});
  const InferenceGraph g = trace_inference_graph(*model, {1, 3, 32, 32});
  int splits = 0, concats = 0, shuffles = 0;
  for (const auto& n : g.nodes) {
    splits += n.op == GraphNode::Op::split;
    concats += n.op == GraphNode::Op::concat;
    shuffles += n.op == GraphNode::Op::channel_shuffle && n.attr == 2;
  }
  EXPECT_EQ(splits, 13);  // the stride-1 units: 3 + 7 + 3
  EXPECT_EQ(concats, 16);
  EXPECT_EQ(shuffles, 16);
  const auto named = [&](const std::string& name) {
    return std::any_of(g.nodes.begin(), g.nodes.end(), [&](const GraphNode& n) { return n.name == name; });
  };
  EXPECT_TRUE(named("stage2.0.branch1.0"));
  EXPECT_TRUE(named("stage2.1.split"));
  EXPECT_TRUE(named("stage4.3.channel_shuffle"));
}

class Throws : public Module {
 public:
  Throws() : Module("Throws") {}
  bool is_layer() const override { return true; }

 protected:
  Var forward_impl(const Var&) override { throw std::runtime_error("inside a layer"); }
};

TEST(InferenceGraph, AnExceptionInsideALayerLeavesTracingAsItWas) {
  Sequential bad;
  bad.add(std::make_shared<Throws>());
  EXPECT_THROW((void)trace_inference_graph(bad, {1, 2, 3, 3}), std::runtime_error);
  EXPECT_FALSE(tracing());
  Sequential good;
  good.add(std::make_shared<Activation>(ActivationKind::relu));
  EXPECT_EQ(trace_inference_graph(good, {1, 2, 3, 3}).nodes.size(), 1u);  // records again
}

TEST(InferenceGraph, AnInnerRecorderSeesOnlyItsOwnSteps) {
  Sequential model;
  model.add(std::make_shared<Activation>(ActivationKind::relu));
  TraceRecorder outer;
  const InferenceGraph inner = trace_inference_graph(model, {1, 2, 3, 3});
  EXPECT_EQ(inner.nodes.size(), 1u);
  EXPECT_TRUE(outer.steps().empty());
  EXPECT_TRUE(tracing());
}

// relu() called directly in a block's forward reports nothing to the trace.
class UntracedRelu : public Module {
 public:
  UntracedRelu() : Module("UntracedRelu") {
    conv_ = register_module("conv", std::make_shared<Conv2d>(Conv2d::Options{.in = 2, .out = 2, .kernel = 1}));
  }

 protected:
  Var forward_impl(const Var& x) override { return conv_->forward(relu(x)); }

 private:
  std::shared_ptr<Conv2d> conv_;
};

TEST(InferenceGraph, AnOpThatDoesNotReportItselfIsNamed) {
  UntracedRelu model;
  test_support::expect_error([&] { (void)trace_inference_graph(model, {1, 2, 3, 3}); },
                             {"trace_inference_graph: conv reads a value that neither the input nor a traced step made",
                              "functional relu()"});
}

}  // namespace
}  // namespace minnow
