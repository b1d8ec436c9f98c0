#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# install --worker-isolation=systemd under --root (issue 11 §1, §3), offline: the release
# directory stays as its manifest says; pvf/<version>/ holds the node (the same inode) and
# the static relay as both workers; the allow list names each relay's real worker with the
# state's hash and size; the spawner, its socket and slice are written and enabled by link;
# the setting is kept across upgrades (pvf/ follows new and pruned releases, pvf/current
# follows current) and `none` takes all of it away again. The live half is in
# test_pvf_container.sh.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"
need_cmd readelf
: "${PDI_BUILD_DIR:=$(dirname "$PDI")}"
rel_make "$T/r1" 1.0.0 1
rel_make "$T/r2" 1.1.0 2
rel_make "$T/r3" 1.2.0 3
R="$T/root"
P=$R/opt/polkadot
U=$R/etc/systemd/system
mkdir -p "$R/etc"
cp "$PDI_SOURCE_DIR/tests/fixtures/os-release/debian" "$R/etc/os-release"
inst() { "$PDI" install --root "$R" --trusted-key "$T/key.pub" --non-interactive "$@"; }

expect 2 "^error: --worker-isolation 'sandbox' is neither systemd nor none" \
        inst --from "$T/r1" --worker-isolation sandbox
expect_one_error_line
[ ! -e "$P" ] || fail "a refused flag left $P"

# --check --diff shows the spawner's units it would write, and writes nothing.
inst --from "$T/r1" --chain kusama --validator --worker-isolation systemd --check --diff --json \
        >"$T/j" 2>"$T/e" || fail "install --check: $(cat "$T/e")"
python3 -c 'import json,sys
j=json.load(open(sys.argv[1]))
assert j["changed"] is True, j
d=j["diff"]
h=[x["after_header"] for x in d if "ExecStart=/opt/polkadot/pvf/polkadot-pvf-spawner" in x["after"]]
assert h and h[0].endswith("/etc/systemd/system/polkadot-pvf.service"), [x["after_header"] for x in d]' "$T/j" ||
        fail "--diff does not show polkadot-pvf.service"
[ ! -e "$P" ] && [ ! -e "$U" ] || fail "--check wrote the install"
TESTS_RUN=$((TESTS_RUN + 2))

expect 0 "$P/pvf/1.0.0|/opt/polkadot/pvf/1.0.0: the node and the PVF relays" \
        inst --from "$T/r1" --chain kusama --validator --worker-isolation systemd
grep -qx 'worker_isolation=systemd' "$R/etc/polkadot-installer/config" || fail "setting not stored"
# The release is as its manifest says; the node the unit runs is the same inode.
for w in polkadot-prepare-worker polkadot-execute-worker; do
        cmp -s "$P/releases/1.0.0/$w" "$T/r1/$w" || fail "release's $w is not the manifest's"
        cmp -s "$P/pvf/1.0.0/$w" "$PDI_BUILD_DIR/polkadot-pvf-relay" || fail "pvf/1.0.0/$w is not the relay"
        [ "$(stat -c '%a %u' "$P/pvf/1.0.0/$w")" = "755 0" ] || fail "$w: $(stat -c '%a %u' "$P/pvf/1.0.0/$w")"
done
[ "$(stat -c %i "$P/pvf/1.0.0/polkadot")" = "$(stat -c %i "$P/releases/1.0.0/polkadot")" ] ||
        fail "pvf/1.0.0/polkadot is not the release's node"
