#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Trust that is kept (issue 12 §2): keys given with --trusted-key last one run unless
# --remember-keys or `trust add` keeps them; `trust list` shows id, file and comment;
# `trust remove KEYID`; `trust add` asks on a terminal. Key rotation (manifests/README.md):
# a manifest naming a new key moves trust only when signed by the retired key AND the new key.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"
rel_make "$T/r1" 1.0.0 1
rel_make "$T/r2" 1.1.0 2
KD=etc/polkadot-installer/trusted-keys
# A key's id as the installer shows it: 16 hex digits, zero-padded, from the key itself (the
# comment stock minisign writes drops leading zeros: 1 key in 16 would not match).
keyid() {
        python3 -c 'import base64, sys
b = base64.b64decode(open(sys.argv[1]).read().splitlines()[1])
print("%016X" % int.from_bytes(b[2:10], "little"))' "$1"
}
OLD=$(keyid "$T/key.pub")
R="$T/root"
mkdir -p "$R"
inst() { "$PDI" install --root "$R" --non-interactive "$@"; }

# Without keeping, the key lasts one run: the next upgrade has no trusted key.
expect 0 'is active' inst --from "$T/r1" --trusted-key "$T/key.pub"
[ ! -e "$R/$KD" ] || fail "a key was kept without --remember-keys"
expect 3 'no trusted keys' "$PDI" upgrade --root "$R" --from "$T/r2" --non-interactive
expect_one_error_line
# --remember-keys keeps it once the manifest verified; later runs need no --trusted-key.
expect 0 "kept trusted key $T/key.pub in /etc/polkadot-installer/trusted-keys/" \
        inst --from "$T/r1" --trusted-key "$T/key.pub" --remember-keys
[ "$(stat -c '%a %u' "$R/$KD/$OLD.pub")" = "644 0" ] || fail "kept key $(stat -c '%a %u' "$R/$KD/$OLD.pub")"
cmp -s "$T/key.pub" "$R/$KD/$OLD.pub" || fail "kept key differs from the file given"
# Kept only once the manifest is accepted: the line comes after the verification's.
v=$(grep -n 'manifest .*: verified' "$T/out" | head -1 | cut -d: -f1)
kline=$(grep -n 'kept trusted key' "$T/out" | head -1 | cut -d: -f1)
[ -n "$v" ] && [ -n "$kline" ] && [ "$kline" -gt "$v" ] || fail "key kept before the manifest verified: $(cat "$T/out")"
expect 0 'is active' "$PDI" upgrade --root "$R" --from "$T/r2" --non-interactive
expect 0 '' "$PDI" rollback --root "$R" --non-interactive
# ... but not from a refused run, nor in --dry-run.
minisign -G -W -p "$T/other.pub" -s "$T/other.sec" >/dev/null
OTHER=$(keyid "$T/other.pub")
expect 3 'signed by 1 distinct trusted key\(s\), 2 required' \
        inst --from "$T/r2" --trusted-key "$T/other.pub" --remember-keys --threshold 2
[ ! -e "$R/$KD/$OTHER.pub" ] || fail "a key kept from a refused run"
expect 0 'minisign -Vm' inst --from "$T/r2" --trusted-key "$T/other.pub" --remember-keys --dry-run
[ ! -e "$R/$KD/$OTHER.pub" ] || fail "--dry-run kept a key"
# ... nor from a manifest that verifies but is older than the floor (sequence 2 was accepted).
rel_make "$T/r0" 0.9.0 1
expect 3 'sequence' inst --from "$T/r0" --trusted-key "$T/key.pub" --trusted-key "$T/other.pub" --remember-keys
[ ! -e "$R/$KD/$OTHER.pub" ] || fail "a key kept from a manifest older than the floor"

# trust list: id, file, comment; --json.
expect 0 "^$OLD  /$KD/$OLD.pub  $(sed -n '1s/^untrusted comment: //p' "$T/key.pub")\$" "$PDI" trust list --root "$R"
"$PDI" trust list --root "$R" --json >"$T/j" 2>/dev/null || fail "trust list --json"
python3 - "$T/j" "$OLD" <<'PY' || fail "trust list --json: $(cat "$T/j")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["changed"] is False and [k["key_id"] for k in d["keys"]] == [sys.argv[2]], d
PY
# trust add without a terminal: no question; again: nothing changes; a bad file: exit 3.
expect 0 "key $OTHER .* is now trusted" "$PDI" trust add --root "$R" "$T/other.pub"
expect 0 "key $OTHER .* was already trusted" "$PDI" trust add --root "$R" "$T/other.pub"
echo garbage >"$T/bad.pub"
expect 3 "key $T/bad.pub: " "$PDI" trust add --root "$R" "$T/bad.pub"
expect_one_error_line
# Another key under a kept id is refused, the kept file kept.
python3 - "$T/other.pub" "$T/clash.pub" <<'PY'
import base64, sys
lines = open(sys.argv[1]).read().splitlines()
raw = bytearray(base64.b64decode(lines[1])); raw[10] ^= 1
open(sys.argv[2], "w").write(lines[0] + "\n" + base64.b64encode(bytes(raw)).decode() + "\n")
PY
expect 3 "key id $OTHER is already kept for a different key" "$PDI" trust add --root "$R" "$T/clash.pub"
cmp -s "$T/other.pub" "$R/$KD/$OTHER.pub" || fail "the kept key was replaced"
# trust remove KEYID (either case); unknown id: exit 1; not an id: exit 2.
expect 0 "key $OTHER is no longer trusted" "$PDI" trust remove --root "$R" "${OTHER,,}"
[ ! -e "$R/$KD/$OTHER.pub" ] || fail "trust remove kept the file"
expect 1 "no kept trusted key has id $OTHER" "$PDI" trust remove --root "$R" "$OTHER"
expect 2 'KEYID is 16 hex digits' "$PDI" trust remove --root "$R" ../../etc/passwd
# On a terminal, add asks and shows the id; anything but yes keeps nothing.
if have_cmd script; then
        printf 'n\n' | script -qec "$PDI trust add --root $R $T/other.pub" /dev/null >"$T/out" 2>&1 || true
        grep -qF "Trust key $OTHER ($(sed -n '1s/^untrusted comment: //p' "$T/other.pub"))" "$T/out" || fail "no question: $(cat "$T/out")"
        grep -q 'not confirmed; nothing kept' "$T/out" || fail "refusal not said: $(cat "$T/out")"
        [ ! -e "$R/$KD/$OTHER.pub" ] || fail "kept though not confirmed"
        printf 'y\n' | script -qec "$PDI trust add --root $R $T/other.pub" /dev/null >"$T/out" 2>&1 || true
        [ -e "$R/$KD/$OTHER.pub" ] || fail "not kept though confirmed: $(cat "$T/out")"
        "$PDI" trust remove --root "$R" "$OTHER" >/dev/null 2>&1
        TESTS_RUN=$((TESTS_RUN + 4))
