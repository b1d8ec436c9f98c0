#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Crash safety: SIGKILL the installer at every fault point of an install (test builds number
# the points a run reaches; PDI_FAULT_AT=#N kills at the Nth) and check after each kill that
# the tree holds either the previous release or the new one, fully and verified, never a mix;
# then the next run finishes the job and leaves nothing behind. Covers a fresh install, an
# upgrade with an archive and pruning, and a repair.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"

mkdir -p "$T/srv"
rel_make "$T/srv/1.0.0" 1.0.0 1
rel_make "$T/srv/1.1.0" 1.1.0 2
rel_make "$T/srv/1.2.0" 1.2.0 3
REL_ARCHIVE=1 rel_make "$T/srv/2.0.0" 2.0.0 4
rel_serve "$T/srv"
inst() { "$PDI" install --root "$1" --trusted-key "$T/key.pub" --keep 3 --manifest "$REL_URL/$2/manifest.json"; }

# Invariant after a kill: current is one of the allowed versions, complete and verified.
check_tree() { # root allowed-versions...
        local root=$1 cur f
        shift
        cur=$(readlink "$root/opt/polkadot/current" || echo none)
        cur=${cur#releases/}
        [[ " $* " == *" $cur "* ]] || fail "after kill: current is '$cur', allowed: $*"
        [ "$cur" = none ] && return 0
        for f in polkadot polkadot-prepare-worker polkadot-execute-worker; do
                [ "$("$root/opt/polkadot/current/$f" --version)" = "$cur" ] ||
                        fail "after kill: $f of current $cur is not $cur (a mix)"
        done
        (cd "$root/opt/polkadot/releases/$cur" && python3 - "$T/srv/$cur/manifest.json" <<'PY') || fail "after kill: release $cur does not verify"
import hashlib, json, sys
m = json.load(open(sys.argv[1]))
for a in m["artifacts"]:
    for f in a.get("files", [a]):
        name = f["path"] if "path" in f else f["name"]
        b = open(name, "rb").read()
        assert hashlib.sha256(b).hexdigest() == f["sha256"] and len(b) == f["size"], name
PY
}

check_finished() { # root version
        assert_current "$1" "$2"
        local left
        left=$(find "$1/opt/polkadot" -name '*.partial' -o -name '.delete-*' -o -name '.repair-*' -o -name '.current.new')
        [ -z "$left" ] || fail "leftovers after the next run: $left"
        # The state file itself (status would settle a disagreement, so read it first) …
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["instances"]["polkadot"]["current"] == sys.argv[2], d["instances"]' \
                "$1/var/lib/polkadot-installer/state.json" "$2" || fail "the state file disagrees with the tree"
        # … then status, which must find nothing to settle.
        "$PDI" status --root "$1" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert not d["interrupted_run"] and "recovered" not in d and d["current"] == sys.argv[1], d' "$2" ||
                fail "status disagrees with the tree"
}

# crash_at_every_point BASE_ROOT VERSION ALLOWED...: count the points of a clean run from
# BASE_ROOT, then for each point: copy, kill there, check, rerun, check.
crash_at_every_point() {
        local base=$1 version=$2 n i rc
        shift 2
        rm -rf "$T/probe" && cp -a "$base" "$T/probe"
        PDI_FAULT_TRACE=1 inst "$T/probe" "$version" 2>"$T/trace" >/dev/null || fail "clean run failed: $(cat "$T/trace")"
        n=$(grep -c '^fault-point #' "$T/trace")
        [ "$n" -ge 8 ] || fail "only $n fault points in a run of $version"
        for ((i = 1; i <= n; i++)); do
                rm -rf "$T/r" && cp -a "$base" "$T/r"
                rc=0
                PDI_FAULT_AT="#$i" inst "$T/r" "$version" >/dev/null 2>&1 || rc=$?
                [ "$rc" = 137 ] || fail "point #$i ($(sed -n "${i}p" "$T/trace")): exit $rc, not killed"
                check_tree "$T/r" "$@"
                rc=0
                inst "$T/r" "$version" >"$T/out" 2>&1 || rc=$?
                [ "$rc" = 0 ] || { cat "$T/out" >&2; fail "run after a kill at #$i failed ($rc)"; }
                check_finished "$T/r" "$version"
                TESTS_RUN=$((TESTS_RUN + 1))
        done
        echo "killed at each of $n points of installing $version: ok"
}

# 1. A fresh install: nothing or the new release.
mkdir -p "$T/empty"
crash_at_every_point "$T/empty" 1.0.0 none 1.0.0

# 2. An upgrade that also prunes (keep 3: 1.0.0 goes) and extracts an archive.
mkdir -p "$T/three"
for v in 1.0.0 1.1.0 1.2.0; do inst "$T/three" $v >/dev/null 2>&1 || fail "setup $v"; done
crash_at_every_point "$T/three" 2.0.0 1.2.0 2.0.0

# 3. A repair of damaged files in the current release.
mkdir -p "$T/damaged"
inst "$T/damaged" 1.0.0 >/dev/null 2>&1 || fail "setup"
echo x >>"$T/damaged/opt/polkadot/releases/1.0.0/polkadot"
echo x >>"$T/damaged/opt/polkadot/releases/1.0.0/polkadot-execute-worker"
rm -rf "$T/probe" && cp -a "$T/damaged" "$T/probe"
PDI_FAULT_TRACE=1 inst "$T/probe" 1.0.0 2>"$T/trace" >/dev/null
n=$(grep -c '^fault-point #' "$T/trace")
[ "$(grep -c ': repaired-file$' "$T/trace")" = 2 ] || fail "the repair run did not replace both files: $(cat "$T/trace")"
for ((i = 1; i <= n; i++)); do
        rm -rf "$T/r" && cp -a "$T/damaged" "$T/r"
        rc=0
        PDI_FAULT_AT="#$i" inst "$T/r" 1.0.0 >/dev/null 2>&1 || rc=$?
        [ "$rc" = 137 ] || fail "repair point #$i: exit $rc, not killed"
        [ "$(readlink "$T/r/opt/polkadot/current")" = releases/1.0.0 ] || fail "repair kill #$i moved current"
        inst "$T/r" 1.0.0 >/dev/null 2>&1 || fail "run after repair kill #$i"
        check_finished "$T/r" 1.0.0
        check_tree "$T/r" 1.0.0
        TESTS_RUN=$((TESTS_RUN + 1))
done
echo "killed at each of $n points of a repair: ok"
pass
