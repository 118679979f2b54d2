#!/usr/bin/env bash
# The README's test command: install missing packages, configure a Release build,
# build with -j2 and run the whole suite with ctest (plus the sanitizer pass over
# the data tests, when present). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install_deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2
(cd build && ctest -j2 --output-on-failure)
if [ -f tools/sanitize_data_tests.sh ]; then
  bash tools/sanitize_data_tests.sh
fi
