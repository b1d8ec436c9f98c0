#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The sequence floor binds the install, not one product, and survives a lost state.json
# (issue 15 §4): a signed manifest of another product is refused without
# --allow-product-change and, with it, still has to clear the highest sequence accepted on
# this install; with state.json deleted (or an older copy put back) the floor comes back from
# the verified manifests under releases/, and a planted manifest that does not verify (no
# signature, or one by an untrusted key) raises nothing.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"

R="$T/root"
STATE=var/lib/polkadot-installer/state.json
mkdir -p "$R" "$T/srv"
para='d["product"] = "polkadot-parachain"'
rel_make "$T/srv/0.9.0" 0.9.0 4
rel_make "$T/srv/1.0.0" 1.0.0 5
rel_make "$T/srv/1.1.0" 1.1.0 6
rel_make "$T/srv/1.2.0" 1.2.0 8
REL_EDIT=$para rel_make "$T/srv/2.0.0" 2.0.0 1
REL_EDIT=$para rel_make "$T/srv/3.0.0" 3.0.0 7
rel_serve "$T/srv"
inst() { # root version [args]
        local root=$1 v=$2
        shift 2
        "$PDI" install --root "$root" --trusted-key "$T/key.pub" --manifest "$REL_URL/$v/manifest.json" "$@"
}
upg() {
        local root=$1 v=$2
        shift 2
        "$PDI" upgrade --root "$root" --trusted-key "$T/key.pub" --manifest "$REL_URL/$v/manifest.json" --no-start "$@"
}
floor_of() { # root: the floor state.json records for the default instance
        python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["instances"]["polkadot"]["floor"]["sequence"])' "$1/$STATE"
}
# A refusal leaves current and state.json byte for byte, and the whole tree as it was.
refused_unchanged() { # root
        [ "$(readlink "$1/opt/polkadot/current")" = "$(cat "$T/link")" ] || fail "current moved"
        cmp -s "$T/state" "$1/$STATE" || fail "state.json changed"
        root_snapshot "$1" "$T/after"
        diff "$T/before" "$T/after" || fail "a refused run changed the install"
}
keep_before() { # root
        readlink "$1/opt/polkadot/current" >"$T/link"
        cp "$1/$STATE" "$T/state"
        root_snapshot "$1" "$T/before"
}

# --- a product change -------------------------------------------------------------------
expect 0 'install 1.0.0: /opt/polkadot/current is active' inst "$R" 1.0.0
keep_before "$R"
# polkadot-parachain sequence 1 over polkadot sequence 5: refused, both products and the flag.
expect 3 '^error: .*manifest .*2\.0\.0/manifest\.json: it is for product polkadot-parachain but the installed release 1\.0\.0 is polkadot; --allow-product-change' \
        inst "$R" 2.0.0
expect_one_error_line
refused_unchanged "$R"
expect 3 'it is for product polkadot-parachain but the installed release 1\.0\.0 is polkadot; --allow-product-change' \
        upg "$R" 3.0.0
expect_one_error_line
refused_unchanged "$R"
# With the flag the floor still binds: sequence 1 is below the 5 accepted for polkadot.
expect 3 '^error: .*sequence 1 is lower than the highest sequence 5 accepted on this install' \
        inst "$R" 2.0.0 --allow-product-change
expect_one_error_line
refused_unchanged "$R"
# Above the floor, on purpose, said loudly.
expect 0 'PRODUCT CHANGE on purpose \(--allow-product-change\): polkadot-parachain replaces polkadot' \
        inst "$R" 3.0.0 --allow-product-change
assert_current "$R" 3.0.0
[ "$(floor_of "$R")" = 7 ] || fail "floor is $(floor_of "$R"), expected 7"
# Back to polkadot with a sequence between polkadot's own 5 and the install's 7: refused,
# although it is above the highest polkadot ever had.
keep_before "$R"
expect 3 '^error: .*sequence 6 is lower than the highest sequence 7 accepted on this install' \
        inst "$R" 1.1.0 --allow-product-change
expect_one_error_line
refused_unchanged "$R"
expect 3 'sequence 6 is lower than the highest sequence 7 accepted on this install' \
        upg "$R" 1.1.0 --allow-product-change
