# Run by `cmake --install` (and by cpack) for the component "daemon": the files whose place is
# outside the prefix under FHS when the prefix is /usr — the config in /etc/conventiond and
# the systemd unit in /lib/systemd/system — and under PREFIX/etc and PREFIX/lib/systemd
# otherwise (the rule of GNUInstallDirs, and of install_layout.cpp for the default config).
# Decided at install time, since cpack installs with the prefix /usr whatever the build's.
# Set by the install(CODE) that includes this file: CONVENTIOND_SOURCE_DIR, CONVENTIOND_BINARY_DIR,
# CONVENTIOND_BINDIR (relative to the prefix).
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr" OR CMAKE_INSTALL_PREFIX STREQUAL "/usr/")
  set(_cvd_etc "/etc")
  set(_cvd_unitdir "/lib/systemd/system")
else()
  set(_cvd_etc "${CMAKE_INSTALL_PREFIX}/etc")
  set(_cvd_unitdir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
endif()
set(CONVENTIOND_CONFIG "${_cvd_etc}/conventiond/conventiond.toml")
set(CONVENTIOND_BINDIR "${CMAKE_INSTALL_PREFIX}/${CONVENTIOND_BINDIR}")
set(_cvd_unit "${CONVENTIOND_BINARY_DIR}/packaging/conventiond.service")
configure_file("${CONVENTIOND_SOURCE_DIR}/packaging/systemd/conventiond.service.in" "${_cvd_unit}" @ONLY)
# file(INSTALL) honours DESTDIR and records the files in the install manifest.
file(INSTALL DESTINATION "${_cvd_unitdir}" TYPE FILE
     PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ FILES "${_cvd_unit}")
file(INSTALL DESTINATION "${_cvd_etc}/conventiond" TYPE FILE
     PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
     FILES "${CONVENTIOND_SOURCE_DIR}/packaging/conventiond.toml")
