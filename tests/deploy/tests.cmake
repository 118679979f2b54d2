# test_deploy also runs the built `minnow` command (train, export, eval, then OpenCV on the
# exported file): it gets the binary's path, is built after it, and reuses the CLI test
# helpers and the tiny IDX data set of tests/train.
if(TARGET minnow_cli AND TARGET test_deploy)
  add_dependencies(test_deploy minnow_cli)
  target_compile_definitions(test_deploy PRIVATE MINNOW_CLI_PATH="$<TARGET_FILE:minnow_cli>")
  target_sources(test_deploy PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../train/cli_run.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/../train/tiny_dataset.cpp)
endif()
