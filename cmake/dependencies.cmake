# Dependency lookup. Everything comes from Debian 12 packages; nothing is downloaded.
#   libdnnl-dev (DNNL::dnnl), gcc's OpenMP, libspdlog-dev, libstb-dev, libturbojpeg0-dev and
#   libjpeg62-turbo-dev, libyaml-cpp-dev,
#   nlohmann-json3-dev, zlib1g-dev, libcli11-dev (the CLI's argument parsing), libonnx-dev
#   with libprotobuf-dev (ONNX export), libopenmpi-dev (data-parallel training), Debian's
#   /usr/bin/python3 with python3-dev and pybind11-dev (the Python module) and, for the tests,
#   libgtest-dev, python3-torch, python3-pytest, python3-numpy and chromium (the report's
#   browser test). tools/install_deps.sh installs them all; tools/check_deps.py checks that it
#   names every package found here.
include(GNUInstallDirs)

find_package(dnnl 2.6 CONFIG REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(Threads REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(yaml-cpp CONFIG REQUIRED)
find_package(nlohmann_json 3.10 CONFIG REQUIRED)
find_package(ZLIB REQUIRED)
find_package(CLI11 CONFIG REQUIRED)

# ONNX export (deploy/): libonnx-dev's CMake package needs Protobuf found first (libprotobuf-dev).
find_package(Protobuf REQUIRED)
find_package(ONNX 1.12 CONFIG REQUIRED)
add_library(minnow_onnx_deps INTERFACE)
target_link_libraries(minnow_onnx_deps INTERFACE onnx onnx_proto protobuf::libprotobuf)

# Data-parallel training (dist/): Open MPI 4.1 (libopenmpi-dev), C API only; mpirun
# (openmpi-bin) launches the distributed tests.
set(MPI_CXX_SKIP_MPICXX ON)
find_package(MPI 3.1 REQUIRED COMPONENTS CXX)
add_library(minnow_mpi_deps INTERFACE)
target_link_libraries(minnow_mpi_deps INTERFACE MPI::MPI_CXX)

find_path(STB_INCLUDE_DIR stb_image.h PATH_SUFFIXES stb REQUIRED)
# JPEG decoding: libjpeg-turbo, whole images through its TurboJPEG API (libturbojpeg0-dev) and
# a random crop's region through its libjpeg API (libjpeg62-turbo-dev; TurboJPEG 2.1 cannot crop).
# Found by file: FindJPEG would accept any libjpeg, and TurboJPEG's CMake package also demands
# static libraries.
find_path(TURBOJPEG_INCLUDE_DIR turbojpeg.h REQUIRED)
find_library(TURBOJPEG_LIBRARY turbojpeg REQUIRED)
find_path(LIBJPEG_INCLUDE_DIR jpeglib.h REQUIRED)
find_library(LIBJPEG_LIBRARY jpeg REQUIRED)

# Dependencies that stay out of minnow's public headers.
add_library(minnow_private_deps INTERFACE)
target_include_directories(minnow_private_deps SYSTEM INTERFACE ${STB_INCLUDE_DIR} ${TURBOJPEG_INCLUDE_DIR}
  ${LIBJPEG_INCLUDE_DIR})
target_link_libraries(minnow_private_deps INTERFACE ${TURBOJPEG_LIBRARY} ${LIBJPEG_LIBRARY}
  spdlog::spdlog yaml-cpp nlohmann_json::nlohmann_json ZLIB::ZLIB Threads::Threads)

# Debian's python3, the one python3-torch, python3-numpy and python3-pytest install into (the
# parity tests, the Python module and its tests); not whichever python3 comes first on PATH.
if(MINNOW_BUILD_TESTS OR MINNOW_BUILD_PYTHON)
  find_program(MINNOW_PYTHON_EXECUTABLE python3 PATHS /usr/bin NO_DEFAULT_PATH REQUIRED)
endif()

# The Python module (python/): pybind11-dev 2.10 on the headers of python3-dev, found for
# that same interpreter.
if(MINNOW_BUILD_PYTHON)
  set(Python3_EXECUTABLE ${MINNOW_PYTHON_EXECUTABLE})
  find_package(Python3 3.9 REQUIRED COMPONENTS Interpreter Development.Module)
  find_package(pybind11 2.10 CONFIG REQUIRED)
endif()

if(MINNOW_BUILD_TESTS)
  find_package(GTest REQUIRED)
  # The ONNX export tests' consumer: OpenCV 4.6's DNN module (libopencv-dnn-dev; Debian ships no
  # CMake package for it without the whole libopencv-dev).
  find_path(OPENCV_INCLUDE_DIR opencv2/dnn.hpp PATH_SUFFIXES opencv4 REQUIRED)
  find_library(OPENCV_DNN_LIBRARY opencv_dnn REQUIRED)
  find_library(OPENCV_CORE_LIBRARY opencv_core REQUIRED)
  # The data-parallel tests launch ranks with Open MPI's mpirun (openmpi-bin); without it they skip.
  find_program(MINNOW_MPIRUN_EXECUTABLE mpirun)
  # The report's browser test opens pages in headless Chromium (chromium); without it that test fails.
  find_program(MINNOW_CHROMIUM_EXECUTABLE chromium)
endif()
