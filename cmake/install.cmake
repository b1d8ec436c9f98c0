# SPDX-License-Identifier: Apache-2.0
# What `cmake --install` places (DESTDIR is honoured: every destination is relative to the
# prefix) and the .deb and .rpm CPack builds from it. Included by CMakeLists.txt after the
# program's target. Packages: configure a release build with the prefix the package uses,
#   cmake -S . -B build-pkg -DCMAKE_BUILD_TYPE=Release -DPDI_TESTING=OFF -DCMAKE_INSTALL_PREFIX=/usr
#   cmake --build build-pkg && (cd build-pkg && cpack -G DEB)   # or -G RPM
# (the program looks for its SELinux module under the configured prefix).

# The program: sbin, as a tool for the administrator (it installs system services, creates
# system users and loads SELinux modules, so it runs as root; man section 8).
install(TARGETS polkadot-installer DESTINATION ${CMAKE_INSTALL_SBINDIR})

# The man page, compressed as Debian policy asks (rpm's brp-compress keeps a .gz as it is).
find_program(PDI_GZIP NAMES gzip)
if(PDI_GZIP)
  add_custom_command(
    OUTPUT ${CMAKE_BINARY_DIR}/polkadot-installer.8.gz
    COMMAND ${PDI_GZIP} -n -9 -c ${CMAKE_SOURCE_DIR}/docs/polkadot-installer.8
            > ${CMAKE_BINARY_DIR}/polkadot-installer.8.gz
    DEPENDS ${CMAKE_SOURCE_DIR}/docs/polkadot-installer.8
    COMMENT "Compressing the man page")
  add_custom_target(man-page ALL DEPENDS ${CMAKE_BINARY_DIR}/polkadot-installer.8.gz)
  install(FILES ${CMAKE_BINARY_DIR}/polkadot-installer.8.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
else()
  install(FILES docs/polkadot-installer.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
endif()

# bash completion, where bash-completion loads it on demand.
install(FILES contrib/polkadot-installer.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME polkadot-installer)

# The SELinux module: the built .pp where the program loads it from (when the policy devel
# files were there to build it), and its sources for a host that rebuilds it.
if(PDI_SELINUX_BUILT)
  install(FILES ${CMAKE_BINARY_DIR}/selinux/polkadot.pp DESTINATION ${PDI_SELINUX_DIR})
endif()
install(FILES selinux/polkadot.te selinux/polkadot.fc selinux/polkadot.if
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/selinux)
# The AppArmor profile template: compiled into the program, which renders it for the
# install's paths into /etc/apparmor.d; the copy is for the manual path of INSTALL.md.
install(FILES apparmor/polkadot.in DESTINATION ${CMAKE_INSTALL_DOCDIR}/apparmor)

# Documentation. The templates are compiled into the program; the copies are for the manual
# path of INSTALL.md.
install(FILES LICENSE README.md INSTALL.md docs/audit-json.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES manifests/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME manifests.md)
install(DIRECTORY templates/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/templates)

# ---- CPack: cpack -G DEB | -G RPM ------------------------------------------------------
set(PDI_PACKAGE_MAINTAINER "polkadot-installer maintainers <maintainers@polkadot-installer.invalid>"
    CACHE STRING "The Maintainer/Packager field of the .deb and .rpm")
set(CPACK_PACKAGE_NAME polkadot-installer)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${PDI_PACKAGE_MAINTAINER})
set(CPACK_PACKAGE_VENDOR "polkadot-installer")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "installs, verifies and audits signed Polkadot node releases")
set(CPACK_PACKAGE_DESCRIPTION
    "polkadot-installer installs the Polkadot node and its two PVF workers from a\n"
    "minisign-signed release manifest, always together and always the same version,\n"
    "verifies every byte before activation, upgrades with a health check and fallback,\n"
    "rolls back, and audits installs made by itself or by hand.")
string(CONCAT CPACK_PACKAGE_DESCRIPTION ${CPACK_PACKAGE_DESCRIPTION})
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_GENERATOR DEB)
set(CPACK_SOURCE_GENERATOR "")
set(CPACK_STRIP_FILES ON)

# Debian: the runtime libraries (libcurl, libarchive, libssl, libjansson, libsystemd, libelf,
# libseccomp, libc) from the binary itself with dpkg-shlibdeps, so the versions are right.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "policycoreutils, systemd")
string(REPLACE "\n" " " CPACK_DEBIAN_PACKAGE_DESCRIPTION_ONE_LINE "${CPACK_PACKAGE_DESCRIPTION}")

# RPM: rpm's own dependency generator finds the libraries (AUTOREQ); the package owns only
# its own directories, not the system's.
set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_LICENSE Apache-2.0)
set(CPACK_RPM_PACKAGE_GROUP "System Environment/Base")
set(CPACK_RPM_PACKAGE_AUTOREQ ON)
set(CPACK_RPM_PACKAGE_SUGGESTS "policycoreutils")
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
    ${CMAKE_INSTALL_PREFIX}/sbin ${CMAKE_INSTALL_PREFIX}/share/man
    ${CMAKE_INSTALL_PREFIX}/share/man/man8 ${CMAKE_INSTALL_PREFIX}/share/bash-completion
    ${CMAKE_INSTALL_PREFIX}/share/bash-completion/completions ${CMAKE_INSTALL_PREFIX}/share/selinux
    ${CMAKE_INSTALL_PREFIX}/share/selinux/packages)

# A test build carries fault-injection hooks and looks for the SELinux module in its build
# tree: cpack refuses to package one (cmake/cpack_guard.cmake).
set(CPACK_PDI_TESTING ${PDI_TESTING})
set(CPACK_PDI_SANITIZE ${PDI_SANITIZE})
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_SOURCE_DIR}/cmake/cpack_guard.cmake)
include(CPack)
