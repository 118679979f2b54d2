# Installs minnow into a scratch prefix and builds a tiny downstream project
# against it with find_package(minnow), then runs that project; and imports the installed
# Python module (when it is built) from the prefix.
add_test(NAME Package.DownstreamFindPackage
  COMMAND ${CMAKE_COMMAND}
    -DBUILD_DIR=${PROJECT_BINARY_DIR}
    -DDOWNSTREAM_DIR=${CMAKE_CURRENT_LIST_DIR}/downstream
    -DWORK_DIR=${PROJECT_BINARY_DIR}/package_test
    "-DPYTHON=$<$<TARGET_EXISTS:minnow_python>:${MINNOW_PYTHON_EXECUTABLE}>"
    -DPYTHON_DIR=${MINNOW_PYTHON_INSTALL_DIR}
    -P ${CMAKE_CURRENT_LIST_DIR}/downstream_test.cmake)
set_tests_properties(Package.DownstreamFindPackage PROPERTIES TIMEOUT 600)
