# Installation and the two Debian packages a district admin installs:
#   safecampusd  the server, its systemd unit, a sample configuration, the PKI
#                script, a `safecampus` service user made on install
#   safecampus   the campus client (CLI and browser interface) and its catalogue
# deploy/deb.sh builds them (cpack -G DEB); deploy/deb_check.sh installs them
# with dpkg in a fresh Debian 12 chroot and runs the server as its unit says.
# Dependencies come from dpkg-shlibdeps, so they name exactly the libraries
# the binaries link.

install(TARGETS safecampusd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT server)
install(TARGETS safecampus RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT client)

# the unit is deploy/safecampusd.service with the installed binary's path, so
# the example in the repository and the packaged unit cannot drift apart
file(READ ${CMAKE_SOURCE_DIR}/deploy/safecampusd.service SC_UNIT)
string(REPLACE "/usr/local/bin/safecampusd" "${CMAKE_INSTALL_FULL_BINDIR}/safecampusd" SC_UNIT "${SC_UNIT}")
string(REPLACE "file:///usr/local/share/doc/safecampus/" "file://${CMAKE_INSTALL_FULL_DATADIR}/doc/safecampusd/" SC_UNIT "${SC_UNIT}")
file(WRITE ${CMAKE_BINARY_DIR}/pkg/safecampusd.service "${SC_UNIT}")
install(FILES ${CMAKE_BINARY_DIR}/pkg/safecampusd.service
        DESTINATION lib/systemd/system COMPONENT server)

# the sample configuration (deploy/deb/sample_config.sh) is made at build
# time; postinst copies it to /etc/safecampus/ when none is there
add_custom_command(
  OUTPUT ${CMAKE_BINARY_DIR}/pkg/safecampusd.conf.sample
  COMMAND sh ${CMAKE_SOURCE_DIR}/deploy/deb/sample_config.sh $<TARGET_FILE:safecampusd>
          ${CMAKE_BINARY_DIR}/pkg/safecampusd.conf.sample
  DEPENDS safecampusd ${CMAKE_SOURCE_DIR}/deploy/deb/sample_config.sh
  COMMENT "safecampusd --sample-config")
add_custom_target(sc_sample_config ALL DEPENDS ${CMAKE_BINARY_DIR}/pkg/safecampusd.conf.sample)
install(FILES ${CMAKE_BINARY_DIR}/pkg/safecampusd.conf.sample
        DESTINATION ${CMAKE_INSTALL_DATADIR}/safecampusd COMPONENT server)
install(PROGRAMS ${CMAKE_SOURCE_DIR}/deploy/pki.sh
        DESTINATION ${CMAKE_INSTALL_DATADIR}/safecampusd COMPONENT server)
install(FILES ${CMAKE_SOURCE_DIR}/docs/OPERATIONS.md ${CMAKE_SOURCE_DIR}/docs/PROTOCOL.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/safecampusd COMPONENT server)
install(FILES ${CMAKE_SOURCE_DIR}/docs/CLI.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT client)

set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL server client)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "safecampus developers <safecampus@localhost>")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "safecampus developers <safecampus@localhost>")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# debugging symbols stay in the build tree (build-deb/), not on every campus box
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_SERVER_PACKAGE_NAME safecampusd)
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "adduser, openssl")
set(CPACK_DEBIAN_SERVER_PACKAGE_RECOMMENDS "postgresql (>= 15)")
set(CPACK_DEBIAN_SERVER_DESCRIPTION
  "safe-campus district sync server\n safecampusd keeps the district's school-safety records in PostgreSQL and\n syncs them with every campus over mutual TLS.")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
  "${CMAKE_SOURCE_DIR}/deploy/deb/postinst;${CMAKE_SOURCE_DIR}/deploy/deb/prerm;${CMAKE_SOURCE_DIR}/deploy/deb/postrm")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_CLIENT_PACKAGE_NAME safecampus)
set(CPACK_DEBIAN_CLIENT_DESCRIPTION
  "safe-campus school client\n safecampus records a school's safety work offline in SQLite, syncs it with\n the district server and serves a browser interface in Simplified Chinese.")
include(CPack)
