#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Host configuration under --root (offline, no systemd): users with the right properties in the
# root's passwd/group/shadow, base path owned and repaired, settings kept across upgrades, units
# and slice written and enabled by link and loading silently in systemd-analyze, an edited
# unit kept (ours beside it as .new), drop-ins left alone, Alpine and NixOS handled, and
# uninstall keeping data unless --purge.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"
rel_make "$T/r1" 1.0.0 1
rel_make "$T/r2" 1.1.0 2
R="$T/root"
mkdir -p "$R/etc"
cp "$PDI_SOURCE_DIR/tests/fixtures/os-release/debian" "$R/etc/os-release"
inst() { "$PDI" install --root "$R" --trusted-key "$T/key.pub" --non-interactive "$@"; }

expect 0 'offline .*start the node with' inst --from "$T/r1" --chain kusama --validator --rpc-port 9944
# Users: system ids, no login, no password.
for u in polkadot pvf-worker; do
        IFS=: read -r name _ uid gid _ home shell < <(grep "^$u:" "$R/etc/passwd") || fail "no user $u"
        [ "$uid" -ge 100 ] && [ "$uid" -le 999 ] || fail "$u: uid $uid is not a system uid"
        case "$shell" in */nologin | */false) ;; *) fail "$u: shell $shell" ;; esac
        grep -q "^$u:" "$R/etc/group" || fail "no group $u"
        pw=$(grep "^$u:" "$R/etc/shadow" | cut -d: -f2)
        case "$pw" in '!'* | '*'*) ;; *) fail "$u: password field '$pw'" ;; esac
done
# (owners as the root's own passwd numbers them, not the host's)
pid=$(grep '^polkadot:' "$R/etc/passwd" | cut -d: -f3)
pgid=$(grep '^polkadot:' "$R/etc/group" | cut -d: -f3)
[ "$(stat -c '%a %u:%g' "$R/var/lib/polkadot")" = "750 $pid:$pgid" ] || fail "base path $(stat -c '%a %u:%g' "$R/var/lib/polkadot")"
U="$R/etc/systemd/system"
[ "$(readlink "$U/multi-user.target.wants/polkadot.service")" = /etc/systemd/system/polkadot.service ] || fail "not enabled by link"
[ -f "$U/polkadot.slice" ] || fail "no slice"
grep -q '^MemoryAccounting=yes' "$U/polkadot.slice" || fail "slice without accounting"
grep -q -- '--chain kusama .*--validator --rpc-port 9944' "$R/etc/polkadot-installer/polkadot.env" || fail "settings not rendered"
# Node arguments may hold secrets: the config and the environment file are 0600 root (systemd
# reads the environment file as PID 1, before it drops to the node's user; the node never
# reads either). One left 0644 by an older installer or by hand is narrowed, and said so.
for f in config polkadot.env; do
        [ "$(stat -c '%a %u:%g' "$R/etc/polkadot-installer/$f")" = "600 0:0" ] ||
                fail "$f: $(stat -c '%a %u:%g' "$R/etc/polkadot-installer/$f")"
