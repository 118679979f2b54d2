#!/usr/bin/env bash
# A short, deterministic fuzz pass for CI. Builds the six libFuzzer targets in build-fuzz/
# (clang, -j2), then runs each for a fixed number of inputs with a fixed seed (-runs=N
# -seed=1), one target at a time, starting from a scratch corpus holding its committed seeds
# (fuzz/corpus/<target>/) and the crash inputs kept for it (tests/*/fuzz_crashes/<target>-*).
# Any finding (crash, sanitizer report, leak, timeout, out of memory) fails the pass; the
# input is left in build-fuzz/smoke/artifacts/<target>/. Long runs: fuzz/run_fuzzers.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

# Inputs per target: about 20 s each, 2 to 2.5 minutes in all on the shared 2-core machine.
targets=(cifar idx image safetensors checkpoint config)
declare -A runs=([cifar]=400000 [idx]=150000 [image]=120000 [safetensors]=120000 [checkpoint]=80000 [config]=12000)

cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMINNOW_FUZZ=ON \
  -DMINNOW_BUILD_TESTS=OFF -DMINNOW_BUILD_BENCH=OFF > /dev/null
cmake --build build-fuzz -j2 --target "${targets[@]/#/fuzz_}"

failed=()
for target in "${targets[@]}"; do
  smoke=build-fuzz/smoke
  rm -rf "$smoke/corpus/$target" "$smoke/artifacts/$target"
  mkdir -p "$smoke/corpus/$target" "$smoke/artifacts/$target"
  cp fuzz/corpus/"$target"/* "$smoke/corpus/$target/"
  find tests -path "*/fuzz_crashes/$target-*" -exec cp {} "$smoke/corpus/$target/" \;
  echo "== fuzz_$target: ${runs[$target]} runs, seed 1"
  start=$SECONDS
  if OMP_NUM_THREADS=1 "build-fuzz/fuzz/fuzz_$target" "$smoke/corpus/$target" -runs="${runs[$target]}" -seed=1 -reload=0 \
      -max_len=8192 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$smoke/artifacts/$target/" > "$smoke/$target.log" 2>&1; then
    echo "clean after $((SECONDS - start)) s: $(grep -E "DONE" "$smoke/$target.log")"
  else
    tail -40 "$smoke/$target.log"
    failed+=("$target")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz smoke: findings in ${failed[*]}; inputs in build-fuzz/smoke/artifacts/" >&2
  exit 1
fi
echo "fuzz smoke: ${#targets[@]} targets clean"
