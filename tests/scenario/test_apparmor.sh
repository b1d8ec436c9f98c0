#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The AppArmor profiles (apparmor/polkadot.in) as install renders them into a --root tree that
# has /etc/apparmor.d, checked by the real apparmor_parser without loading anything
# (-Q/--skip-kernel-load, -K: no cache): the AppArmor 3 rendering as it is, the AppArmor 4
# one (with `userns,`) as it is where this parser knows the rule, else with the two rules it
# cannot know taken out, saying so. Install without /etc/apparmor.d writes nothing and says
# so in one line; a second install changes nothing; uninstall removes the profile.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"
need_cmd apparmor_parser
need_file /etc/apparmor.d/abi/3.0

mkdir -p "$T/srv"
rel_make "$T/srv/1.0.0" 1.0.0 10
rel_serve "$T/srv"
inst() { "$PDI" install --root "$1" --trusted-key "$T/key.pub" --manifest "$REL_URL/1.0.0/manifest.json" "${@:2}"; }
parse() { # profile [base dir]: parse only, never load, no cache
        apparmor_parser -Q -K --base "${2:-/etc/apparmor.d}" "$1" >"$T/parse" 2>&1 ||
                { cat "$T/parse" >&2; return 1; }
        # the parser's note about the absent kernel interface is not about the profile
        ! grep -v 'Cache read/write disabled' "$T/parse" | grep -q .
}

# No /etc/apparmor.d in the tree: nothing written, one line says so.
mkdir -p "$T/plain"
expect 0 'AppArmor is not enabled here; no AppArmor profile installed' inst "$T/plain"
[ ! -e "$T/plain/etc/apparmor.d" ] || fail "a profile directory was made in a tree without AppArmor"

# AppArmor 3 in the tree (its abi/3.0): written, not loaded, and it parses.
R="$T/aa3"
mkdir -p "$R/etc/apparmor.d"
cp -r /etc/apparmor.d/abi "$R/etc/apparmor.d/"
rm -f "$R/etc/apparmor.d/abi/4.0"
expect 0 'wrote AppArmor profiles to /etc/apparmor.d/polkadot' inst "$R"
grep -q '/etc/apparmor.d/polkadot is loaded when that system boots with AppArmor' "$T/out" ||
        fail "install does not say the profile is loaded at boot: $(cat "$T/out")"
P="$R/etc/apparmor.d/polkadot"
[ "$(stat -c '%a %u' "$P")" = "644 0" ] || fail "profile mode/owner: $(stat -c '%a %u' "$P")"
grep -qx 'profile polkadot /opt/polkadot/releases/\*/polkadot flags=(unconfined) {' "$P" ||
        fail "no node profile for the release paths: $(cat "$P")"
grep -qx 'profile polkadot-pvf-worker /opt/polkadot/releases/\*/polkadot-{prepare,execute}-worker flags=(unconfined) {' "$P" ||
        fail "no worker profile for the release paths: $(cat "$P")"
! grep -q 'userns,' "$P" || fail "an AppArmor 3 profile with a userns rule: $(cat "$P")"
! grep -q '@[A-Z_]*@' "$P" || fail "a placeholder left: $(grep '@[A-Z_]*@' "$P")"
parse "$P" "$R/etc/apparmor.d" || fail "apparmor_parser rejects the AppArmor 3 profile"
TESTS_RUN=$((TESTS_RUN + 1))
inst "$R" --json >"$T/j" 2>"$T/e" || fail "second install: $(cat "$T/e")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["changed"] is False, d' "$T/j" ||
        fail "a second install changed something: $(cat "$T/j")"
! grep -q 'wrote AppArmor' "$T/e" || fail "a second install rewrote the profile"
expect 0 'removed /etc/apparmor.d/polkadot' "$PDI" uninstall --root "$R" --non-interactive
[ ! -e "$P" ] || fail "uninstall left $P"

# AppArmor 4 (abi/4.0 in the tree): `userns,` in both profiles.
R="$T/aa4"
mkdir -p "$R/etc/apparmor.d/abi"
touch "$R/etc/apparmor.d/abi/4.0"
expect 0 'wrote AppArmor profiles to /etc/apparmor.d/polkadot' inst "$R"
P="$R/etc/apparmor.d/polkadot"
grep -qx 'abi <abi/4.0>,' "$P" || fail "no abi 4.0 line: $(cat "$P")"
[ "$(grep -cx '  userns,' "$P")" = 2 ] || fail "want userns, in both profiles: $(cat "$P")"
printf 'abi <abi/4.0>,\nprofile t /t flags=(unconfined) {\n  userns,\n}\n' >"$T/probe"
if [ -e /etc/apparmor.d/abi/4.0 ] && parse "$T/probe"; then
        parse "$P" || fail "apparmor_parser rejects the AppArmor 4 profile"
else
        echo "note: this apparmor_parser ($(apparmor_parser --version | head -1)) knows no userns rule" \
                "(AppArmor 4.0); the AppArmor 4 profile is parsed without its abi and userns lines"
        sed -e 's|^abi <abi/4.0>,$|abi <abi/3.0>,|' -e '/^  userns,$/d' "$P" >"$T/aa4-as-3"
        parse "$T/aa4-as-3" || fail "apparmor_parser rejects the rest of the AppArmor 4 profile"
fi
TESTS_RUN=$((TESTS_RUN + 1))

# A profile that does not parse is caught by the same check (the check is not a no-op).
printf 'abi <abi/3.0>,\nprofile t /t flags=(no-such-flag) {\n}\n' >"$T/bad"
! parse "$T/bad" 2>/dev/null || fail "the parse check accepts a broken profile"
TESTS_RUN=$((TESTS_RUN + 1))
pass
