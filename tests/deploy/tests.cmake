# test_deploy also runs the built `minnow` command (train, export, eval, then OpenCV on the
# exported file): it gets the binary's path, is built after it, and reuses the CLI test
# helpers and the tiny IDX data set of tests/train.
if(TARGET minnow_cli AND TARGET test_deploy)
  add_dependencies(test_deploy minnow_cli)
  target_compile_definitions(test_deploy PRIVATE MINNOW_CLI_PATH="$<TARGET_FILE:minnow_cli>")
  target_sources(test_deploy PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../train/cli_run.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/../train/tiny_dataset.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/../data/data_files.cpp)
endif()

# onnx_agreement: OpenCV against `minnow eval --save-logits` on a whole test set (the
# measurements of docs/deploy.md); built with the tests, not installed.
if(TARGET test_deploy)
  add_executable(onnx_agreement ${CMAKE_CURRENT_LIST_DIR}/tools/onnx_agreement.cpp ${CMAKE_CURRENT_LIST_DIR}/opencv_net.cpp
                                ${CMAKE_CURRENT_LIST_DIR}/run_images.cpp)
  target_include_directories(onnx_agreement PRIVATE ${PROJECT_SOURCE_DIR})
  target_include_directories(onnx_agreement SYSTEM PRIVATE ${OPENCV_INCLUDE_DIR})
  target_link_libraries(onnx_agreement PRIVATE minnow minnow_private_deps ${OPENCV_DNN_LIBRARY} ${OPENCV_CORE_LIBRARY})
  minnow_set_warnings(onnx_agreement)
endif()

# The program docs/deploy.md shows, built as written; test_deploy runs it on an exported model.
if(TARGET test_deploy)
  find_library(OPENCV_IMGCODECS_LIBRARY opencv_imgcodecs REQUIRED)
  add_executable(opencv_classify ${PROJECT_SOURCE_DIR}/docs/examples/opencv_classify.cpp)
  target_include_directories(opencv_classify SYSTEM PRIVATE ${OPENCV_INCLUDE_DIR})
  target_link_libraries(opencv_classify PRIVATE ${OPENCV_DNN_LIBRARY} ${OPENCV_IMGCODECS_LIBRARY} ${OPENCV_CORE_LIBRARY})
  add_dependencies(test_deploy opencv_classify)
  target_compile_definitions(test_deploy PRIVATE OPENCV_CLASSIFY_PATH="$<TARGET_FILE:opencv_classify>")
endif()

# bench/opencv_latency (built with the benchmark programs when OpenCV is found): test_deploy runs it once.
if(TARGET test_deploy AND TARGET opencv_latency)
  add_dependencies(test_deploy opencv_latency)
  target_compile_definitions(test_deploy PRIVATE OPENCV_LATENCY_PATH="$<TARGET_FILE:opencv_latency>")
endif()
