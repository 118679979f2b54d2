// Feature ("hint") distillation's pieces on the student side: the configured
// "teacher_layer:student_layer" pairs, and the learnt adapters (a 1x1 conv and BN per
// pair) that map a student feature to the teacher's channel count. The adapters hang off
// the student under kAdaptersName, so the optimizer and checkpoints see them; exports
// and loads into a bare student leave them out.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/safetensors.h"
#include "models/sequential.h"

namespace minnow {

inline constexpr const char* kAdaptersName = "distill_adapters";

struct FeaturePair {
  std::string text;  // as configured, for messages
  std::string teacher, student;
};

// Splits each "teacher_layer:student_layer" (config validation has checked the form).
std::vector<FeaturePair> parse_feature_pairs(const std::vector<std::string>& features);

// One adapter per pair, children "0", "1", ... (a list, as torch's ModuleList: its own
// forward is never run; the distillation loss runs adapter(i)). in/out: channels per pair.
std::shared_ptr<Sequential> make_adapters(const std::vector<int64_t>& in, const std::vector<int64_t>& out);

// True for the adapters' tensors, "<prefix>distill_adapters.*".
bool is_adapter_tensor(const std::string& name, const std::string& prefix = "");

// Removes the adapters' tensors from file when model has no adapters (a distillation
// checkpoint loaded into the bare student for eval or export).
void drop_absent_adapters(SafeTensors& file, Module& model, const std::string& prefix);

}  // namespace minnow
