#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# keygen and sign against the stock minisign, both ways: our keys and signatures must work
# with `minisign -S` and `minisign -Vm`, and minisign's with ours. Needs PDI (the built
# binary) and minisign; skips (77) without minisign.
source "$(dirname "$0")/lib.sh"
need_cmd minisign
need_cmd python3

work="$T/work"
mkdir "$work"
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
mode_of() { stat -c %a "$1"; }

write_manifest() {
        local h
        h=$(printf x | sha256sum | cut -c1-64)
        cat >manifest.json <<JSON
{
  "schema": 1, "product": "polkadot", "version": "1.16.0", "sequence": 1,
  "created": "2025-01-01T00:00:00Z", "expires": "2099-01-01T00:00:00Z",
  "artifacts": [
    {"name": "polkadot", "role": "node", "url": "polkadot", "sha256": "$h", "size": 1,
     "format": "binary"},
    {"name": "polkadot-prepare-worker", "role": "prepare-worker",
     "url": "polkadot-prepare-worker", "sha256": "$h", "size": 1, "format": "binary"},
    {"name": "polkadot-execute-worker", "role": "execute-worker",
     "url": "polkadot-execute-worker", "sha256": "$h", "size": 1, "format": "binary"}
  ]
}
JSON
}
write_manifest

# 1. minisign's unencrypted key (-W) signs through us; minisign verifies.
minisign -G -W -p ms.pub -s ms.key >/dev/null
"$PDI" sign --key ms.key manifest.json 2>sign.err || fail "sign with a minisign -W key: $(cat sign.err)"
[ -f manifest.json.minisig ] || fail "sign did not write manifest.json.minisig"
sed -n 2p manifest.json.minisig | base64 -d | head -c 2 | grep -qx ED ||
        fail "signature is not prehashed (ED)"
sed -n 3p manifest.json.minisig | grep -Eq $'^trusted comment: timestamp:[0-9]+\tfile:manifest.json\thashed$' ||
        fail "default trusted comment differs from minisign's: $(sed -n 3p manifest.json.minisig)"
minisign -Vm manifest.json -p ms.pub -q || fail "minisign -V rejects our signature (minisign key)"
minisign -V -H -m manifest.json -p ms.pub -q || fail "minisign -V -H (prehashed only) rejects it"
ok "polkadot-installer sign + minisign -G -W key, checked by minisign -Vm"

"$PDI" sign --key ms.key --trusted-comment 'polkadot 1.16.0 sequence 42' --output custom.sig manifest.json
out=$(minisign -Vm manifest.json -x custom.sig -p ms.pub) || fail "minisign rejects --output/--trusted-comment signature"
grep -q 'Trusted comment: polkadot 1.16.0 sequence 42' <<<"$out" || fail "trusted comment not carried: $out"
ok "--trusted-comment and --output"

# Paths typed on the command line may be symlinks (the secret key on a mounted medium, say).
ln -s ms.key ms-link.key
ln -s manifest.json manifest-link.json
"$PDI" sign --key ms-link.key --output link.sig manifest-link.json 2>sign.err ||
        fail "sign through symlinks: $(cat sign.err)"
minisign -Vm manifest.json -x link.sig -p ms.pub -q || fail "minisign rejects the signature made through symlinks"
ok "sign follows symlinks named on the command line"

# 2. Our keys sign through minisign (no prompt: the key is unencrypted) and through us.
id=$("$PDI" keygen --public our.pub --secret our.key --comment 'release key') ||
        fail "keygen failed"
[[ $id =~ ^[0-9A-F]{16}$ ]] || fail "keygen printed '$id', expected a 16-digit key id"
[ "$(mode_of our.key)" = 600 ] || fail "secret key mode $(mode_of our.key), expected 600"
[ "$(mode_of our.pub)" = 644 ] || fail "public key mode $(mode_of our.pub), expected 644"
grep -q "^untrusted comment: minisign public key $id\$" our.pub || fail "public key comment: $(head -1 our.pub)"
minisign -S -s our.key -m manifest.json -x by-minisign.sig </dev/null >/dev/null 2>&1 ||
        fail "minisign -S cannot use a keygen secret key"
minisign -Vm manifest.json -x by-minisign.sig -p our.pub -q || fail "minisign -V with keygen public key"
"$PDI" sign --key our.key --output by-us.sig manifest.json
minisign -Vm manifest.json -x by-us.sig -p our.pub -q || fail "minisign -V rejects sign with keygen key"
minisign -Vm manifest.json -x by-us.sig -P "$(sed -n 2p our.pub)" -q || fail "minisign -P with keygen key"
ok "keygen keys work with minisign -S and minisign -V"

# Tampering is caught by minisign too (sanity of the test itself).
printf ' ' >>manifest.json
if minisign -Vm manifest.json -x by-us.sig -p our.pub -q 2>/dev/null; then
        fail "minisign accepted a modified manifest"
fi
write_manifest
ok "modified manifest refused"

