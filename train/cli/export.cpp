// `minnow export <run-dir|checkpoint> [--best] --format FORMAT -o FILE`: rebuilds the model
// from the checkpoint's stored config and loads its weights, then writes it in the format
// asked for (deploy/export_run.h lists them: safetensors, int8, onnx, onnx-int8, onnx-qdq, shared).
// A shared export also prints the parameter bytes as 32-bit floats against the shared form.
#include <cstdio>

#include "deploy/export_run.h"
#include "train/cli/commands.h"

namespace minnow::cli {
namespace {

int run_export(const ExportOptions& a) {
  const ExportResult r = export_checkpoint(a);
  std::printf("exported %s (%lld parameters) from %s to %s\n", r.model.c_str(), static_cast<long long>(r.parameters),
              r.checkpoint.c_str(), a.output.c_str());
  if (r.shared) std::printf("%s\n", shared_size_line(*r.shared).c_str());
  return 0;
}

}  // namespace

void add_export_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<ExportOptions>();
  auto* cmd = app.add_subcommand("export", "Export a checkpoint's weights (float32, plain, torchvision names)");
  cmd->add_option("source", args->source, "Run folder (its last.safetensors) or checkpoint file")->required();
  cmd->add_option("-o,--output", args->output, "Output file")->required();
  cmd->add_option("--format", args->format,
                  "safetensors (float32 weights), int8 (the converted int8 model of a QAT run), onnx (the float "
                  "model, BN folded), onnx-int8 (a QAT run's int8 model as QLinear ops, what OpenCV 4.6 runs) or "
                  "onnx-qdq (the same as QuantizeLinear/DequantizeLinear pairs, opset 13) or shared (a share run's "
                  "k-bit packed indices and codebooks; prints the size against float32)")
      ->capture_default_str();
  cmd->add_flag("--best", args->best, "From a run folder, export best.safetensors instead of last.safetensors");
  cmd->callback([args, &action] { action = [args] { return run_export(*args); }; });
}

}  // namespace minnow::cli
