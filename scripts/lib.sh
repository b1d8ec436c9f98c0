# SPDX-License-Identifier: Apache-2.0
# Shared by scripts/demo.sh, scripts/test.sh and bench/lib.sh: install what is missing
# (Debian/Ubuntu), configure and build. Source it; it sets -euo pipefail.
set -euo pipefail

PDI_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Build and test dependencies, by Debian package name. tests/scenario/test_packages.sh proves
# these lists on a pristine Debian 12 (debootstrap minbase): after pdi_ensure_for test there,
# every tool, file and pkg-config module any test, the builds or the scripts probe for must
# be present. Beside a package, the tests that need it.
PDI_BUILD_PACKAGES=(build-essential cmake pkg-config libjansson-dev libssl-dev
        libcurl4-openssl-dev libarchive-dev libsystemd-dev libelf-dev libseccomp-dev
        libgpgme-dev gpg)               # gpg: what GPGME runs for import (OpenPGP)
PDI_TEST_PACKAGES=(
        libcmocka-dev                   # unit tests
        minisign python3 curl zstd      # release.sh: signing, manifests, tests/lighttpd.sh, tar --zstd
        lighttpd lighttpd-mod-openssl   # tests/lighttpd.sh; mod_openssl.so for test_install_tls
        openssl                         # test_install_tls: the throwaway CA (libssl-dev has no CLI)
        xz-utils util-linux strace      # unshare, setpriv, nsenter, flock; test_audit*
        systemd                         # systemd-analyze: test_units, test_auto_upgrade, test_host_root
        clang libclang-rt-14-dev clang-format # the fuzz build; test_format
        selinux-policy-dev setools      # test_selinux (sesearch where SELinux is on)
        apparmor                        # test_apparmor: apparmor_parser, /etc/apparmor.d/abi/3.0
        systemd-container debootstrap   # the container tests, test_packages
        procps time                     # test_audit_confined: pgrep, /usr/bin/time for peak RSS
        rpm                             # test_package_deb: rpmbuild for cpack -G RPM, rpm -qp
        tmux                            # test_guided: drives the guided setup on a terminal
        buildah runc                    # test_container_image: examples/docker/Dockerfile, built
        ansible-core                    # test_ansible: ansible-playbook, ansible, ansible-doc
        gpg gpg-agent                   # test_import: a throwaway release key, signing like upstream
)
# The benchmarks' tools (bench/): /usr/bin/time measures time and peak RSS.
PDI_BENCH_PACKAGES=(time curl minisign lighttpd python3)
# scripts/demo.sh serves its release with tests/lighttpd.sh.
PDI_DEMO_PACKAGES=(lighttpd curl)

pdi_missing_packages() {
        local p missing=()
        for p in "$@"; do
                dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
                        missing+=("$p")
        done
        echo "${missing[@]:-}"
}

pdi_ensure_packages() {
        local missing
        missing=$(pdi_missing_packages "$@")
        [ -z "$missing" ] && return 0
        if ! command -v apt-get >/dev/null; then
                echo "missing packages: $missing (install them with your package manager)" >&2
                return 1
        fi
        if [ "$(id -u)" != 0 ]; then
                echo "missing packages: $missing; run as root or install them first" >&2
                return 1
        fi
        echo "==> installing missing packages: $missing" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        # shellcheck disable=SC2086
        apt-get install -y -qq --no-install-recommends $missing >&2
}

# pdi_ensure_for test|bench|demo: what scripts/test.sh, bench/ and scripts/demo.sh install.
pdi_ensure_for() {
        case "$1" in
        test) pdi_ensure_packages "${PDI_BUILD_PACKAGES[@]}" "${PDI_TEST_PACKAGES[@]}" ;;
        bench) pdi_ensure_packages "${PDI_BUILD_PACKAGES[@]}" "${PDI_BENCH_PACKAGES[@]}" ;;
        demo) pdi_ensure_packages "${PDI_BUILD_PACKAGES[@]}" "${PDI_DEMO_PACKAGES[@]}" ;;
        *)
                echo "pdi_ensure_for: unknown entry point '$1'" >&2
                return 2
                ;;
        esac
}

# pdi_build DIR [cmake options...]: configure (once) and build.
# The build's own output goes to DIR/build.log and is shown only when the build fails.
pdi_build() {
        local dir=$1
        shift
        cmake -S "$PDI_TOP" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
        if ! cmake --build "$dir" -j"$(nproc)" >"$dir/build.log" 2>&1; then
                cat "$dir/build.log" >&2
                echo "build in $dir failed" >&2
                return 1
        fi
}