fi

# ---- rotation: OLD -> NEW --------------------------------------------------------------------
minisign -G -W -p "$T/new.pub" -s "$T/new.sec" >/dev/null
NEW=$(keyid "$T/new.pub")
NEWB64=$(sed -n 2p "$T/new.pub")
rot="d['rotate'] = {'retire': '$OLD', 'key': '$NEWB64'}"
sign_new() { minisign -S -s "$T/new.sec" -m "$1/manifest.json" -x "$1/manifest.json.minisig.$2" >/dev/null; }
before=$(ls "$R/$KD")
# Signed by the new key only: not trusted at all.
REL_EDIT="$rot" rel_make "$T/a1" 1.2.0 10
rm "$T/a1/manifest.json.minisig"
sign_new "$T/a1" 2 && mv "$T/a1/manifest.json.minisig.2" "$T/a1/manifest.json.minisig"
expect 3 'not signed by any trusted key' "$PDI" upgrade --root "$R" --from "$T/a1" --non-interactive
# Signed by the old key only: refused, the new key never proved itself.
REL_EDIT="$rot" rel_make "$T/a2" 1.2.0 11
expect 3 "rotation to key $NEW is not signed by that key; refusing it" \
        "$PDI" upgrade --root "$R" --from "$T/a2" --non-interactive
expect_one_error_line
# Signed by the new key and an old-looking key that is not the retired one: refused.
REL_EDIT="d['rotate'] = {'retire': '$OTHER', 'key': '$NEWB64'}" rel_make "$T/a3" 1.2.0 12
sign_new "$T/a3" 2
expect 3 "rotation from key $OTHER to $NEW is not signed by the retired key $OTHER" \
        "$PDI" upgrade --root "$R" --from "$T/a3" --non-interactive
# A malformed rotation is a manifest error.
REL_EDIT="d['rotate'] = {'retire': '$OLD'}" rel_make "$T/a4" 1.2.0 13
expect 3 'rotate: must be an object with exactly "retire" and "key"' \
        "$PDI" upgrade --root "$R" --from "$T/a4" --non-interactive
[ "$(ls "$R/$KD")" = "$before" ] || fail "a refused rotation changed the kept keys"
# --dry-run and verify change nothing.
REL_EDIT="$rot" rel_make "$T/a5" 1.2.0 14
sign_new "$T/a5" 2
expect 0 'minisign -Vm' "$PDI" upgrade --root "$R" --from "$T/a5" --non-interactive --dry-run
expect 0 'verified' "$PDI" verify --root "$R" --manifest "$T/a5/manifest.json"
[ "$(ls "$R/$KD")" = "$before" ] || fail "--dry-run or verify rotated"
# Signed by both: trust moves.
expect 0 "KEY ROTATION by manifest .*key $NEW is trusted now, key $OLD no longer" \
        "$PDI" upgrade --root "$R" --from "$T/a5" --non-interactive
[ "$(ls "$R/$KD")" = "$NEW.pub" ] || fail "after rotation: $(ls "$R/$KD")"
# The old key alone no longer counts; the new one does.
rel_make "$T/a6" 1.3.0 20
expect 3 'not signed by any trusted key' "$PDI" upgrade --root "$R" --from "$T/a6" --non-interactive
rel_make "$T/a7" 1.3.0 21
rm "$T/a7/manifest.json.minisig"
sign_new "$T/a7" 2 && mv "$T/a7/manifest.json.minisig.2" "$T/a7/manifest.json.minisig"
expect 0 'is active' "$PDI" upgrade --root "$R" --from "$T/a7" --non-interactive
# Rolling back to the release that rotated (signed by both) still verifies.
expect 0 '' "$PDI" rollback --root "$R" --non-interactive
assert_current "$R" 1.2.0
pass