refused_unchanged "$R"
# … and the parachain's own older release too.
expect 3 'sequence 1 is lower than the highest accepted sequence 7' inst "$R" 2.0.0
refused_unchanged "$R"
# Above it, polkadot may come back (on purpose).
expect 0 'PRODUCT CHANGE on purpose .*polkadot replaces polkadot-parachain' \
        upg "$R" 1.2.0 --allow-product-change
assert_current "$R" 1.2.0

# --- state.json lost ----------------------------------------------------------------------
S="$T/root2"
mkdir -p "$S"
expect 0 'install 1.0.0: ' inst "$S" 1.0.0
cp "$S/$STATE" "$T/state-at-5"
expect 0 'install 1.1.0: ' inst "$S" 1.1.0
# Deleted: the kept releases' signed manifests (sequence 5 and 6) still say 6.
rm "$S/$STATE"
root_snapshot_nostate() { tree_listing "$S/opt"; tree_listing "$S/usr"; }
root_snapshot_nostate >"$T/before2"
expect 3 '^error: .*0\.9\.0/manifest\.json: manifest sequence 4 is lower than the highest sequence 6 accepted on this install' \
        inst "$S" 0.9.0
expect_one_error_line
[ ! -e "$S/$STATE" ] || fail "a refused run wrote state.json"
[ "$(readlink "$S/opt/polkadot/current")" = releases/1.1.0 ] || fail "current moved"
diff "$T/before2" <(root_snapshot_nostate) || fail "a refused run changed the install"
# An older copy put back (it names 5, with 1.0.0's bytes): the disk's 6 binds, so even
# 1.0.0's very manifest, which that copy would let through as "the same again", is refused.
mkdir -p "$(dirname "$S/$STATE")" # a refused run leaves no empty lock directory behind
cp "$T/state-at-5" "$S/$STATE"
expect 3 'manifest sequence 5 is lower than the highest sequence 6 accepted on this install' \
        inst "$S" 1.0.0
expect_one_error_line
cmp -s "$T/state-at-5" "$S/$STATE" || fail "a refused run changed state.json"
rm "$S/$STATE"

# Planted manifests do not count: one without signature and one signed by a key nobody
# trusts, each with a huge sequence, in a directory named as its version.
minisign -G -W -p "$T/other.pub" -s "$T/other.sec" >/dev/null
plant() { # version: a release directory whose manifest claims sequence 2^62
        local d="$S/opt/polkadot/releases/$1"
        cp -a "$S/opt/polkadot/releases/1.1.0" "$d"
        rm -f "$d"/manifest.json.minisig*
        python3 - "$d/manifest.json" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["version"], d["sequence"] = sys.argv[2], 1 << 62
json.dump(d, open(sys.argv[1], "w"))
PY
}
plant 9.9.9
plant 9.9.8
minisign -S -s "$T/other.sec" -m "$S/opt/polkadot/releases/9.9.8/manifest.json" >/dev/null
expect 0 'install 1.2.0: /opt/polkadot/current is active' inst "$S" 1.2.0 --keep 10
assert_current "$S" 1.2.0
[ "$(floor_of "$S")" = 8 ] || fail "floor is $(floor_of "$S"), expected 8 (a planted manifest counted)"
python3 - "$S/$STATE" <<'PY' || fail "state records a planted release"
import json, sys
r = json.load(open(sys.argv[1]))["instances"]["polkadot"]["releases"]
assert "9.9.9" not in r and "9.9.8" not in r, sorted(r)
assert r["1.1.0"]["sequence"] == 6 and r["1.0.0"]["sequence"] == 5, r
PY
# Deleted again with the planted ones still there: the floor is 8 from 1.2.0, not 2^62, not
# lower: 1.1.0 (6) is refused, and 1.2.0 again is "the same again".
rm "$S/$STATE"
expect 3 'sequence 6 is lower than the highest sequence 8 accepted on this install' inst "$S" 1.1.0
expect 0 'install 1.2.0: ' inst "$S" 1.2.0 --keep 10
[ "$(floor_of "$S")" = 8 ] || fail "floor is $(floor_of "$S") after recovery, expected 8"

pass
