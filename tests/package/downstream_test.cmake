# Script mode: install, configure, build and run the downstream project, then import the installed
# Python module with only the prefix on PYTHONPATH; any failing step fails the test.
file(REMOVE_RECURSE ${WORK_DIR})
function(step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "downstream package test: '${ARGN}' failed with ${status}")
  endif()
endfunction()
step(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
step(${CMAKE_COMMAND} -S ${DOWNSTREAM_DIR} -B ${WORK_DIR}/build -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
step(${CMAKE_COMMAND} --build ${WORK_DIR}/build -j2)
step(${WORK_DIR}/build/downstream)
if(PYTHON)
  step(${CMAKE_COMMAND} -E env PYTHONPATH=${WORK_DIR}/prefix/${PYTHON_DIR}
       ${PYTHON} -c "import minnow; assert minnow.__file__.startswith('${WORK_DIR}/prefix/'), minnow.__file__; minnow.stats('squeezenet1_1', resolution=64)")
endif()
