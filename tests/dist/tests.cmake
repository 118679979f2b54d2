# test_dist runs the built `minnow` under mpirun (openmpi-bin): it gets both paths and is
# built after the command. It reuses the CLI runner and the data tests' file generators.
if(TARGET minnow_cli AND TARGET test_dist)
  add_dependencies(test_dist minnow_cli)
  set(MINNOW_MPIRUN "")
  if(MINNOW_MPIRUN_EXECUTABLE)
    set(MINNOW_MPIRUN "${MINNOW_MPIRUN_EXECUTABLE}")
  endif()
  target_compile_definitions(test_dist PRIVATE MINNOW_CLI_PATH="$<TARGET_FILE:minnow_cli>"
                                               MINNOW_MPIRUN="${MINNOW_MPIRUN}")
  target_sources(test_dist PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../data/data_files.cpp
                                   ${CMAKE_CURRENT_LIST_DIR}/../train/cli_run.cpp)
endif()
