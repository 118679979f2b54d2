# The Python module's tests: one ctest entry running pytest (python3-pytest) on tests/python/
# with Debian's python3, the built module on PYTHONPATH and the built `minnow` command to
# compare against. No bytecode or pytest cache is written into the source tree.
if(TARGET minnow_python AND TARGET minnow_cli)
  add_test(NAME Python.Pytest
    COMMAND ${MINNOW_PYTHON_EXECUTABLE} -m pytest -q -p no:cacheprovider ${CMAKE_CURRENT_LIST_DIR})
  set_tests_properties(Python.Pytest PROPERTIES
    ENVIRONMENT "PYTHONPATH=$<TARGET_FILE_DIR:minnow_python>;MINNOW_CLI=$<TARGET_FILE:minnow_cli>;PYTHONDONTWRITEBYTECODE=1;OMP_NUM_THREADS=1"
    TIMEOUT 300)
endif()
