#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Schema 2 (issue 13 §3, manifests/README.md): extra worker sets, one per executor
# environment, installed in releases/<v>/workers/<env>/ and held to the node's version like
# the node's own set; min_installer_version and compatible refuse a manifest for a newer
# installer or another machine before anything is fetched (one line, exit 3). A release
# bundle carries every set and installs offline; a tampered set artifact in it is refused by
# name. Schema 1 keeps working (every other scenario uses it; one install here too).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"
need_cmd uname

inst() { "$PDI" install --root "$1" --trusted-key "$T/key.pub" --no-start "${@:2}"; }
rel=opt/polkadot/releases
ARCH=$(uname -m)

# set_release DIR VERSION SEQ [SET_VERSION [EXTRA_PY]]: a release whose manifest (schema 2)
# carries two extra worker sets, wasmtime-24 and wasmtime-21, whose workers print SET_VERSION
# (default VERSION) and differ in bytes from the node's own set. A release folder holds each
# artifact under its url's file name: polkadot-prepare-worker.wasmtime-24 and so on.
set_release() {
        local dir=$1 v=$2 seq=$3 sv=${4:-$2} env role
        mkdir -p "$dir"
        for env in wasmtime-24 wasmtime-21; do
                for role in prepare execute; do
                        rel_binary "$dir/polkadot-$role-worker.$env" "$sv"
                        echo "# executor environment $env" >>"$dir/polkadot-$role-worker.$env"
                done
        done
        REL_EDIT='
def w(env, role):
    f = "polkadot-" + role + "." + env
    b = open(os.path.join(d_, f), "rb").read()
    return {"name": "polkadot-" + role, "role": role, "url": f,
            "sha256": hashlib.sha256(b).hexdigest(), "size": len(b), "format": "binary"}
d["schema"] = 2
d["worker_sets"] = [{"executor_environment": e,
                     "artifacts": [w(e, "prepare-worker"), w(e, "execute-worker")]}
                    for e in ("wasmtime-24", "wasmtime-21")]
'"${5:-}" rel_make "$dir" "$v" "$seq"
}

# 1. Schema 1 still installs (no workers/ directory at all).
rel_make "$T/srv/s1" 1.0.0 1
R=$T/r1
mkdir -p "$R"
expect 0 'is active' inst "$R" --from "$T/srv/s1"
[ ! -e "$R/$rel/1.0.0/workers" ] || fail "schema 1 made a workers/ directory"
echo "ok: schema 1 installs as before"

# 2. Schema 2 with two sets: each lands in workers/<env>/, root:root 0755, the bytes signed;
# verify lists them; audit checks their versions.
set_release "$T/srv/s2" 1.1.0 2
expect 0 'verified' "$PDI" verify --root "$R" --manifest "$T/srv/s2/manifest.json" --trusted-key "$T/key.pub"
grep -q 'workers/wasmtime-21/polkadot-execute-worker' "$T/out" || fail "verify does not list the sets' files"
expect 0 'is active' inst "$R" --from "$T/srv/s2"
for env in wasmtime-24 wasmtime-21; do
        for role in prepare execute; do
                f=$R/$rel/1.1.0/workers/$env/polkadot-$role-worker
                cmp "$T/srv/s2/polkadot-$role-worker.$env" "$f" || fail "$f: not the signed bytes"
                [ "$(stat -c '%a %u:%g' "$f")" = "755 0:0" ] || fail "$f: $(stat -c '%a %u:%g' "$f")"
        done
        [ "$(stat -c '%a %u:%g' "$R/$rel/1.1.0/workers/$env")" = "755 0:0" ] || fail "workers/$env mode"
done
cmp "$T/srv/s2/polkadot-prepare-worker" "$R/$rel/1.1.0/polkadot-prepare-worker" || fail "the node's own set moved"
# A second install verifies every file of every set and changes nothing.
expect 0 'every file verifies: nothing to do' inst "$R" --from "$T/srv/s2"
# A damaged set file is found and repaired like any other.
echo x >>"$R/$rel/1.1.0/workers/wasmtime-21/polkadot-prepare-worker"
expect 0 'releases/1.1.0/workers/wasmtime-21/polkadot-prepare-worker is damaged' inst "$R" --from "$T/srv/s2"
cmp "$T/srv/s2/polkadot-prepare-worker.wasmtime-21" "$R/$rel/1.1.0/workers/wasmtime-21/polkadot-prepare-worker" ||
        fail "the set's file was not repaired"
"$PDI" audit --root "$R" --json >"$T/audit.json" 2>"$T/audit.err" || true
python3 - "$T/audit.json" <<'PY' || fail "audit: $(cat "$T/audit.json")"
import json, sys
d = json.load(open(sys.argv[1]))
c = {x["id"]: x for x in d["checks"]}
assert c["version-alignment"]["status"] == "ok", c["version-alignment"]
assert c["integrity"]["status"] == "ok", c["integrity"]
PY
echo "ok: two worker sets installed under workers/<env>/, verified, repaired, audited"

# 3. A set whose workers print another version is refused before activation, naming it.
set_release "$T/srv/bad" 1.2.0 3 1.1.9
before=$(readlink "$R/opt/polkadot/current")
expect 3 'version-alignment.*workers/wasmtime-24/polkadot-prepare-worker prints 1\.1\.9, the node is 1\.2\.0' \
        inst "$R" --from "$T/srv/bad"
expect_one_error_line
[ "$(readlink "$R/opt/polkadot/current")" = "$before" ] || fail "current moved"
[ ! -e "$R/$rel/1.2.0" ] && [ ! -e "$R/$rel/1.2.0.partial" ] || fail "the refused release stayed"
echo "ok: a misaligned worker set is refused"

