// Tracing: while a TraceRecorder is alive on this thread, Module::forward reports each layer
// it runs (a leaf: conv, BN, activation, pooling, linear, dropout, a quantizer) with the Var it
// read and the Var it returned, and the ops that join, split or permute values between layers
// (add, mul, concat, split, channel_shuffle) report themselves with their attributes. Inside a
// layer nothing is recorded, so a trace is the model's dataflow in layers: what
// models/graph.h turns into an inference graph for export and int8 conversion.
// The recorder holds every reported Var, so a VarImpl address names one value for the
// recorder's lifetime.
#pragma once

#include <string>
#include <vector>

#include "core/var.h"

namespace minnow {

struct TracedStep {
  std::string op;               // "layer", or the op: "add", "mul", "concat", "split", "channel_shuffle"
  const void* layer = nullptr;  // op "layer": the module (models/graph.h reads it back)
  const void* block = nullptr;  // the innermost block (a module that is not a layer) running, or null
  std::vector<Var> inputs, outputs;
  std::vector<int64_t> attrs;   // concat / split: the axis; channel_shuffle: the groups
};

class TraceRecorder {
 public:
  TraceRecorder();
  ~TraceRecorder();
  TraceRecorder(const TraceRecorder&) = delete;
  TraceRecorder& operator=(const TraceRecorder&) = delete;
  const std::vector<TracedStep>& steps() const { return steps_; }

 private:
  friend bool tracing();
  friend void trace_step(TracedStep step);
  friend class TracedLayer;
  friend class TracedBlock;
  std::vector<TracedStep> steps_;
  std::vector<const void*> blocks_;  // the blocks running, outermost first
  TraceRecorder* previous_;
  int layer_depth_ = 0;  // > 0 while a layer runs: its inner ops are not the model's dataflow
};

// Whether a recorder is active on this thread and no traced layer is running.
bool tracing();
// Records step, with the innermost running block, when tracing(); a no-op otherwise.
void trace_step(TracedStep step);

// RAII around a block's forward (a module that is not a layer): the steps inside name it.
class TracedBlock {
 public:
  explicit TracedBlock(const void* block);
  ~TracedBlock();
  TracedBlock(const TracedBlock&) = delete;
  TracedBlock& operator=(const TracedBlock&) = delete;

 private:
  TraceRecorder* recorder_;  // the one active at construction, or null
};

// RAII around a layer's forward: records nothing inside it; the caller then reports the layer.
class TracedLayer {
 public:
  TracedLayer();
  ~TracedLayer();
  TracedLayer(const TracedLayer&) = delete;
  TracedLayer& operator=(const TracedLayer&) = delete;

 private:
  TraceRecorder* recorder_;  // the one active at construction, or null
};

}  // namespace minnow