done
chmod 0644 "$R/etc/polkadot-installer/config" "$R/etc/polkadot-installer/polkadot.env"
expect 0 'narrowed the mode of /etc/polkadot-installer/config from 0644 to 0600' inst --from "$T/r1"
grep -q 'narrowed the mode of /etc/polkadot-installer/polkadot.env from 0644 to 0600' "$T/out" || fail "env mode not narrowed: $(cat "$T/out")"
[ "$(stat -c %a "$R/etc/polkadot-installer/config") $(stat -c %a "$R/etc/polkadot-installer/polkadot.env")" = "600 600" ] || fail "modes not narrowed"
# The installed units load without a word from systemd (output is failure: it exits 0 on
# unknown keys); the node path must exist for verify, so check them where they point.
mkdir -p "$T/units" && cp "$U/polkadot.service" "$U/polkadot.slice" "$T/units/"
sed -i "s|/opt/polkadot/current/polkadot|$R/opt/polkadot/current/polkadot|; s|EnvironmentFile=/|EnvironmentFile=$R/|; s|ReadWritePaths=/|ReadWritePaths=$R/|" "$T/units/polkadot.service"
(cd "$T/units" && systemd-analyze verify --man=no polkadot.service polkadot.slice) >"$T/verify" 2>&1 || true
[ ! -s "$T/verify" ] || { cat "$T/verify" >&2; fail "systemd-analyze verify is not silent"; }
score=$(systemd-analyze security --offline=yes "$T/units/polkadot.service" 2>/dev/null | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
python3 -c "import sys; s=float(sys.argv[1]); print('exposure', s); sys.exit(0 if s <= 2.5 else 1)" "$score" || fail "exposure $score > 2.5"
TESTS_RUN=$((TESTS_RUN + 2))

# The operator edits the unit and adds a drop-in; the base path lost its owner (a snapshot
# restore). An upgrade keeps the edit (ours goes to .new), the drop-in and the settings, and
# repairs the base path.
echo "# mine" >>"$U/polkadot.service"
mkdir -p "$U/polkadot.service.d"
printf '[Service]\nNice=-5\n' >"$U/polkadot.service.d/override.conf"
cp "$U/polkadot.service" "$T/edited"
chown root:root "$R/var/lib/polkadot"
"$PDI" upgrade --root "$R" --trusted-key "$T/key.pub" --non-interactive --from "$T/r2" --prometheus-port 9615 >"$T/out" 2>&1 ||
        { cat "$T/out"; fail "upgrade failed"; }
grep -q 'polkadot.service was edited by hand: kept it' "$T/out" || fail "edited unit not reported"
cmp "$T/edited" "$U/polkadot.service" || fail "edited unit overwritten"
[ -f "$U/polkadot.service.new" ] || fail "no .new beside the edited unit"
grep -qx 'Nice=-5' "$U/polkadot.service.d/override.conf" || fail "drop-in touched"
grep -q 'repaired ownership of /var/lib/polkadot' "$T/out" || fail "base path repair not reported"
[ "$(stat -c %u "$R/var/lib/polkadot")" = "$pid" ] || fail "base path not repaired"
grep -q -- '--chain kusama .*--validator --rpc-port 9944 --prometheus-port 9615' "$R/etc/polkadot-installer/polkadot.env" ||
        fail "settings lost across the upgrade: $(cat "$R/etc/polkadot-installer/polkadot.env")"

# A release cut for other chains is refused for this kusama node; one for kusama is not.
REL_EDIT='d["chains"] = ["westend", "paseo"]' rel_make "$T/r3" 1.2.0 3
REL_EDIT='d["chains"] = ["kusama"]' rel_make "$T/r4" 1.3.0 4
tree_listing "$R" >"$T/before"
expect 3 'release 1.2.0 is only for chain\(s\) westend …, this node is configured for kusama' inst --from "$T/r3"
expect_one_error_line
diff "$T/before" <(tree_listing "$R") || fail "a release for another chain changed the tree"
expect 0 'install 1.3.0: .* is active' inst --from "$T/r4"

# A bad setting is refused before anything changes.
tree_listing "$R" >"$T/before"
expect 2 "--rpc-port '70000' is not a port" inst --from "$T/r2" --rpc-port 70000
diff "$T/before" <(tree_listing "$R") || fail "a refused setting changed the tree"
# A base path that resolves to its parent (here /var/lib) would be chowned to the node's user.
expect 2 "--base-path '/var/lib/polkadot/..' has a '.' or '..' component" inst --from "$T/r2" --base-path /var/lib/polkadot/..
expect_one_error_line
diff "$T/before" <(tree_listing "$R") || fail "a refused base path changed the tree"

# uninstall keeps the data, settings and users; --purge without --yes is refused off a TTY.
mkdir -p "$R/var/lib/polkadot/chains/ksmcc3/keystore" && echo key >"$R/var/lib/polkadot/chains/ksmcc3/keystore/k"
"$PDI" auto-upgrade --enable --root "$R" --manifest https://releases.example.invalid/m.json \
        --installer "$PDI" >"$T/out" 2>&1 || { cat "$T/out"; fail "auto-upgrade --enable failed"; }
# The unit the operator edited stays (ours and its .new go); it is disabled all the same, and
# the unattended-upgrade timer goes with the install.
expect 0 'left /etc/systemd/system/polkadot.service alone: it was edited' "$PDI" uninstall --root "$R"
grep -q 'kept the base path' "$T/out" || fail "uninstall did not say what it kept"
[ ! -e "$R/opt/polkadot" ] && [ ! -e "$U/polkadot.slice" ] && [ ! -e "$U/polkadot.service.new" ] &&
        [ ! -e "$U/multi-user.target.wants/polkadot.service" ] || fail "uninstall left the release or our units"
cmp "$T/edited" "$U/polkadot.service" || fail "uninstall removed or changed the edited unit"
[ ! -e "$U/polkadot-installer-upgrade.timer" ] && [ ! -e "$U/polkadot-installer-upgrade.service" ] &&
        [ ! -e "$U/timers.target.wants/polkadot-installer-upgrade.timer" ] || fail "uninstall left the upgrade timer"
[ -f "$R/var/lib/polkadot/chains/ksmcc3/keystore/k" ] && [ -f "$R/etc/polkadot-installer/config" ] && grep -q '^polkadot:' "$R/etc/passwd" ||
        fail "uninstall removed data, settings or users"
grep -qx 'Nice=-5' "$U/polkadot.service.d/override.conf" || fail "uninstall removed the operator's drop-in"
expect 2 'add --yes to confirm' "$PDI" uninstall --root "$R" --purge </dev/null
[ -f "$R/var/lib/polkadot/chains/ksmcc3/keystore/k" ] || fail "refused purge removed data"
echo "# the installer's version of an edited snippet" >"$R/etc/tmpfiles.d/polkadot.conf.new"
expect 0 'deleted user polkadot' "$PDI" uninstall --root "$R" --purge --yes
[ ! -e "$R/etc/tmpfiles.d/polkadot.conf.new" ] || fail "purge left the .new of the tmpfiles snippet"
[ ! -e "$R/var/lib/polkadot" ] && [ ! -e "$R/etc/polkadot-installer" ] && ! grep -q '^polkadot:' "$R/etc/passwd" ||
        fail "purge left data, settings or the user"

# An install this tool did not make (a hand install with its own unit, data and user) is not
# touched by uninstall, not even with --purge; a foreign `current` link is refused. (The lock
# under /var/lib/polkadot-installer is the one trace a run leaves.)
others() { tree_listing "$1" | grep -v -e '^\./var/lib/polkadot-installer' -e '^\./var/lib d '; }
H="$T/hand"
mkdir -p "$H/opt/polkadot/bin" "$H/etc/systemd/system" "$H/var/lib/polkadot/chains" "$H/etc"
printf '#!/bin/sh\n' >"$H/opt/polkadot/bin/polkadot"
printf '[Service]\nExecStart=/opt/polkadot/bin/polkadot\n' >"$H/etc/systemd/system/polkadot.service"
echo 'polkadot:x:998:998::/var/lib/polkadot:/usr/sbin/nologin' >"$H/etc/passwd"
echo data >"$H/var/lib/polkadot/chains/db"
others "$H" >"$T/before"
expect 0 'nothing installed by polkadot-installer under /opt/polkadot' "$PDI" uninstall --root "$H" --purge --yes
grep -q 'nothing to purge' "$T/out" || fail "purge of a foreign install said nothing"
diff "$T/before" <(others "$H") || fail "uninstall changed an install it did not make"
ln -s /srv/elsewhere "$H/opt/polkadot/current"
others "$H" >"$T/before"
expect 1 'not a link into releases/; refusing to remove an install this tool did not make' \
        "$PDI" uninstall --root "$H"
expect_one_error_line
diff "$T/before" <(others "$H") || fail "a refused uninstall changed the tree"

# An Ubuntu 20.04 tree (systemd 245) gets the deny-list filter of the template's
# @BEFORE_247@ lines, whatever systemd the host runs: 245 cannot parse landlock_*.
O="$T/focal"
mkdir -p "$O/etc" "$O/usr/lib/systemd"
cp "$PDI_SOURCE_DIR/tests/fixtures/os-release/debian" "$O/etc/os-release"
: >"$O/usr/lib/systemd/libsystemd-shared-245.so"
expect 0 'offline .*start the node with' "$PDI" install --root "$O" --from "$T/r1" --trusted-key "$T/key.pub" -y
diff <(sed -n 's/^@BEFORE_247@\(SystemCallFilter=\)/\1/p' "$PDI_SOURCE_DIR/templates/polkadot.service.in") \
        <(grep '^SystemCallFilter=' "$O/etc/systemd/system/polkadot.service") ||
        fail "systemd 245 root: the unit's SystemCallFilter is not the pre-247 deny list"

# Alpine: no systemd units, the operator is told what to do. NixOS: refused.
A="$T/alpine"
mkdir -p "$A/etc"
cp "$PDI_SOURCE_DIR/tests/fixtures/os-release/alpine" "$A/etc/os-release"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$A/etc/passwd" && printf 'root:x:0:\n' >"$A/etc/group" && printf 'root:*:19000:0:::::\n' >"$A/etc/shadow"
expect 0 'runs OpenRC, not systemd: no units were written' "$PDI" install --root "$A" --from "$T/r1" --trusted-key "$T/key.pub" -y
[ ! -e "$A/etc/systemd/system/polkadot.service" ] || fail "a unit on Alpine"
N="$T/nixos"
mkdir -p "$N/etc"
cp "$PDI_SOURCE_DIR/tests/fixtures/os-release/nixos" "$N/etc/os-release"
expect 3 'NixOS: refusing to modify the system' "$PDI" install --root "$N" --from "$T/r1" --trusted-key "$T/key.pub" -y
expect_one_error_line
[ ! -e "$N/opt" ] || fail "NixOS root modified"
pass