# 4. min_installer_version and compatible: refused before anything is fetched. The artifacts
# of these releases are not even served: a fetch would fail differently (exit 1).
refused() { # name edit regex
        local dir=$T/srv/$1
        set_release "$dir" 1.3.0 4 "" "$2"
        rm -f "$dir"/polkadot*
        local r=$T/r-$1
        rm -rf "$r" && mkdir -p "$r"
        expect 3 "$3" inst "$r" --from "$dir"
        expect_one_error_line
        [ -z "$(ls -A "$r/var/cache/polkadot-installer" 2>/dev/null)" ] || fail "$1: something was fetched"
        [ ! -e "$r/opt/polkadot" ] || fail "$1: the release tree was touched"
        expect 3 "$3" "$PDI" verify --root "$r" --manifest "$dir/manifest.json" --trusted-key "$T/key.pub"
}
refused newer 'd["min_installer_version"] = "99.0.0"' \
        '^error: .*manifest .*: min_installer_version: needs polkadot-installer 99\.0\.0 or newer, this is [0-9.]+$'
other=aarch64
[ "$ARCH" = aarch64 ] && other=x86_64
refused arch "d[\"compatible\"] = {\"architecture\": \"$other\"}" \
        "^error: .*compatible: built for $other, this machine is $ARCH\$"
refused libc "d[\"compatible\"] = {\"architecture\": \"$ARCH\", \"libc\": \"musl\"}" \
        '^error: .*compatible: built for libc musl, this machine.s is gnu$'
# … and the same fields that fit this machine install.
set_release "$T/srv/fits" 1.4.0 5 "" "d[\"min_installer_version\"] = \"0.0.1\"; d[\"compatible\"] = {\"architecture\": \"$ARCH\", \"libc\": \"gnu\"}"
expect 0 'is active' inst "$R" --from "$T/srv/fits"
echo "ok: newer installer, other architecture, other libc refused before fetching; a fitting one installs"

# 5. A release bundle carries every artifact of every set, each member named by where it
# installs (workers/<env>/<name>), and installs offline; a tampered extra-set artifact in it
# is refused by name, as are a set path the manifest does not list and a path with "..".
set_release "$T/srv/b" 1.5.0 6
mkdir -p "$T/tmp"
export TMPDIR=$T/tmp
"$PDI" release bundle --manifest "$T/srv/b/manifest.json" --output "$T/b.bundle" 2>/dev/null ||
        fail "release bundle of a schema-2 release failed"
want="manifest.json manifest.json.minisig polkadot polkadot-prepare-worker polkadot-execute-worker"
for env in wasmtime-24 wasmtime-21; do
        want="$want workers/$env/polkadot-prepare-worker workers/$env/polkadot-execute-worker"
done
[ "$(tar tf "$T/b.bundle" | tr '\n' ' ')" = "$want " ] || fail "bundle members: $(tar tf "$T/b.bundle" | tr '\n' ' ')"
mv "$T/srv/b" "$T/srv/b.gone" # offline: only the bundle is left
RB=$T/rb
mkdir -p "$RB"
expect 0 'is active' inst "$RB" --bundle "$T/b.bundle"
for env in wasmtime-24 wasmtime-21; do
        for role in prepare execute; do
                cmp "$T/srv/b.gone/polkadot-$role-worker.$env" "$RB/$rel/1.5.0/workers/$env/polkadot-$role-worker" ||
                        fail "bundle: workers/$env/polkadot-$role-worker is not the signed file"
        done
done
[ -z "$(ls -A "$T/tmp")" ] || fail "install --bundle left $(ls -A "$T/tmp")"
# bundle_edit OUT PY: the bundle rewritten, `ms` its (TarInfo, bytes) in order.
bundle_edit() {
        python3 - "$T/b.bundle" "$1" "$2" <<'PY'
import io, sys, tarfile
src, out, edit = sys.argv[1:4]
with tarfile.open(src) as t:
    ms = [(m, t.extractfile(m).read()) for m in t.getmembers()]
exec(edit)
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    for i, d in ms:
        i.size = len(d)
        t.addfile(i, io.BytesIO(d))
PY
}
root_snapshot "$RB" "$T/snap.before"
bundle_refused() { # name regex
        expect 3 "$2" inst "$RB" --bundle "$T/$1.bundle"
        expect_one_error_line
        root_snapshot "$RB" "$T/snap.after"
        cmp -s "$T/snap.before" "$T/snap.after" || fail "$1: the refused bundle changed the root"
        [ -z "$(ls -A "$T/tmp")" ] || fail "$1: left $(ls -A "$T/tmp")"
}
# The last member, workers/wasmtime-21/polkadot-execute-worker: the same size, other bytes.
bundle_edit "$T/set.bundle" 'ms[-1] = (ms[-1][0], ms[-1][1][:-2] + b"x\n")'
bundle_refused set "^error: bundle .*set.bundle: member 'workers/wasmtime-21/polkadot-execute-worker': sha256 [0-9a-f]{64}, signed [0-9a-f]{64}$"
bundle_edit "$T/other.bundle" 'ms[-1][0].name = "workers/wasmtime-99/polkadot-execute-worker"'
bundle_refused other "member 'workers/wasmtime-99/polkadot-execute-worker': not an artifact of the manifest"
bundle_edit "$T/dots.bundle" 'ms[-1][0].name = "workers/../polkadot-execute-worker"'
bundle_refused dots "member 'workers/../polkadot-execute-worker': not a plain file name"
echo "ok: a schema-2 bundle installs every set offline; a tampered set artifact is refused by name"
pass
