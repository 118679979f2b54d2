#!/usr/bin/env bash
# Installs the Debian 12 packages minnow builds, tests and runs with, if any is missing.
# Runs as root (or through sudo). Nothing is downloaded outside apt. Recommends are never
# installed, so every package the build finds is named here or is a hard dependency of one
# that is; tools/check_deps.py checks exactly that against a configured build.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake
  # libraries the build links or includes
  libdnnl-dev libspdlog-dev libfmt-dev libstb-dev libturbojpeg0-dev libjpeg62-turbo-dev libyaml-cpp-dev nlohmann-json3-dev zlib1g-dev libcli11-dev
  # ONNX export: libonnx-dev's CMake package needs libprotobuf-dev, which it only recommends;
  # FindProtobuf also looks for protoc, so it is named too (every machine configures alike)
  libonnx-dev libprotobuf-dev protobuf-compiler
  # data-parallel training: Open MPI (headers and library; mpirun for `mpirun -np N minnow train` and the tests)
  libopenmpi-dev openmpi-bin
  # CMake's FindMPI asks pkg-config for Open MPI's flags when it is there: named, so every machine configures alike
  pkgconf
  # Debian's oneDNN is built with the OpenCL runtime: its CMake package needs libOpenCL.so and CL/cl.h
  ocl-icd-opencl-dev opencl-c-headers
  # tests, the sanitizer pass and the fuzz targets (clang, with LLVM's OpenMP and tools)
  libgtest-dev clang libclang-rt-14-dev libomp-dev llvm lld
  # the PyTorch reference of the parity tests, run with /usr/bin/python3
  python3 python3-torch python3-torchvision python3-numpy
  # tools/make_folder_dataset.py and fuzz/make_seeds.py write images with PIL
  python3-pil
  # the Python module (pybind11 on Python's headers) and its tests
  pybind11-dev python3-dev python3-pytest
  # the ONNX consumers of the export tests: OpenCV 4.6's DNN module (C++) and onnx.checker
  libopencv-dnn-dev libopencv-imgcodecs-dev libopencv-imgproc-dev python3-onnx
  # the default run's data set
  dataset-fashion-mnist
  # run reports inline Debian's dygraphs and D3 3.5; the report's browser test runs headless Chromium
  libjs-dygraphs libjs-d3 chromium
)

missing_packages() {
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

mapfile -t missing < <(missing_packages)
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
echo "install_deps: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

mapfile -t still_missing < <(missing_packages)
if [ ${#still_missing[@]} -ne 0 ]; then
  echo "install_deps: error: apt-get finished but these packages are not installed: ${still_missing[*]}" >&2
  exit 1
fi
echo "install_deps: all ${#packages[@]} packages present"
