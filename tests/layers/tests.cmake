# The build's layering holds: with a layer's own include root (cmake/layers.cmake) a
# header of a lower layer compiles, and a header of a higher one does not.
add_test(NAME Layers.AnIncludeUpTheLayersFailsToCompile
  COMMAND ${CMAKE_COMMAND}
    -DCXX=${CMAKE_CXX_COMPILER}
    -DLAYERS=${PROJECT_BINARY_DIR}/layers
    -DWORK_DIR=${PROJECT_BINARY_DIR}/layers_test
    -P ${CMAKE_CURRENT_LIST_DIR}/include_check.cmake)
