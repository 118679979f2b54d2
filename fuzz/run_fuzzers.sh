#!/usr/bin/env bash
# Builds the libFuzzer targets in build-fuzz/ with clang and runs each in turn
# for SECONDS (default 300), starting from the seeds in fuzz/corpus/. Grown
# corpora go to build-fuzz/corpus/<target>, crash inputs to build-fuzz/artifacts/<target>/.
# Usage: fuzz/run_fuzzers.sh [SECONDS] [TARGET...]
#   (targets: cifar idx image safetensors checkpoint config; default all, one after another)
# Extra libFuzzer flags come from FUZZ_FLAGS, e.g. FUZZ_FLAGS="-fork=1 -ignore_crashes=1".
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
shift || true
targets=("$@")
read -r -a FUZZ_FLAGS <<< "${FUZZ_FLAGS:-}"
if [ ${#targets[@]} -eq 0 ]; then targets=(cifar idx image safetensors checkpoint config); fi

cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMINNOW_FUZZ=ON \
  -DMINNOW_BUILD_TESTS=OFF -DMINNOW_BUILD_BENCH=OFF > /dev/null
cmake --build build-fuzz -j2 --target "${targets[@]/#/fuzz_}"

for target in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$target" "build-fuzz/artifacts/$target"
  cp -n fuzz/corpus/"$target"/* "build-fuzz/corpus/$target/"
  echo "== fuzz_$target for ${seconds}s"
  OMP_NUM_THREADS=1 "build-fuzz/fuzz/fuzz_$target" "build-fuzz/corpus/$target" \
    -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/artifacts/$target/" "${FUZZ_FLAGS[@]}"
done
