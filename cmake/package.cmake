# Installable package: downstream projects call find_package(minnow) and link minnow::minnow.
include(CMakePackageConfigHelpers)

install(TARGETS minnow EXPORT minnowTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
foreach(layer ${MINNOW_LAYERS})
  install(DIRECTORY ${layer}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/minnow/${layer}
    FILES_MATCHING PATTERN "*.h"
    PATTERN "deploy/onnx" EXCLUDE)  # internal: it includes libonnx-dev's protobuf headers
endforeach()
install(EXPORT minnowTargets NAMESPACE minnow:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/minnow)

configure_package_config_file(cmake/minnowConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/minnowConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/minnow)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/minnowConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/minnowConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/minnowConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/minnow)
