#!/usr/bin/env bash
# The README's main job: install missing packages, build minnow (Release, -j2), and
# train the default config (MobileNet-v1 on Fashion-MNIST from dataset-fashion-mnist).
# The run folder is runs/fashion_mnist: config.yaml, metrics.jsonl, checkpoints,
# model.safetensors and summary.json. Extra arguments go to `minnow train`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install_deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2 --target minnow_cli
./build/minnow train configs/fashion_mnist.yaml "$@"
