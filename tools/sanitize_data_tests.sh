#!/usr/bin/env bash
# Builds the data tests with AddressSanitizer + UndefinedBehaviorSanitizer in
# build-asan/ (beside the normal build) and runs them; any report fails the run.
# oneDNN and libgomp are not instrumented; no suppressions are needed today.
set -euo pipefail
cd "$(dirname "$0")/.."

launcher=()
if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMINNOW_SANITIZE=ON -DMINNOW_BUILD_BENCH=OFF \
  "${launcher[@]}"
cmake --build build-asan -j2 --target test_data
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
OMP_NUM_THREADS=1 \
  ./build-asan/tests/test_data
