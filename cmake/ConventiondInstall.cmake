# Install rules and the find_package(conventiond) package (see docs/writing-a-connector.md).
#
# Component "sdk": the plugin SDK headers, the exported conventiond::sdk target, and
# conventiondConfig.cmake (which also defines conventiond_add_plugin()). An out-of-tree plugin
# needs only this component:
#   cmake --install build --component sdk --prefix /opt/conventiond
include(CMakePackageConfigHelpers)

set(CONVENTIOND_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/conventiond)

set_target_properties(conventiond_sdk PROPERTIES EXPORT_NAME sdk)
install(TARGETS conventiond_sdk EXPORT conventiondTargets COMPONENT sdk)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/conventiond/sdk/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/conventiond/sdk COMPONENT sdk
        FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")
install(EXPORT conventiondTargets NAMESPACE conventiond::
        DESTINATION ${CONVENTIOND_CMAKE_INSTALL_DIR} COMPONENT sdk)

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/conventiondConfig.cmake.in
  ${PROJECT_BINARY_DIR}/conventiondConfig.cmake
  INSTALL_DESTINATION ${CONVENTIOND_CMAKE_INSTALL_DIR})
# The SDK's C++ API may change with the minor version while 0.x; the plugin ABI is versioned
# separately (CONVENTIOND_ABI_VERSION) and checked at load time.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/conventiondConfigVersion.cmake
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES ${PROJECT_BINARY_DIR}/conventiondConfig.cmake
              ${PROJECT_BINARY_DIR}/conventiondConfigVersion.cmake
        DESTINATION ${CONVENTIOND_CMAKE_INSTALL_DIR} COMPONENT sdk)
include(ConventiondPackaging)
