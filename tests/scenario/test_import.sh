#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# import and install --upstream (issue 13 §1): upstream's release as published (each binary
# with an OpenPGP .asc, a .sha256 beside it) verified against a pinned fingerprint, from a
# folder and over HTTP (lighttpd on 127.0.0.1). The release key is a throwaway one made
# here with gpg in a temporary GNUPGHOME, signing stand-in binaries as upstream's release
# process does (gpg --armor --detach-sign). Each attack is one error line, exit 3, and
# nothing written: no output folder, no private directory left, the root unchanged.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"
need_cmd gpg
need_cmd gpg-agent
need_cmd gpgconf

export GNUPGHOME=$T/gnupg
mkdir -m 0700 "$GNUPGHOME"
PDI_CLEANUP+=("gpgconf --homedir '$GNUPGHOME' --kill all")
gpgq() { gpg --batch --quiet --no-tty --pinentry-mode loopback --passphrase '' "$@" 2>/dev/null; }
newkey() { # uid → prints the fingerprint
        gpgq --quick-gen-key "$1" ed25519 sign never
        gpg --with-colons --list-keys "$1" 2>/dev/null | awk -F: '/^fpr/ { print $10; exit }'
}
REL=$(newkey 'Stand-in Release <release@test.invalid>')
OTHER=$(newkey 'Someone Else <other@test.invalid>')
gpg --armor --export "$REL" >"$T/release-key.asc"
gpg --armor --export "$REL" "$OTHER" >"$T/both-keys.asc"
gpg --armor --export "$OTHER" >"$T/other-key.asc"
mkdir -p "$T/imports"
minisign -G -W -p "$T/ops.pub" -s "$T/ops.sec" >/dev/null
BINS="polkadot polkadot-prepare-worker polkadot-execute-worker"

# upstream_release DIR VERSION [SIGNER]: the stand-ins, signed and summed like a release.
upstream_release() {
        local dir=$1 f
        mkdir -p "$dir"
        for f in $BINS; do
                rel_binary "$dir/$f" "$2"
                gpgq --yes --armor --local-user "${3:-$REL}" --detach-sign -o "$dir/$f.asc" "$dir/$f"
                (cd "$dir" && sha256sum "$f" >"$f.sha256")
        done
}
imp() { "$PDI" import --openpgp-key "$T/release-key.asc" --openpgp-fingerprint "$REL" \
        --sign-with "$T/ops.sec" --non-interactive "$@"; }
# nothing_written OUT: the refused import left no folder and no private directory.
nothing_written() {
        [ ! -e "$1" ] || fail "$1 was written by a refused import"
        ! ls -A "$(dirname "$1")" | grep -q '^\.pdi-import' || fail "a private directory is left"
        ! ls /tmp | grep -q "^pdi-gnupg-" || fail "a throwaway GNUPGHOME is left in /tmp"
}
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }

# --- a good release from a folder: manifest with the three names, installable -------------
upstream_release "$T/up/polkadot-stable2603-1" 1.16.0
expect 0 'imported polkadot-stable2603-1 \(Docker tag stable2603-1\): the binaries print 1\.16\.0' \
        imp --upstream "$T/up/polkadot-stable2603-1" --output "$T/imports/good"
M=$T/imports/good/manifest.json
[ "$(field "$M" release_tag)" = polkadot-stable2603-1 ] || fail "release_tag: $(field "$M" release_tag)"
[ "$(field "$M" docker_tag)" = stable2603-1 ] || fail "docker_tag"
[ "$(field "$M" version)" = 1.16.0 ] || fail "version"
[ "$(field "$M" sequence)" = 2603001 ] || fail "sequence from the stable tag: $(field "$M" sequence)"
minisign -Vm "$M" -p "$T/ops.pub" >/dev/null || fail "the manifest's signature does not verify with minisign"
for f in $BINS; do cmp "$T/up/polkadot-stable2603-1/$f" "$T/imports/good/$f" || fail "$f differs"; done
R=$T/root
mkdir -p "$R"
expect 0 'is active' "$PDI" install --root "$R" --from "$T/imports/good" --trusted-key "$T/ops.pub" \
        --non-interactive