readelf -lW "$P/pvf/1.0.0/polkadot-prepare-worker" | grep -q INTERP && fail "the relay is not static"
[ "$(cat "$P/pvf/1.0.0/spawner-socket")" = /run/polkadot-pvf/spawner.sock ] || fail "socket file"
[ "$(readlink "$P/pvf/current")" = 1.0.0 ] || fail "pvf/current: $(readlink "$P/pvf/current")"
cmp -s "$P/pvf/polkadot-pvf-spawner" "$PDI_BUILD_DIR/polkadot-pvf-spawner" || fail "spawner not installed"
# The allow list: one line per worker, with the hash and size the manifest signed.
sha=$(sha256sum <"$T/r1/polkadot-prepare-worker" | cut -d' ' -f1)
size=$(stat -c %s "$T/r1/polkadot-prepare-worker")
grep -qx "$sha $size /opt/polkadot/pvf/1.0.0/polkadot-prepare-worker /opt/polkadot/releases/1.0.0/polkadot-prepare-worker" \
        "$P/pvf/workers.list" || { cat "$P/pvf/workers.list" >&2; fail "allow list"; }
[ "$(grep -vc '^#' "$P/pvf/workers.list")" = 2 ] || fail "allow list has other lines"
[ "$(stat -c '%a %u' "$P/pvf/workers.list")" = "644 0" ] || fail "allow list mode"
# Units and links.
for u in polkadot-pvf.service polkadot-pvf.socket polkadot-pvf.slice; do
        [ -f "$U/$u" ] || fail "no $u"
done
[ "$(readlink "$U/sockets.target.wants/polkadot-pvf.socket")" = /etc/systemd/system/polkadot-pvf.socket ] ||
        fail "socket not enabled"
grep -q '^ExecStart=/opt/polkadot/pvf/current/polkadot ' "$U/polkadot.service" || fail "node unit ExecStart"
grep -q '^RestrictNamespaces=yes$' "$U/polkadot.service" || fail "node unit keeps namespaces"
TESTS_RUN=$((TESTS_RUN + 16))

# audit: the mode, and that it is intact; the other checks judge the release, not the relays.
audit_iso() { # → the worker-isolation check's findings as "severity text" lines
        "$PDI" audit --root "$R" --json >"$T/audit.json" 2>/dev/null || true
        python3 -c 'import json,sys
c=[c for c in json.load(open(sys.argv[1]))["checks"] if c["id"]=="worker-isolation"][0]
for f in c["findings"]: print(f["severity"], f["text"])' "$T/audit.json"
}
audit_iso >"$T/iso"
grep -qx 'info worker isolation: systemd (the PVF workers run as pvf-worker under polkadot-pvf.service)' "$T/iso" ||
        fail "audit does not report systemd mode: $(cat "$T/iso")"
[ "$(grep -c '^error' "$T/iso")" = 0 ] || fail "audit finds an intact isolation broken: $(cat "$T/iso")"
python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
bad=[(c["id"],f["text"]) for c in d["checks"] if c["id"] in ("version-alignment","integrity","elf") for f in c["findings"] if f["severity"]=="error"]
assert not bad, bad' "$T/audit.json" || fail "release checks judge the relays: $(cat "$T/audit.json")"
cp "$P/pvf/1.0.0/polkadot-execute-worker" "$T/relay.bak"
cp /bin/true "$P/pvf/1.0.0/polkadot-execute-worker"
mv "$U/sockets.target.wants/polkadot-pvf.socket" "$T/link.bak"
audit_iso >"$T/iso"
grep -q '^error /opt/polkadot/pvf/1.0.0/polkadot-execute-worker is not this installer.s PVF relay' "$T/iso" ||
        fail "a replaced relay is not found: $(cat "$T/iso")"
grep -q '^error polkadot-pvf.socket is not enabled' "$T/iso" || fail "a disabled socket is not found: $(cat "$T/iso")"
printf '# empty\n' >"$P/pvf/workers.list"
audit_iso >"$T/iso"
grep -q '^error /opt/polkadot/pvf/workers.list does not allow /opt/polkadot/releases/1.0.0/polkadot-prepare-worker' "$T/iso" ||
        fail "an allow list without the workers is not found: $(cat "$T/iso")"