# 3. keygen never overwrites without --force.
before=$(sha256sum our.key)
set +e
"$PDI" keygen --public our.pub --secret other.key 2>err.txt
rc=$?
set -e
[ "$rc" = 1 ] || fail "keygen over an existing public key exited $rc, expected 1"
grep -q 'our.pub already exists' err.txt || fail "message: $(cat err.txt)"
grep -q -- '--force' err.txt || fail "message does not mention --force: $(cat err.txt)"
[ ! -e other.key ] || fail "keygen left other.key behind after refusing"
set +e
"$PDI" keygen --public new.pub --secret our.key 2>err.txt
rc=$?
set -e
[ "$rc" = 1 ] || fail "keygen over an existing secret key exited $rc, expected 1"
grep -q 'our.key already exists' err.txt || fail "message: $(cat err.txt)"
[ "$before" = "$(sha256sum our.key)" ] || fail "refused keygen changed our.key"
ln -s our.key link.key
set +e
"$PDI" keygen --public l.pub --secret link.key 2>err.txt
rc=$?
set -e
[ "$rc" = 1 ] || fail "keygen through a symlink exited $rc"
[ "$before" = "$(sha256sum our.key)" ] || fail "keygen wrote through a symlink"
new=$("$PDI" keygen --force --public our.pub --secret our.key)
[ "$new" != "$id" ] || fail "--force kept the old key id"
[ "$(mode_of our.key)" = 600 ] || fail "--force: secret key mode $(mode_of our.key)"
ok "keygen refuses to overwrite (exit 1, names the file and --force); --force replaces"

# 4. Refusals of sign: encrypted key, usage errors.
printf 'pw\npw\n' | minisign -G -p enc.pub -s enc.key >/dev/null 2>&1 || true
if [ -f enc.key ]; then
        set +e
        "$PDI" sign --key enc.key manifest.json 2>err.txt
        rc=$?
        set -e
        [ "$rc" = 3 ] || fail "sign with an encrypted key exited $rc, expected 3"
        grep -q 'encrypted with a password' err.txt || fail "message: $(cat err.txt)"
        grep -q 'minisign -S' err.txt || fail "message does not point to minisign -S: $(cat err.txt)"
        ok "encrypted secret key refused with a pointer to minisign -S"
fi
set +e
"$PDI" sign manifest.json 2>err.txt
rc=$?
set -e
[ "$rc" = 2 ] || fail "sign without --key exited $rc, expected 2"
grep -q '^error: sign: --key SECRET is required$' err.txt || fail "sign without --key: $(cat err.txt)"
set +e
"$PDI" sign --key ms.key --trusted-comment $'two\nlines' manifest.json 2>err.txt
rc=$?
set -e
[ "$rc" = 2 ] || fail "two-line trusted comment exited $rc, expected 2: $(cat err.txt)"
grep -q '^error: sign: trusted comment: must be one line of at most 8173 bytes$' err.txt ||
        fail "two-line trusted comment message: $(cat err.txt)"
set +e
"$PDI" sign --key ms.key --trusted-comment $'caf\xe9' --output latin1.sig manifest.json 2>err.txt
rc=$?
set -e
[ "$rc" = 2 ] || fail "non-UTF-8 trusted comment exited $rc, expected 2: $(cat err.txt)"
grep -q '^error: sign: trusted comment: not valid UTF-8 (byte 3), which verify refuses$' err.txt ||
        fail "non-UTF-8 trusted comment message: $(cat err.txt)"
[ ! -e latin1.sig ] || fail "a refused sign wrote its output"
cp manifest.json $'caf\xe9.json'
set +e
"$PDI" sign --key ms.key $'caf\xe9.json' 2>err.txt
rc=$?
set -e
[ "$rc" = 2 ] || fail "non-UTF-8 manifest path exited $rc, expected 2: $(cat err.txt)"
grep -q '^error: sign: the manifest path is not valid UTF-8 (byte 3)$' err.txt ||
        fail "non-UTF-8 manifest path message: $(cat err.txt)"
ok "usage errors exit 2"

json=$("$PDI" sign --json --key our.key --trusted-comment 'café ✓' --output j.sig manifest.json)
python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["key_id"] == sys.argv[2] and d["changed"] is True and d["trusted_comment"] == "café ✓", d
assert d["file"] == "manifest.json" and d["signature_file"] == "j.sig" and d["algorithm"] == "ED", d
' "$json" "$new" || fail "--json output: $json"
ok "--json output"

# 5. Signatures made by minisign, checked by our verify.
minisign -S -s ms.key -m manifest.json -x ms-ed.sig >/dev/null
mkdir root
v() { "$PDI" verify --root "$work/root" --manifest manifest.json "$@" >/dev/null; }
v --signature ms-ed.sig --trusted-key ms.pub || fail "verify rejects a minisign -S signature"
v --signature j.sig --trusted-key our.pub || fail "verify rejects our own signature"
set +e
v --signature by-us.sig --trusted-key our.pub 2>err.txt
rc=$?
set -e
[ "$rc" = 3 ] || fail "verify of a signature by a key replaced with --force exited $rc, expected 3"
grep -q '^error: manifest manifest.json: not signed by any trusted key (1 signature(s) by unknown keys)$' err.txt ||
        fail "signature by the replaced key: $(cat err.txt)"
set +e
v --signature ms-ed.sig --trusted-key our.pub 2>err.txt
rc=$?
set -e
[ "$rc" = 3 ] || fail "verify with the wrong key exited $rc, expected 3"
grep -q '^error: manifest manifest.json: not signed by any trusted key (1 signature(s) by unknown keys)$' err.txt ||
        fail "signature by another key: $(cat err.txt)"
# A trusted key's signature over other bytes does not verify.
cp manifest.json other.json
printf ' ' >>other.json
set +e
"$PDI" verify --root "$work/root" --manifest other.json --signature ms-ed.sig --trusted-key ms.pub >/dev/null 2>err.txt
rc=$?
set -e
[ "$rc" = 3 ] || fail "verify of changed bytes exited $rc, expected 3"
grep -q '^error: manifest other.json: signature ms-ed.sig: signature by key [0-9A-F]\{16\} does not verify$' err.txt ||
        fail "changed bytes: $(cat err.txt)"
ok "verify accepts minisign -S signatures and ours, refuses other keys and changed bytes (exit 3)"
echo "PASS"
