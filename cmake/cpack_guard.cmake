# SPDX-License-Identifier: Apache-2.0
# Read by cpack before it builds a package (CPACK_PROJECT_CONFIG_FILE): only a release
# build may become a package. A test build (PDI_TESTING) has fault-injection hooks and loads
# the SELinux module from its build directory; a sanitizer build needs the ASan runtime.
if(CPACK_PDI_TESTING OR CPACK_PDI_SANITIZE)
  message(FATAL_ERROR "polkadot-installer: refusing to package a test build "
                      "(PDI_TESTING=${CPACK_PDI_TESTING}, PDI_SANITIZE=${CPACK_PDI_SANITIZE}); "
                      "configure with -DCMAKE_BUILD_TYPE=Release -DPDI_TESTING=OFF")
endif()