assert_current "$R" 1.16.0
expect 0 'upstream release polkadot-stable2603-1, Docker tag stable2603-1' "$PDI" status --root "$R"
expect 0 '1\.16\.0' "$PDI" status --root "$R"
"$PDI" audit --root "$R" >"$T/audit.txt" 2>&1 || true
grep -q '^release:  polkadot-stable2603-1, Docker tag stable2603-1' "$T/audit.txt" ||
        { cat "$T/audit.txt" >&2; fail "audit does not name the release tag"; }
grep -q '^install:  polkadot-installer, version 1.16.0' "$T/audit.txt" || fail "audit: version"
# Upstream's key is the pin without --openpgp-fingerprint: a key file without it is refused.
expect 3 'no key with the pinned fingerprint 90BD75EBBB8E95CB3DA6078F94A4029AB4B35DAE' \
        "$PDI" import --upstream "$T/up/polkadot-stable2603-1" --openpgp-key "$T/release-key.asc" \
        --sign-with "$T/ops.sec" --output "$T/imports/default-pin"
expect_one_error_line
nothing_written "$T/imports/default-pin"

# --- over HTTP, installed at once: install --upstream -------------------------------------
rel_serve "$T/up"
R2=$T/root2
mkdir -p "$R2"
expect 0 'is active' "$PDI" install --root "$R2" --upstream "$REL_URL/polkadot-stable2603-1" \
        --openpgp-key "$T/release-key.asc" --openpgp-fingerprint "$REL" --sign-with "$T/ops.sec" \
        --trusted-key "$T/ops.pub" --non-interactive
assert_current "$R2" 1.16.0
expect 0 'polkadot-stable2603-1' "$PDI" status --root "$R2"
! ls /var/tmp | grep -q '^pdi-upstream-' || fail "install --upstream left its private directory"

# --- the attacks: each one line, exit 3, nothing written ----------------------------------
attack() { # name regex dir [import options]
        local name=$1 re=$2 dir=$3
        shift 3
        expect 3 "$re" imp --upstream "$dir" --release-tag polkadot-stable2603-1 \
                --output "$T/imports/$name" "$@"
        expect_one_error_line
        nothing_written "$T/imports/$name"
}
cpr() { rm -rf "$T/up/$2"; cp -a "$T/up/$1" "$T/up/$2"; }
# A key file of another key than the pinned one.
attack wrong-key "other-key.asc: OpenPGP key file: no key with the pinned fingerprint $REL" \
        "$T/up/polkadot-stable2603-1" --openpgp-key "$T/other-key.asc"
# A valid signature by a key the file holds but the pin does not name.
upstream_release "$T/up/untrusted" 1.16.0 "$OTHER"
attack untrusted "polkadot.asc: signed by key $OTHER: not a pinned fingerprint" \
        "$T/up/untrusted" --openpgp-key "$T/both-keys.asc"
# The same over HTTP.
attack untrusted-http "$REL_URL/untrusted/polkadot.asc: signed by key $OTHER: not a pinned" \
        "$REL_URL/untrusted" --openpgp-key "$T/both-keys.asc"
# The signature of another file.
cpr polkadot-stable2603-1 swapped
echo "release notes" >"$T/notes" # a file the release key did sign, but not this one
gpgq --yes --armor --local-user "$REL" --detach-sign -o "$T/up/swapped/polkadot.asc" "$T/notes"
attack other-file "polkadot.asc: signature by .* does not verify: Bad signature" "$T/up/swapped"
# Mixed versions, every file properly signed.
upstream_release "$T/up/mixed" 1.16.0
rel_binary "$T/up/mixed/polkadot-prepare-worker" 1.15.0
gpgq --yes --armor --local-user "$REL" --detach-sign -o "$T/up/mixed/polkadot-prepare-worker.asc" \
        "$T/up/mixed/polkadot-prepare-worker"
(cd "$T/up/mixed" && sha256sum polkadot-prepare-worker >polkadot-prepare-worker.sha256)
attack mixed "mixed versions: polkadot prints 1\.16\.0, polkadot-prepare-worker prints 1\.15\.0" \
        "$T/up/mixed"
