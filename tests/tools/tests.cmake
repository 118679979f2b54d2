# The dependency check (tools/check_deps.py) against this build: it passes with
# tools/install_deps.sh as it is (run by .ci/run), and this test makes sure it
# can fail: with packages taken out of the list it must name them.
add_test(NAME Tools.DependencyCheckNamesARemovedPackage
  COMMAND ${MINNOW_PYTHON_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/check_deps_test.py
    ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
set_tests_properties(Tools.DependencyCheckNamesARemovedPackage PROPERTIES TIMEOUT 300)
