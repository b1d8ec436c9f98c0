# SPDX-License-Identifier: Apache-2.0
# The systemd container of the scenario tests; source after lib.sh and release.sh. Never the
# host's systemd: a cached Debian bookworm root (debootstrap) is copied, booted with
# systemd-nspawn, and commands run in it with nsenter.
#   cache_ensure         build $CACHE/root once (keyed by $CACHE_KEY)
#   ct_copy              $CT: a copy of the cached root with the installer in it
#   ct_boot / ct_stop    boot it (skips when nspawn cannot boot here) / power it off cleanly
#   ct CMD… / ct_timeout SECONDS CMD…   run CMD inside, with a clean environment
#   ct_stop_and_check    stop and assert that no process of the container remains
#   rel_binary           (overrides release.sh) the fake node and workers as release binaries
#   PDI_CT_CACHE     cache directory (default /var/cache/pdi-test/bookworm-$CACHE_VERSION)
#   PDI_DEBIAN_MIRROR  mirror for debootstrap (default: the first one in /etc/apt/sources*,
#                      see debian.sh)

: "${PDI_BUILD_DIR:=$(dirname "$PDI")}"
# Bump the version when the root needs other contents; the key lists what it holds. The
# directory carries the version too, so that branches with another root do not rebuild
# each other's over and over. libgpgme11 and gpg: the installer links GPGME (import).
CACHE_VERSION=v3
CACHE=${PDI_CT_CACHE:-/var/cache/pdi-test/bookworm-$CACHE_VERSION}
CT_PACKAGES=systemd,systemd-sysv,dbus,procps,libjansson4,libcurl4,libarchive13,libelf1,libseccomp2,libssl3,libgpgme11,gpg
CACHE_KEY="$CACHE_VERSION bookworm minbase $CT_PACKAGES"
CT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

need_root "debootstrap, systemd-nspawn"
need_cmd systemd-nspawn
need_cmd nsenter
need_cmd python3
# debian.sh: the debootstrapped tree, cached, and the mirror it comes from.
source "$(dirname "${BASH_SOURCE[0]}")/debian.sh"
for f in fake-polkadot fake-polkadot-worker; do
        [ -x "$PDI_BUILD_DIR/$f" ] || fail "$PDI_BUILD_DIR/$f not built"
done

# $CACHE/root holds the debootstrapped tree once its key file matches $CACHE_KEY.
cache_ensure() {
        debian_tree_ensure "$CACHE" "$CACHE_KEY" "$CT_PACKAGES" sbin/init
}

# The fake node and workers as the binaries of a release: rel_make calls this for each file.
rel_binary() { # path version
        local src=fake-polkadot-worker
        [ "$(basename "$1")" = polkadot ] && src=fake-polkadot
        python3 "$PDI_SOURCE_DIR/tests/fake/set-version.py" "$PDI_BUILD_DIR/$src" "$2" "$1"
}

# ct_copy: $CT, a copy of the cached root with the installer in it; a test adds its files.
ct_copy() {
        CT="$T/ct"
        cp -a --reflink=auto "$CACHE/root" "$CT"
        install -m 0755 "$PDI" "$CT/usr/local/sbin/polkadot-installer"
}

init_pid() {
        cat /proc/"$NSPAWN_PID"/task/*/children 2>/dev/null | awk '{print $1; exit}'
}

ct_boot() {
        MACHINE="pdi-ct-$$"
        systemd-nspawn --register=no --keep-unit --console=read-only --machine="$MACHINE" \
                -D "$CT" -b >"$T/console.log" 2>&1 &
        NSPAWN_PID=$!
        PDI_CLEANUP+=("ct_stop")
        INIT=
        for _ in $(seq 100); do
                kill -0 "$NSPAWN_PID" 2>/dev/null || break
                INIT=$(init_pid)
                [ -n "$INIT" ] && [ "$(cat /proc/"$INIT"/comm 2>/dev/null)" = systemd ] && break
                INIT=
                sleep 0.2
        done
        if [ -z "$INIT" ]; then
                tail -n 20 "$T/console.log"
                skip "systemd-nspawn cannot boot a container here"
        fi
        # Until PID 1 listens, systemctl cannot connect at all: retry that, then wait.
        local state deadline=$((SECONDS + 90))
        while :; do
                state=$(ct_timeout 60 systemctl is-system-running --wait 2>&1) || true
                case "$state" in *"Failed to connect"*) ;; *) break ;; esac
                [ "$SECONDS" -lt "$deadline" ] || break
                sleep 0.3
        done
        case "$state" in
        running | degraded) echo "==> container booted: $state (init pid $INIT)" ;;
        *)
                tail -n 30 "$T/console.log" >&2
                fail "container did not boot: is-system-running says '$state'"
                ;;
        esac
}

ct_timeout() { # seconds cmd...: run cmd inside the container
        local s=$1
        shift
        timeout "$s" nsenter -t "$INIT" -a env -i PATH="$CT_PATH" LANG=C.UTF-8 "$@"
}

ct() { ct_timeout 120 "$@"; }

# Processes whose root is the container's tree.
ct_processes() {
        local p n=0
        for p in /proc/[0-9]*; do
                [ "$(readlink "$p/root" 2>/dev/null)" = "$CT" ] && n=$((n + 1))
        done
        echo "$n"
}

# SIGTERM to nspawn makes it ask the container's systemd to power off cleanly.
ct_stop() {
        [ -n "${NSPAWN_PID:-}" ] || return 0
        kill -TERM "$NSPAWN_PID" 2>/dev/null || true
        for _ in $(seq 150); do
                kill -0 "$NSPAWN_PID" 2>/dev/null || break
                sleep 0.2
        done
        if kill -0 "$NSPAWN_PID" 2>/dev/null; then
                echo "container did not power off in 30 s; killing it" >&2
                kill -KILL "$NSPAWN_PID" 2>/dev/null || true
        fi
        wait "$NSPAWN_PID" 2>/dev/null || true
        NSPAWN_PID=
        for _ in $(seq 50); do
                [ "$(ct_processes)" = 0 ] && break
                sleep 0.2
        done
        [ "$(ct_processes)" = 0 ] || echo "FAIL: $(ct_processes) processes of the container remain" >&2
        rm -rf "/run/systemd/nspawn/propagate/$MACHINE"
}

ct_stop_and_check() {
        ct_stop
        TESTS_RUN=$((TESTS_RUN + 1))
        [ "$(ct_processes)" = 0 ] || fail "container processes remain after stop"
        kill -0 "$INIT" 2>/dev/null && fail "container init $INIT still runs"
        echo "ok: container stopped, no process left"
}
