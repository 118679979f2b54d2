# test_train also runs the built `minnow` command (CLI and interop tests): it gets the
# binary's path and is built after it. It reuses the data tests' file generators
# (IDX, CIFAR and image files) from tests/data/data_files.cpp. The report's browser test
# opens pages in headless Chromium: MINNOW_CHROMIUM is its path ("" when not found, and that test fails).
if(TARGET minnow_cli AND TARGET test_train)
  add_dependencies(test_train minnow_cli)
  target_compile_definitions(test_train PRIVATE MINNOW_CLI_PATH="$<TARGET_FILE:minnow_cli>"
    MINNOW_CHROMIUM="$<$<BOOL:${MINNOW_CHROMIUM_EXECUTABLE}>:${MINNOW_CHROMIUM_EXECUTABLE}>")
  target_sources(test_train PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../data/data_files.cpp)
endif()
