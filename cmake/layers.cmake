# The layers as the build sees them (DESIGN.md section 2): one object library per layer,
#   core <- ops <- models <- train,  core <- data <- train,  core <- dist <- train,  train <- deploy,
# each compiled against an include root of its own (build/layers/<layer>/) that holds
# links to its folder and to the folders it may use, nothing else; an include that runs
# back up the layers fails to compile. The layers' objects make the one shared library
# `minnow` that users link (minnow::minnow once installed).
set(MINNOW_LAYERS core ops models data dist train deploy)
set(MINNOW_LAYER_USES_core "")
set(MINNOW_LAYER_USES_ops core)
set(MINNOW_LAYER_USES_models core ops)
set(MINNOW_LAYER_USES_data core)
set(MINNOW_LAYER_USES_dist core)
set(MINNOW_LAYER_USES_train core ops models data dist)
set(MINNOW_LAYER_USES_deploy core ops models data dist train)

function(minnow_add_layer layer)
  set(root ${PROJECT_BINARY_DIR}/layers/${layer})
  file(MAKE_DIRECTORY ${root})
  foreach(visible ${layer} ${MINNOW_LAYER_USES_${layer}})
    if(NOT EXISTS ${root}/${visible})
      file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${visible} ${root}/${visible} SYMBOLIC)
    endif()
  endforeach()
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${layer}/*.cpp)
  list(FILTER sources EXCLUDE REGEX "/train/cli/")
  add_library(minnow_${layer} OBJECT ${sources})
  set_target_properties(minnow_${layer} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_include_directories(minnow_${layer} PRIVATE ${root})
  target_link_libraries(minnow_${layer} PUBLIC DNNL::dnnl PRIVATE OpenMP::OpenMP_CXX minnow_private_deps)
  foreach(used ${MINNOW_LAYER_USES_${layer}})
    target_link_libraries(minnow_${layer} PUBLIC minnow_${used})
  endforeach()
  minnow_set_warnings(minnow_${layer})
endfunction()

foreach(layer ${MINNOW_LAYERS})
  minnow_add_layer(${layer})
endforeach()
# ONNX export builds the model with libonnx-dev's protobuf classes; only deploy sees them.
target_link_libraries(minnow_deploy PRIVATE minnow_onnx_deps)
# Data-parallel training runs on MPI; only dist sees mpi.h.
target_link_libraries(minnow_dist PRIVATE minnow_mpi_deps)
