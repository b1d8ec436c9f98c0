#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# examples/docker/Dockerfile, built for real with buildah (issue 12 §6). No registry is
# reachable here, so the two images it starts from are assembled locally from the cached
# Debian root of container.sh: BASE is that root as it is, and stage 1 (apt-get and the
# compile, which need the network) is replaced by that root with the installer this build
# made; stages 2 to 4, which verify and install the release and make the image, run exactly
# as the Dockerfile has them. The build runs under runc (OCI isolation): the installer runs
# every binary of a release confined in namespaces, which the kernel refuses inside a
# chroot (buildah's chroot isolation). Then: the image runs as polkadot, its ENTRYPOINT is
# the node, `audit --root` passes on its tree, no unit or slice is in it; and a tampered
# release fails the build, so no image is made.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"
source "$(dirname "$0")/container.sh" # the cached Debian root; ELF stand-ins for the release
need_cmd buildah
need_cmd runc
need_cmd unshare

# Nothing of the build may reach the host. buildah, run as root, keeps its blob-info cache
# in /var/lib/containers/cache and no flag or setting moves it: so the test runs again in
# a mount and PID namespace of its own where /var/lib is an overlay whose writes land in $T
# (and every process it starts dies with it). Everything else is told to stay in $T: the
# image store (--root, --runroot), runc's state (--runtime-flag root=, else /run/runc),
# temporary files (TMPDIR, else /var/tmp), the network configuration and cgroup manager
# (CONTAINERS_CONF, else /etc/cni/net.d and systemd scopes), the registries (none). And
# the builds have no network at all (--network none): no bridge, firewall rule or CNI
# state on the host, and no way out of 127.0.0.1.
# Afterwards the outer run checks that: the overlay took nothing but that cache, and no
# runtime, network or temporary state the tools write by default is newer than the start.
host_state() { ip -o link show 2>/dev/null | grep -o 'cni-[^:@]*' || true; }
if [ -z "${PDI_IMAGE_NS:-}" ]; then
        mkdir -p "$T/ns/u" "$T/ns/w"
        touch "$T/ns/stamp"
        links=$(host_state)
        rc=0
        PDI_IMAGE_NS=$T/ns unshare --mount --propagation private --pid --fork --mount-proc bash -c '
                set -e
                mount -t overlay overlay -o "lowerdir=/var/lib,upperdir=$PDI_IMAGE_NS/u,workdir=$PDI_IMAGE_NS/w" /var/lib
                exec bash "$0"' "$0" || rc=$?
        [ "$rc" = 0 ] || exit "$rc"
        left=$(cd "$T/ns/u" && find . -mindepth 1 ! -path './containers' ! -path './containers/cache*')
        [ -z "$left" ] || fail "the build wrote to /var/lib beyond the blob cache: $left"
        left=$(find /run/runc /run/containers /run/netns /run/buildah /etc/cni /var/lib/cni \
                -newer "$T/ns/stamp" 2>/dev/null
                find /var/tmp -maxdepth 1 \( -name 'buildah*' -o -name 'container_images*' \) 2>/dev/null || true)
        [ -z "$left" ] || fail "the build left state on the host: $left"
        [ "$(host_state)" = "$links" ] || fail "the build made network links on the host: $(host_state)"
        exit 0
fi

cache_ensure
S=$T/storage
mkdir -p "$S/tmp" "$S/cni"
printf '[network]\nnetwork_backend = "cni"\nnetwork_config_dir = "%s"\n[engine]\ncgroup_manager = "cgroupfs"\n' \
        "$S/cni" >"$S/containers.conf"
printf 'unqualified-search-registries = []\n' >"$S/registries.conf"
export CONTAINERS_CONF=$S/containers.conf CONTAINERS_REGISTRIES_CONF=$S/registries.conf TMPDIR=$S/tmp
# vfs: plain directories, no overlay mount to leave behind; everything lives under $T.
B=(buildah --root "$S/root" --runroot "$S/run" --storage-driver vfs)
R=(--runtime runc --runtime-flag "root=$S/runc" --network none)
export BUILDAH_ISOLATION=oci
PDI_CLEANUP+=("${B[*]} rm --all >/dev/null 2>&1")
bud() { "${B[@]}" bud "${R[@]}" --pull-never "$@"; }

