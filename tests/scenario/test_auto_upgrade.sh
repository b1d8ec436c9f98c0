#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# auto-upgrade, offline under --root: the timer and its service are written from the
# templates, load cleanly in systemd-analyze, are enabled by link and removed again; values
# that could inject into a unit file are refused.
source "$(dirname "$0")/lib.sh"
need_cmd systemd-analyze

R="$T/root"
mkdir -p "$R"
U="$R/etc/systemd/system"
url=https://releases.example.invalid/polkadot/latest/manifest.json

expect 0 'enabled polkadot-installer-upgrade.timer' \
        "$PDI" auto-upgrade --enable --root "$R" --manifest "$url" --installer "$PDI" --on-calendar 'Mon..Fri 10:00'
[ -L "$U/timers.target.wants/polkadot-installer-upgrade.timer" ] || fail "timer not enabled"
grep -qx "ExecStart=$PDI upgrade --manifest $url --non-interactive --yes" "$U/polkadot-installer-upgrade.service" ||
        fail "ExecStart: $(grep ExecStart "$U/polkadot-installer-upgrade.service")"
grep -qx 'OnCalendar=Mon..Fri 10:00' "$U/polkadot-installer-upgrade.timer" || fail "OnCalendar"
# Both load without a word from systemd (verify exits 0 on unknown keys: output is failure).
cp "$U/polkadot-installer-upgrade.service" "$U/polkadot-installer-upgrade.timer" "$T/"
(cd "$T" && systemd-analyze verify --man=no polkadot-installer-upgrade.timer polkadot-installer-upgrade.service) >"$T/verify" 2>&1 || true
[ ! -s "$T/verify" ] || { cat "$T/verify" >&2; fail "systemd-analyze verify is not silent"; }
TESTS_RUN=$((TESTS_RUN + 1))

# Enabling again changes nothing.
"$PDI" auto-upgrade --enable --root "$R" --manifest "$url" --installer "$PDI" --on-calendar 'Mon..Fri 10:00' --json >"$T/j" 2>/dev/null
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["changed"] is False, d' "$T/j" || fail "second enable changed something"

expect 2 'needs a value|--manifest URL is required' "$PDI" auto-upgrade --enable --root "$R"
expect 2 "--manifest .* has a blank" "$PDI" auto-upgrade --enable --root "$R" --manifest 'https://x/m.json --allow-downgrade'
expect 2 "--on-calendar .daily.x0aExecStart=/bin/sh. has a control character" "$PDI" auto-upgrade --enable --root "$R" --manifest "$url" --on-calendar $'daily\nExecStart=/bin/sh'
expect 2 "say --enable or --disable" "$PDI" auto-upgrade --root "$R"

expect 0 'removed .*polkadot-installer-upgrade.service' "$PDI" auto-upgrade --disable --root "$R"
[ ! -e "$U/timers.target.wants/polkadot-installer-upgrade.timer" ] || fail "timer link left"
[ ! -e "$U/polkadot-installer-upgrade.timer" ] || fail "timer unit left"
pass
