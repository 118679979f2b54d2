#!/usr/bin/env bash
# Installs the Debian 12 packages minnow builds, tests and runs with, if any is missing.
# Runs as root (or through sudo). Nothing is downloaded outside apt.
set -euo pipefail

packages=(
  build-essential cmake
  libdnnl-dev libspdlog-dev libfmt-dev libstb-dev libyaml-cpp-dev nlohmann-json3-dev zlib1g-dev libcli11-dev libgtest-dev
  clang libclang-rt-14-dev
  python3-torch python3-torchvision python3-numpy
  dataset-fashion-mnist
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
echo "install_deps: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