expect 4 '' "$PDI" audit --root "$R"
cp "$T/relay.bak" "$P/pvf/1.0.0/polkadot-execute-worker"
mv "$T/link.bak" "$U/sockets.target.wants/polkadot-pvf.socket"
TESTS_RUN=$((TESTS_RUN + 6))

# Upgrade without the flag: isolation is kept; the new release gets its pvf/ directory and
# its lines, pvf/current follows current.
expect 0 'pvf/1.1.0: the node and the PVF relays' inst --from "$T/r2"
[ "$(readlink "$P/pvf/current")" = 1.1.0 ] || fail "pvf/current did not follow: $(readlink "$P/pvf/current")"
[ "$(grep -vc '^#' "$P/pvf/workers.list")" = 4 ] || fail "allow list after upgrade"
grep -q ' /opt/polkadot/pvf/1.1.0/polkadot-execute-worker /opt/polkadot/releases/1.1.0/polkadot-execute-worker$' \
        "$P/pvf/workers.list" || fail "1.1.0 not listed"
# A second identical run changes nothing.
expect 0 '"changed": false' inst --from "$T/r2" --json
# --keep 2: the pruned release leaves pvf/ and the list with it.
expect 0 'removed old release' inst --from "$T/r3" --keep 2
[ ! -e "$P/pvf/1.0.0" ] || fail "pvf/1.0.0 outlived its release"
grep -q '/1\.0\.0/' "$P/pvf/workers.list" && fail "pruned release still allowed"
TESTS_RUN=$((TESTS_RUN + 5))

# Back to none: the node runs from current again, pvf/ and the spawner's units are gone.
# --check --diff of going back to none shows the spawner's unit going away.
inst --from "$T/r3" --worker-isolation none --check --diff --json >"$T/j" 2>"$T/e" ||
        fail "install --check: $(cat "$T/e")"
python3 -c 'import json,sys
j=json.load(open(sys.argv[1]))
assert j["changed"] is True, j
d=j["diff"]
assert any(x["before_header"].endswith("/polkadot-pvf.service") and x["after"]=="" for x in d), d' "$T/j" ||
        fail "--diff does not show polkadot-pvf.service removed"
[ -e "$U/polkadot-pvf.service" ] || fail "--check removed the spawner's unit"
expect 0 'worker isolation off' inst --from "$T/r3" --worker-isolation none
[ ! -e "$P/pvf" ] || fail "pvf/ left"
for u in polkadot-pvf.service polkadot-pvf.socket polkadot-pvf.slice \
        sockets.target.wants/polkadot-pvf.socket multi-user.target.wants/polkadot-pvf.service; do
        [ ! -e "$U/$u" ] && [ ! -L "$U/$u" ] || fail "$u left"
done
grep -q '^ExecStart=/opt/polkadot/current/polkadot ' "$U/polkadot.service" || fail "node unit not back"
grep -q '^RestrictNamespaces=no$' "$U/polkadot.service" || fail "sandbox lines not back"
audit_iso >"$T/iso"
grep -q '^info worker isolation: none' "$T/iso" || fail "audit does not report none: $(cat "$T/iso")"
TESTS_RUN=$((TESTS_RUN + 5))

# uninstall from systemd mode takes the spawner's units and pvf/ with the rest.
expect 0 'pvf/1.2.0: the node and the PVF relays' inst --from "$T/r3" --worker-isolation systemd
expect 0 'would stop and remove worker isolation' "$PDI" uninstall --root "$R" --non-interactive --check
[ -e "$P/pvf" ] && [ -e "$U/polkadot-pvf.service" ] || fail "uninstall --check removed worker isolation"
expect 0 'worker isolation off' "$PDI" uninstall --root "$R" --non-interactive
[ ! -e "$P/pvf" ] && [ ! -e "$U/polkadot-pvf.service" ] && [ ! -e "$U/polkadot-pvf.socket" ] ||
        fail "uninstall left the spawner's files"
TESTS_RUN=$((TESTS_RUN + 1))
pass
