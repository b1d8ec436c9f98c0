# Shared by scripts/demo.sh, scripts/test.sh and bench/lib.sh: install what is missing
# (Debian/Ubuntu), configure and build. Source it; it sets -euo pipefail.
set -euo pipefail

PDI_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Build and test dependencies, by Debian package name.
PDI_BUILD_PACKAGES=(build-essential cmake pkg-config libjansson-dev libssl-dev
        libcurl4-openssl-dev libarchive-dev libsystemd-dev libelf-dev libseccomp-dev)
PDI_TEST_PACKAGES=(libcmocka-dev minisign lighttpd curl zstd xz-utils python3 clang
        libclang-rt-14-dev util-linux selinux-policy-dev systemd-container debootstrap clang-format strace)
# The benchmarks' tools (bench/): /usr/bin/time measures time and peak RSS.
PDI_BENCH_PACKAGES=(time curl minisign lighttpd python3)

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