attack mixed-http "mixed versions" "$REL_URL/mixed"
# A missing .asc.
cpr polkadot-stable2603-1 no-asc
rm "$T/up/no-asc/polkadot-execute-worker.asc"
attack no-asc "polkadot-execute-worker.asc: missing \(every binary of the release needs its OpenPGP" \
        "$T/up/no-asc"
attack no-asc-http "$REL_URL/no-asc/polkadot-execute-worker.asc: missing" "$REL_URL/no-asc"
# A .sha256 that disagrees with the signed bytes.
cpr polkadot-stable2603-1 bad-sum
echo "$(printf '0%.0s' $(seq 64))  polkadot" >"$T/up/bad-sum/polkadot.sha256"
attack bad-sum "polkadot.sha256: says sha256 0{64}, the signed file has" "$T/up/bad-sum"
# No .sha256 published at all is fine.
cpr polkadot-stable2603-1 no-sum
rm "$T/up/no-sum/"*.sha256
expect 0 'imported' imp --upstream "$T/up/no-sum" --release-tag polkadot-stable2603-1 \
        --output "$T/imports/no-sum"
# A binary that does not answer --version as a binary should (it runs confined).
cpr polkadot-stable2603-1 broken
printf '#!/bin/sh\nexit 3\n' >"$T/up/broken/polkadot-execute-worker"
gpgq --yes --armor --local-user "$REL" --detach-sign -o "$T/up/broken/polkadot-execute-worker.asc" \
        "$T/up/broken/polkadot-execute-worker"
(cd "$T/up/broken" && sha256sum polkadot-execute-worker >polkadot-execute-worker.sha256)
attack broken "polkadot-execute-worker --version: exit status 3" "$T/up/broken"
# A signing subkey of the pinned key counts; the same key revoked does not.
SUBREL=$(newkey 'Stand-in Subkey Release <sub@test.invalid>')
gpgq --quick-add-key "$SUBREL" ed25519 sign never
SUB=$(gpg --with-colons --list-keys "$SUBREL" 2>/dev/null | awk -F: '/^fpr/ { n++ } /^fpr/ && n == 2 { print $10; exit }')
[ -n "$SUB" ] && [ "$SUB" != "$SUBREL" ] || fail "no signing subkey made"
gpg --armor --export "$SUBREL" >"$T/sub-key.asc"
upstream_release "$T/up/subkey" 1.16.0 "$SUB!"
expect 0 "imported" "$PDI" import --upstream "$T/up/subkey" --openpgp-key "$T/sub-key.asc" \
        --openpgp-fingerprint "$SUBREL" --sign-with "$T/ops.sec" --release-tag polkadot-stable2603-1 \
        --output "$T/imports/subkey" -v
grep -q "signed by OpenPGP key $SUBREL" "$T/out" || { cat "$T/out" >&2; fail "the subkey's primary is not named"; }
sed -n '/^:-----BEGIN/,$p' "$GNUPGHOME/openpgp-revocs.d/$SUBREL.rev" | sed 's/^://' >"$T/revoke.asc"
gpgq --import "$T/revoke.asc"
gpg --armor --export "$SUBREL" >"$T/revoked-key.asc"
attack revoked "polkadot.asc: signature by [0-9A-F]+ does not verify: Certificate revoked" "$T/up/subkey" \
        --openpgp-key "$T/revoked-key.asc" --openpgp-fingerprint "$SUBREL"
# install --upstream of an attacked release leaves the root as it was.
root_snapshot "$R2" "$T/snap.before"
expect 3 'mixed versions' "$PDI" install --root "$R2" --upstream "$REL_URL/mixed" \
        --openpgp-key "$T/release-key.asc" --openpgp-fingerprint "$REL" --sign-with "$T/ops.sec" \
        --trusted-key "$T/ops.pub" --non-interactive
expect_one_error_line
root_snapshot "$R2" "$T/snap.after"
cmp -s "$T/snap.before" "$T/snap.after" || fail "a refused install --upstream changed the root"
# Without a sequence the tag does not give, the import says which flag is missing.
expect 2 'sequence N is required' imp --upstream "$T/up/polkadot-stable2603-1" \
        --release-tag v1.16.0 --output "$T/imports/no-seq"
nothing_written "$T/imports/no-seq"
pass
