# Compiles one-line sources against a layer's include root and checks the outcome:
# `layer header expect` for each case below. Run by tests/layers/tests.cmake.
file(MAKE_DIRECTORY ${WORK_DIR})
set(cases
  "ops models/module.h fail"
  "ops core/tensor.h pass"
  "core ops/conv2d.h fail"
  "data models/zoo.h fail"
  "data core/error.h pass"
  "models train/config.h fail"
  "models ops/conv2d.h pass"
  "train data/data_config.h pass"
  "train deploy/onnx_export.h fail"
  "deploy train/config.h pass")
set(failures "")
foreach(case ${cases})
  separate_arguments(parts UNIX_COMMAND "${case}")
  list(GET parts 0 layer)
  list(GET parts 1 header)
  list(GET parts 2 expect)
  set(source ${WORK_DIR}/${layer}_includes.cpp)
  file(WRITE ${source} "#include \"${header}\"\n")
  execute_process(COMMAND ${CXX} -std=c++20 -fsyntax-only -I${LAYERS}/${layer} ${source}
    RESULT_VARIABLE status OUTPUT_QUIET ERROR_QUIET)
  if(status EQUAL 0)
    set(got pass)
  else()
    set(got fail)
  endif()
  message(STATUS "layer ${layer} including ${header}: ${got} (expected ${expect})")
  if(NOT got STREQUAL expect)
    list(APPEND failures "${layer} including ${header}: ${got}, expected ${expect}")
  endif()
endforeach()
if(failures)
  message(FATAL_ERROR "layering: ${failures}")
endif()
