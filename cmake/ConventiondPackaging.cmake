# Debian packages by CPack (docs/install.md):
#   cpack -G DEB            (in the build directory)
# gives conventiond_VERSION_amd64.deb (components daemon + plugins: the executable and its
# command library, the shipped plugins, the man pages, the systemd unit, the default config as
# a conffile, a postinst creating the `conventiond` system user and /var/lib/conventiond) and
# conventiond-dev_VERSION_all.deb (component sdk: the SDK headers and the CMake package an
# out-of-tree plugin uses). Installed under /usr, whatever the build's CMAKE_INSTALL_PREFIX.

# The config and the unit: placed at install time (packaging/install-fhs.cmake).
install(CODE "
  set(CONVENTIOND_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
  set(CONVENTIOND_BINARY_DIR \"${PROJECT_BINARY_DIR}\")
  set(CONVENTIOND_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  include(\"${PROJECT_SOURCE_DIR}/packaging/install-fhs.cmake\")
" COMPONENT daemon)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME conventiond)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "conventiond")
set(CPACK_PACKAGE_CONTACT "conventiond maintainers <ops@example.org>")
# Left at CPack's default value on purpose: CPackDeb then takes the first line of each
# package's description below as its summary, instead of putting the project's in front.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_NAME} built using CMake")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)  # what CMAKE_INSTALL_PREFIX is while cpack installs (DESTDIR)
# Absolute destinations (/etc, /lib/systemd) need DESTDIR staging.
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/packages)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ONE_PER_GROUP)
set(CPACK_COMPONENTS_ALL daemon plugins sdk)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.org/conventiond")

# conventiond: the daemon. Its shared-library dependencies come from dpkg-shlibdeps (in a
# sanitizer build, which is never shipped, they include libasan8 and libubsan1).
set(CPACK_DEBIAN_SERVER_PACKAGE_NAME conventiond)
set(CPACK_DEBIAN_SERVER_PACKAGE_SECTION net)
string(CONCAT CPACK_DEBIAN_SERVER_DESCRIPTION
  "harvests, extracts, merges and publishes the French anti-poverty conventions\n"
  "A daemon with an HTTP API, scheduled harvest jobs run by connector plugins, a SQLite or\n"
  "PostgreSQL store, webhooks and sink plugins (Kafka, PostgreSQL, JSON lines).")
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_SERVER_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles
  ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
  ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
  ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)

# conventiond-dev: the plugin SDK (header-only, standard C++ only).
set(CPACK_DEBIAN_DEV_PACKAGE_NAME conventiond-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_ARCHITECTURE all)
string(CONCAT CPACK_DEBIAN_DEV_DESCRIPTION
  "plugin SDK of conventiond\n"
  "The C ABI and header-only C++ SDK of conventiond's connector and sink plugins, with the\n"
  "CMake package: find_package(conventiond) and conventiond_add_plugin().")
set(CPACK_DEBIAN_DEV_PACKAGE_RECOMMENDS "cmake, g++ (>= 4:12)")
set(CPACK_DEBIAN_DEV_PACKAGE_SUGGESTS "conventiond")

include(CPack)
cpack_add_component_group(server)
cpack_add_component_group(dev)
cpack_add_component(daemon GROUP server)
cpack_add_component(plugins GROUP server)
cpack_add_component(sdk GROUP dev)
