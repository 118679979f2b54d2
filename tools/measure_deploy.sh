#!/usr/bin/env bash
# Trains each zoo family briefly on Fashion-MNIST (28 px, small_input) as a user would, then
# measures what docs/deploy.md and docs/quantization.md report:
#   float: 1 epoch; `minnow export --format onnx`, OpenCV against `minnow eval --save-logits`;
#   QAT:   1 epoch from those weights; `minnow eval --int8` (int8 against fake-quant argmax
#          agreement), `minnow export --format onnx-int8`, OpenCV against `eval --int8 --save-logits`.
# usage: tools/measure_deploy.sh BUILD_DIR WORK_DIR [family...]   (one JSON line per measurement)
set -euo pipefail
build=$(realpath "$1"); work=$2; shift 2
families=("$@")
[ ${#families[@]} -gt 0 ] || families=(mobilenet_v1 mobilenet_v2 shufflenet_v1 shufflenet_v2_x1_0 squeezenet1_1 resnet18)
minnow=$build/minnow
agreement=$build/tests/onnx_agreement
mkdir -p "$work"

config() {  # name family lr extra-model-yaml extra-yaml
  local width=1.0
  case $2 in mobilenet_v1|mobilenet_v2|shufflenet_v1) width=0.5 ;; esac
  cat > "$work/$1.yaml" <<YAML
model:
  name: $2
  width: $width
  resolution: 28
  num_classes: 10
  in_channels: 1
  small_input: true
$4
data:
  format: idx
  train: [/usr/share/datasets/fashion-mnist]
  batch_size: 128
  workers: 0
  transforms:
    mean: [0.2860]
    std: [0.3530]
optimizer:
  name: sgd
  lr: $3
  momentum: 0.9
  nesterov: true
  weight_decay: 5.0e-5
schedule:
  name: cosine
epochs: 1
seed: 0
threads: 2
log_every_steps: 100
output: $work/$1
$5
YAML
  echo "$work/$1.yaml"
}

for f in "${families[@]}"; do
  lr=0.05 extra=""
  # SqueezeNet has no BN: SGD at 0.02-0.05 leaves its ReLUs dead here (loss stays ln 10), so AdamW.
  [ "${f#squeezenet}" = "$f" ] || { lr=0.001; extra=adamw; }
  float=$(config "$f" "$f" "$lr" "" "")
  if [ -n "$extra" ]; then
    sed -i 's/^  name: sgd$/  name: adamw/; /^  momentum: 0.9$/d; /^  nesterov: true$/d; s/^  name: cosine$/  name: cosine\n  warmup_epochs: 0.2/' "$float"
  fi
  start=$(date +%s)
  "$minnow" train "$float" > "$work/$f.train.log"
  "$minnow" eval "$float" --weights "$work/$f/model.safetensors" --save-logits "$work/$f.logits.safetensors" --json > "$work/$f.eval.json"
  "$minnow" export "$work/$f" --format onnx -o "$work/$f.onnx" > /dev/null
  echo "{\"family\": \"$f\", \"form\": \"float\", \"train_s\": $(( $(date +%s) - start )), \"eval\": $(cat "$work/$f.eval.json"), \"opencv\": $("$agreement" "$float" "$work/$f.onnx" "$work/$f.logits.safetensors")}"

  qat=$(config "${f}_qat" "$f" "$(awk "BEGIN { print $lr / 10 }")" "  init_weights: $work/$f/model.safetensors" "qat:
  enabled: true")
  if [ -n "$extra" ]; then sed -i 's/^  name: sgd$/  name: adamw/; /^  momentum: 0.9$/d; /^  nesterov: true$/d' "$qat"; fi
  start=$(date +%s)
  "$minnow" train "$qat" > "$work/${f}_qat.train.log"
  "$minnow" eval "$qat" --weights "$work/${f}_qat/model.safetensors" --int8 --save-logits "$work/${f}_qat.logits.safetensors" --json > "$work/${f}_qat.eval.json"
  "$minnow" export "$work/${f}_qat" --format onnx-int8 -o "$work/${f}_qat.onnx" > /dev/null
  echo "{\"family\": \"$f\", \"form\": \"int8\", \"train_s\": $(( $(date +%s) - start )), \"eval\": $(cat "$work/${f}_qat.eval.json"), \"opencv\": $("$agreement" "$qat" "$work/${f}_qat.onnx" "$work/${f}_qat.logits.safetensors")}"
done
