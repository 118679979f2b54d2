// The thread's active trace recorder and the depth of the traced layer running. The guards
// remember the recorder they changed, so they undo exactly that (an exception included).
#include "core/trace.h"

namespace minnow {
namespace {
thread_local TraceRecorder* t_recorder = nullptr;
}

TraceRecorder::TraceRecorder() : previous_(t_recorder) { t_recorder = this; }
TraceRecorder::~TraceRecorder() { t_recorder = previous_; }

bool tracing() { return t_recorder != nullptr && t_recorder->layer_depth_ == 0; }

void trace_step(TracedStep step) {
  if (!tracing()) return;
  if (!t_recorder->blocks_.empty()) step.block = t_recorder->blocks_.back();
  t_recorder->steps_.push_back(std::move(step));
}

TracedBlock::TracedBlock(const void* block) : recorder_(t_recorder) {
  if (recorder_) recorder_->blocks_.push_back(block);
}

TracedBlock::~TracedBlock() {
  if (recorder_) recorder_->blocks_.pop_back();
}

TracedLayer::TracedLayer() : recorder_(t_recorder) {
  if (recorder_) ++recorder_->layer_depth_;
}

TracedLayer::~TracedLayer() {
  if (recorder_) --recorder_->layer_depth_;
}

}  // namespace minnow
