#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Release bundles (issue 13 §2): `release bundle` packs a signed release into one file and
# `install --bundle FILE` installs it with no server at all. A bundle with a tampered
# artifact, a tampered manifest, an extra member, a path-traversal member, a link, an
# artifact larger than signed, or that is not a tar at all is refused with one error line
# and exit 3, the root exactly as it was and no private directory left behind.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"

rel_make "$T/r1" 1.0.0 1
rel_make "$T/r2" 1.1.0 2
REL_ARCHIVE=1 rel_make "$T/r3" 1.2.0 3
R=$T/root
mkdir -p "$R" "$T/tmp"
export TMPDIR=$T/tmp
inst() { "$PDI" install --root "$R" --trusted-key "$T/key.pub" --non-interactive "$@"; }

expect 0 'wrote .*r1.bundle: polkadot 1.0.0 with 1 signature\(s\) and 3 artifacts' \
        "$PDI" release bundle --manifest "$T/r1/manifest.json" --output "$T/r1.bundle"
"$PDI" release bundle --manifest "$T/r2/manifest.json" --output "$T/r2.bundle" 2>/dev/null
"$PDI" release bundle --manifest "$T/r3/manifest.json" --output "$T/r3.bundle" 2>/dev/null
# The members, in the documented order.
[ "$(tar tf "$T/r1.bundle" | tr '\n' ' ')" = "manifest.json manifest.json.minisig polkadot polkadot-prepare-worker polkadot-execute-worker " ] ||
        fail "bundle members: $(tar tf "$T/r1.bundle" | tr '\n' ' ')"
# Offline: the release folders are gone, no server runs; the bundle alone installs.
mv "$T/r1" "$T/r1.gone"
expect 0 'is active' inst --bundle "$T/r1.bundle"
assert_current "$R" 1.0.0
[ -z "$(ls -A "$T/tmp")" ] || fail "install --bundle left $(ls -A "$T/tmp")"
mv "$T/r1.gone" "$T/r1"

# tamper BUNDLE OUT PY: rewrite the bundle's members with python (tarfile), `ms` the list of
# (TarInfo, bytes) in order.
tamper() {
        python3 - "$1" "$2" "$3" <<'PY'
import io, sys, tarfile
src, out, edit = sys.argv[1:4]
ms = []
with tarfile.open(src) as t:
    for m in t.getmembers():
        ms.append((m, t.extractfile(m).read() if m.isfile() else b""))
def put(name, data, **kw):
    i = tarfile.TarInfo(name); i.size = len(data); i.mode = 0o644
    for k, v in kw.items(): setattr(i, k, v)
    return (i, data)
exec(edit)
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    for i, d in ms:
        if i.isfile(): i.size = len(d)
        t.addfile(i, io.BytesIO(d) if i.isfile() else None)
PY
}
root_snapshot "$R" "$T/snap.before"
refused() { # name regex
        expect 3 "$2" inst --bundle "$T/$1.bundle"
        expect_one_error_line
        root_snapshot "$R" "$T/snap.after"
        cmp -s "$T/snap.before" "$T/snap.after" || fail "$1: the refused bundle changed the root"
        [ -z "$(ls -A "$T/tmp")" ] || fail "$1: left $(ls -A "$T/tmp")"
}
tamper "$T/r2.bundle" "$T/art.bundle" 'ms[3] = (ms[3][0], ms[3][1][:-2] + b"x\n")'
refused art "bundle .*art.bundle: member 'polkadot-prepare-worker': sha256 [0-9a-f]{64}, signed"
tamper "$T/r2.bundle" "$T/man.bundle" 'ms[0] = (ms[0][0], ms[0][1].replace(b"1.1.0", b"1.1.1"))'
refused man "manifest of bundle .*man.bundle: signature manifest.json.minisig: signature by key [0-9A-F]{16} does not verify"
tamper "$T/r2.bundle" "$T/extra.bundle" 'ms.append(put("notes.txt", b"hello\n"))'
refused extra "member 'notes.txt': not an artifact of the manifest"
tamper "$T/r2.bundle" "$T/trav.bundle" 'ms.insert(2, put("../../etc/cron.d/evil", b"* * * * * root sh\n"))'
refused trav "member '../../etc/cron.d/evil': not a plain file name"
tamper "$T/r2.bundle" "$T/abs.bundle" 'ms.append(put("/etc/passwd", b"x\n"))'
refused abs "member '/etc/passwd': not a plain file name"
tamper "$T/r2.bundle" "$T/link.bundle" 'ms[2] = put("polkadot", b"", type=tarfile.SYMTYPE, linkname="/bin/sh")'
refused link "member 'polkadot': not a regular file"
tamper "$T/r2.bundle" "$T/big.bundle" 'ms[2] = (ms[2][0], ms[2][1] + b"#" * 70000)'
refused big "member 'polkadot': size [0-9]+, signed [0-9]+"
tamper "$T/r2.bundle" "$T/dup.bundle" 'ms.append(ms[4])'
refused dup "member 'polkadot-execute-worker': given twice"
tamper "$T/r2.bundle" "$T/short.bundle" 'del ms[4]'
refused short "artifact polkadot-execute-worker is missing"
tamper "$T/r2.bundle" "$T/nosig.bundle" 'del ms[1]'
refused nosig "no manifest.json.minisig after the manifest"
tamper "$T/r2.bundle" "$T/order.bundle" 'ms[0], ms[2] = ms[2], ms[0]'
refused order "does not start with manifest.json"
head -c 4096 /dev/urandom >"$T/noise.bundle"
refused noise "bundle .*noise.bundle: not a tar archive"
# A bundle signed by a key this install does not trust.
minisign -G -W -p "$T/other.pub" -s "$T/other.sec" >/dev/null
cp -a "$T/r2" "$T/r2o"
rm "$T/r2o/manifest.json.minisig"
minisign -S -s "$T/other.sec" -m "$T/r2o/manifest.json" >/dev/null
"$PDI" release bundle --manifest "$T/r2o/manifest.json" --output "$T/untrusted.bundle" 2>/dev/null
refused untrusted "manifest of bundle .*untrusted.bundle: not signed by any trusted key"

# The good bundles upgrade, archives too.
expect 0 'is active' "$PDI" upgrade --root "$R" --trusted-key "$T/key.pub" --non-interactive \
        --bundle "$T/r2.bundle"
assert_current "$R" 1.1.0
expect 0 'is active' inst --bundle "$T/r3.bundle"
assert_current "$R" 1.2.0
# release bundle checks what it packs: an artifact that is not the signed one is refused and
# no bundle is written.
cp -a "$T/r2" "$T/r2bad"
sed -i 's/stand-in/stand-on/' "$T/r2bad/polkadot" # the same size, other bytes
expect 3 'polkadot: sha256 [0-9a-f]{64}, signed' \
        "$PDI" release bundle --manifest "$T/r2bad/manifest.json" --output "$T/bad.bundle"
expect_one_error_line
[ ! -e "$T/bad.bundle" ] && ! ls "$T" | grep -q 'bad.bundle.partial' || fail "a refused bundle was written"
echo "# longer" >>"$T/r2bad/polkadot"
expect 3 'polkadot: longer than signed' \
        "$PDI" release bundle --manifest "$T/r2bad/manifest.json" --output "$T/bad.bundle"
# install --bundle with --manifest is a usage error; rollback takes neither.
expect 2 'give one of' inst --bundle "$T/r2.bundle" --manifest "$T/r2/manifest.json"
expect 2 'rollback: uses releases already on disk' "$PDI" rollback --root "$R" --bundle "$T/r2.bundle"
pass