# The two local images: the Debian root, and the same with this build's installer in it.
ctr=$("${B[@]}" from scratch)
cp -a --reflink=auto "$CACHE/root/." "$("${B[@]}" mount "$ctr")/"
"${B[@]}" umount "$ctr" >/dev/null
"${B[@]}" commit -q "$ctr" localhost/pdi-bookworm >/dev/null
"${B[@]}" rm "$ctr" >/dev/null
mkdir -p "$T/inst"
install -m 0755 "$PDI" "$T/inst/polkadot-installer"
printf 'FROM localhost/pdi-bookworm\nCOPY polkadot-installer /usr/local/sbin/polkadot-installer\n' >"$T/inst/Containerfile"
bud -q -f "$T/inst/Containerfile" -t localhost/pdi-installer "$T/inst" >/dev/null

# The build context as the Dockerfile's header describes it: release/ and release.pub.
DF=$PDI_SOURCE_DIR/examples/docker/Dockerfile
mkdir -p "$T/ctx"
rel_make "$T/ctx/release" 1.16.0 5
cp "$T/key.pub" "$T/ctx/release.pub"
grep -q '^FROM ${BUILDER} AS installer$' "$DF" && grep -q '^# ---- 2\. ' "$DF" ||
        fail "$DF: stage 1 is not where this test replaces it"
awk '/^FROM \$\{BUILDER\} AS installer$/ { print "FROM localhost/pdi-installer AS installer"; skip = 1; next }
     /^# ---- 2\. / { skip = 0 }
     !skip' "$DF" >"$T/ctx/Dockerfile"

expect 0 'container mode: no unit, slice or timer written' \
        bud --build-arg BASE=localhost/pdi-bookworm -f "$T/ctx/Dockerfile" -t localhost/pdi-node "$T/ctx"
grep -q 'Successfully tagged localhost/pdi-node' "$T/out" || { cat "$T/out" >&2; fail "no image tagged"; }

# What the image says of itself: the node as ENTRYPOINT, run as polkadot.
cfg=$("${B[@]}" inspect --type image --format '{{.OCIv1.Config.User}} {{.OCIv1.Config.Entrypoint}}' localhost/pdi-node)
[ "$cfg" = "polkadot:polkadot [/opt/polkadot/current/polkadot]" ] || fail "image config: $cfg"
TESTS_RUN=$((TESTS_RUN + 1))
# Its tree, judged from outside: audit passes, no unit or slice, the key kept for upgrades.
ctr=$("${B[@]}" from --pull-never localhost/pdi-node)
M=$("${B[@]}" mount "$ctr")
expect 0 '0 errors' "$PDI" audit --root "$M"
grep -Eq '^unit +SKIP +skipped: container mode' "$T/out" || { cat "$T/out" >&2; fail "unit not skipped"; }
found=$(cd "$M" && find etc usr/lib lib -name 'polkadot*.service' -o -name 'polkadot*.slice' -o -name 'polkadot*.timer' 2>/dev/null)
[ -z "$found" ] || fail "units in the image: $found"
ls "$M"/etc/polkadot-installer/trusted-keys/*.pub >/dev/null 2>&1 || fail "the trusted key was not kept"
[ -z "$(ls -A "$M/var/cache/polkadot-installer")" ] || fail "the download cache stayed in the image"
"${B[@]}" umount "$ctr" >/dev/null
TESTS_RUN=$((TESTS_RUN + 1))
# Run in it: as polkadot, the node and its workers of one version, found next to it.
[ "$("${B[@]}" run "${R[@]}" "$ctr" -- id -un)" = polkadot ] || fail "the image does not run as polkadot"
[ "$("${B[@]}" run "${R[@]}" "$ctr" -- /opt/polkadot/current/polkadot --version)" = 1.16.0 ] ||
        fail "the node does not run in the image"
[ "$("${B[@]}" run "${R[@]}" "$ctr" -- /opt/polkadot/current/polkadot-execute-worker --version)" = 1.16.0 ] ||
        fail "the execute worker does not run in the image"
"${B[@]}" rm "$ctr" >/dev/null
TESTS_RUN=$((TESTS_RUN + 1))

# A release whose node is not the signed one: the build fails at the verification, no image.
printf X | dd of="$T/ctx/release/polkadot" bs=1 seek=200 conv=notrunc status=none
expect 3 "polkadot: .*sha256" \
        bud --build-arg BASE=localhost/pdi-bookworm -f "$T/ctx/Dockerfile" -t localhost/pdi-bad "$T/ctx"
"${B[@]}" inspect --type image localhost/pdi-bad >/dev/null 2>&1 && fail "an image was made from a tampered release"
TESTS_RUN=$((TESTS_RUN + 1))

pass
