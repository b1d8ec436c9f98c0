#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Staging writes each byte of a binary once (issue 13 §5): the release file is the verified
# cache inode itself (hard link; a reflink where the filesystem has them), ending root:root
# 0755; the cache still serves a re-install and a repair. Where linking is not safe (a cache
# entry others could have written, an inode already in another release) or not possible (the
# cache on another filesystem), staging copies. PDI_TIMING writes the phase profile.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"
need_root

rel_key
rel_make "$T/srv/1.0.0" 1.0.0 1
REL_PAD=3000 rel_make "$T/srv/1.0.1" 1.0.1 2 # another node binary; the same workers
inst() { "$PDI" install --root "$1" --trusted-key "$T/key.pub" --no-start "${@:2}"; }
C=var/cache/polkadot-installer
rel=opt/polkadot/releases
sha() { python3 -c 'import json,sys
print([a["sha256"] for a in json.load(open(sys.argv[1]))["artifacts"] if a["name"] == sys.argv[2]][0])' "$T/srv/$1/manifest.json" "$2"; }
ino() { stat -c '%d:%i' "$1"; }

# 1. A fresh install: the node is the cache's inode, root:root 0755, two names.
R=$T/r1
mkdir -p "$R"
PDI_TIMING=$T/timing expect 0 'is active' inst "$R" --from "$T/srv/1.0.0"
node=$R/$rel/1.0.0/polkadot
cached=$R/$C/$(sha 1.0.0 polkadot)
[ "$(ino "$node")" = "$(ino "$cached")" ] || fail "the node was copied, not linked from the cache"
[ "$(stat -c '%a %u:%g %h' "$node")" = "755 0:0 2" ] || fail "node: $(stat -c '%a %u:%g %h' "$node")"
cmp "$T/srv/1.0.0/polkadot" "$node" || fail "node bytes differ"
# The workers of this fake release are byte-identical to each other: one inode is never two
# release files, so at most one of them is the cache's and the other is a copy.
pw=$R/$rel/1.0.0/polkadot-prepare-worker ew=$R/$rel/1.0.0/polkadot-execute-worker
[ "$(ino "$pw")" != "$(ino "$ew")" ] || fail "two release files share an inode"
for p in other prepare download write hash stage fsync checks host activate total; do
        grep -Eq "^$p [0-9]+\.[0-9]{6}$" "$T/timing" || fail "PDI_TIMING: no $p line: $(cat "$T/timing")"
done
awk '$1 != "total" {s += $2} $1 == "total" {t = $2} END {d = s - t; exit !(d < 0.01 && d > -0.01)}' \
        "$T/timing" || fail "the phases do not add up to the total: $(cat "$T/timing")"
echo "ok: linked from the cache, root:root 0755, timing profile adds up"

# 2. The same install again changes nothing; a repair of a file damaged in place (which
# damaged the cache entry too: same inode) downloads it again.
expect 0 'every file verifies: nothing to do' inst "$R" --from "$T/srv/1.0.0"
echo x >>"$node"
expect 0 'releases/1.0.0/polkadot is damaged' inst "$R" --from "$T/srv/1.0.0"
cmp "$T/srv/1.0.0/polkadot" "$node" || fail "node not repaired"
grep -q 'polkadot: downloaded and verified' "$T/out" || fail "the damaged cache entry was used"
[ "$(stat -c '%a %u:%g' "$node")" = "755 0:0" ] || fail "repaired node: $(stat -c '%a %u:%g' "$node")"
echo "ok: a damaged linked file is re-fetched"

# 3. The next release shares the workers' cache entries with the installed one: those are
# copied (no inode in two releases), and damage to one release leaves the other whole.
expect 0 'is active' inst "$R" --from "$T/srv/1.0.1"
for f in polkadot-prepare-worker polkadot-execute-worker; do
        [ "$(ino "$R/$rel/1.0.0/$f")" != "$(ino "$R/$rel/1.0.1/$f")" ] || fail "$f: 1.0.0 and 1.0.1 share an inode"
done
echo x >>"$R/$rel/1.0.1/polkadot-prepare-worker"
cmp "$T/srv/1.0.0/polkadot-prepare-worker" "$R/$rel/1.0.0/polkadot-prepare-worker" ||
        fail "damage spread from 1.0.1 to 1.0.0"
echo "ok: releases never share an inode"

# 4. A cache entry that others could have written (group-writable) is copied, not linked.
R=$T/r4
mkdir -p "$R/$C"
cp "$T/srv/1.0.0/polkadot" "$R/$C/$(sha 1.0.0 polkadot)"
chmod 0660 "$R/$C/$(sha 1.0.0 polkadot)"
expect 0 'is active' inst "$R" --from "$T/srv/1.0.0"
[ "$(ino "$R/$rel/1.0.0/polkadot")" != "$(ino "$R/$C/$(sha 1.0.0 polkadot)")" ] ||
        fail "a group-writable cache entry was linked into the release"
[ "$(stat -c '%a %u:%g %h' "$R/$rel/1.0.0/polkadot")" = "755 0:0 1" ] || fail "copied node mode"
echo "ok: a cache entry others could write is copied"

# 5. The cache on another filesystem (a tmpfs in a private mount namespace): copied.
skip_reason=
unshare -m --propagation private true 2>"$T/probe.err" ||
        skip_reason="no private mount namespace here: $(head -n1 "$T/probe.err")"
if [ -z "$skip_reason" ]; then
        R=$T/r5
        mkdir -p "$R/$C"
        export R C T PDI rel
        unshare -m --propagation private bash -c '
                mount -t tmpfs -o mode=0700 pdi-test-cache "$R/$C" || exit 10
                "$PDI" install --root "$R" --trusted-key "$T/key.pub" --no-start \
                        --from "$T/srv/1.0.0" >"$T/out" 2>&1 || exit 11
                [ "$(stat -c %d "$R/$rel/1.0.0/polkadot")" != "$(stat -c %d "$R/$C")" ] || exit 12
                stat -c "%a %u:%g %h" "$R/$rel/1.0.0/polkadot" >"$T/mode5"
        ' || { cat "$T/out" >&2; fail "install with the cache on a tmpfs failed ($?)"; }
        grep -q "$R" /proc/self/mounts && fail "the tmpfs leaked into the host namespace"
        [ "$(cat "$T/mode5")" = "755 0:0 1" ] || fail "node across filesystems: $(cat "$T/mode5")"
        cmp "$T/srv/1.0.0/polkadot" "$R/$rel/1.0.0/polkadot" || fail "copied node differs"
        echo "ok: across filesystems, copied"
fi
[ -z "$skip_reason" ] || skip "the cross-filesystem case: $skip_reason"
pass
