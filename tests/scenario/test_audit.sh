#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# audit on fixture trees of every layout it knows (ours, Parity's Debian package, a hand
# install, Docker), each clean fixture firing no release/install check, and for each check a
# fixture that trips exactly it. The binaries are small ELF programs built here (a hardened
# PIE node, static-pie workers) that print their version like the real ones; for `elf`, one
# node per undone hardening flag, one built for another machine and a glibc-linked worker,
# each with its exact finding and level. Host checks
# (checks_host.c, checks_node_probes.c, checks_system.c) depend on the machine and are left out of the "exactly" comparison.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"

source "$(dirname "$0")/elf.sh"
need_root "fixtures: ownership, users"
need_cmd setpriv
need_cmd strace
chmod 0755 "$T" # the non-root audit below reads a fixture in here

OUR_CHECKS="version-alignment integrity ownership writable-by-service-user exec-path elf
            base-path-owner keys-readable-by-worker unit competing-installs"

# ---- ELF stand-ins (elf.sh) ------------------------------------------------------------
mkdir -p "$T/elf"
node_elf "$T/elf/polkadot" 1.0.0
worker_elf "$T/elf/polkadot-prepare-worker" 1.0.0
worker_elf "$T/elf/polkadot-execute-worker" 1.0.0
worker_elf "$T/elf/worker-0.9.0" 0.9.0
node_elf "$T/elf/polkadot-0.9.0" 0.9.0
node_elf "$T/elf/polkadot-wx" 1.0.0 "$T/wx.c"
# One hardening flag undone each (later flags win over node_elf's), and a glibc-linked worker.
node_elf "$T/elf/polkadot-nopie" 1.0.0 -fno-PIE -no-pie
node_elf "$T/elf/polkadot-norelro" 1.0.0 -Wl,-z,norelro
node_elf "$T/elf/polkadot-lazy" 1.0.0 -Wl,-z,lazy
node_elf "$T/elf/polkadot-execstack" 1.0.0 -Wl,-z,execstack
gcc -O -DVERSION='"1.0.0"' -o "$T/elf/worker-dynamic" "$T/v.c"
foreign_elf "$T/elf/polkadot" "$T/elf/polkadot-foreign"
for f in nopie norelro lazy execstack wx foreign; do
        [ -s "$T/elf/polkadot-$f" ] || fail "gcc cannot build the $f stand-in"
done
HOST_EM=$(python3 -c 'import struct,sys; print(struct.unpack_from("<H", open(sys.argv[1],"rb").read(), 18)[0])' "$T/elf/polkadot")
FOREIGN_EM=$([ "$HOST_EM" = 183 ] && echo 62 || echo 183)

# ---- helpers ---------------------------------------------------------------------------
# audit_json ROOT: runs audit --json, keeps rc in $RC and the document in $T/j.
audit_json() {
        RC=0
        "$PDI" audit --root "$1" --json >"$T/j" 2>"$T/e" || RC=$?
        TESTS_RUN=$((TESTS_RUN + 1))
}

# fired: the release/install check ids at warn or error level, sorted, space-separated.
fired() {
        python3 - "$T/j" "$OUR_CHECKS" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ours = sys.argv[2].split()
print(" ".join(sorted(c["id"] for c in d["checks"]
                      if c["id"] in ours and c["status"] in ("warn", "error"))))
PY
}

# expect_fired ROOT "ids" [exit]: exactly these ids fire; exit 4 iff an error is found.
expect_fired() {
        local root=$1 want=$2 got
        audit_json "$root"
        got=$(fired)
        if [ "$got" != "$want" ]; then
                python3 -m json.tool "$T/j" >&2 || cat "$T/j" "$T/e" >&2
                fail "$root: expected [$want] to fire, got [$got]"
        fi
        local errors
        errors=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["errors"])' "$T/j")
        if [ "$errors" -gt 0 ]; then
                [ "$RC" = 4 ] || fail "$root: $errors errors but exit $RC"
                grep -q "audit: $errors error-level finding" "$T/e" || fail "no 'audit: N error-level findings' message"
        else
                [ "$RC" = 0 ] || { cat "$T/e"; fail "$root: no errors but exit $RC"; }
        fi
}

has_finding() { # id severity text: the document holds exactly this finding
        python3 - "$T/j" "$1" "$2" "$3" <<'PY' || { python3 -m json.tool "$T/j" >&2; fail "no $2 finding in $1: $3"; }
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if any(f["severity"] == sys.argv[3] and f["text"] == sys.argv[4]
                  for c in d["checks"] if c["id"] == sys.argv[2] for f in c["findings"]) else 1)
PY
}

host_errors() { # ids of host checks at error level (machine-dependent)
        python3 - "$T/j" "$OUR_CHECKS" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(c["id"] for c in d["checks"] if c["id"] not in sys.argv[2].split() and c["status"] == "error"))
PY
}

target_field() { # key
        python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["target"][sys.argv[2]])' "$T/j" "$1"
}

users() { # root: passwd/group with polkadot (990) and pvf-worker (991)
        mkdir -p "$1/etc" "$1/home/polkadot"
        printf 'root:x:0:0:root:/root:/bin/sh\npolkadot:x:990:990::/home/polkadot:/usr/sbin/nologin\npvf-worker:x:991:991::/nonexistent:/usr/sbin/nologin\n' >"$1/etc/passwd"
        printf 'root:x:0:\npolkadot:x:990:\npvf-worker:x:991:\n' >"$1/etc/group"
        chown 990:990 "$1/home/polkadot"
}

workers_into() { # dir [prepare-worker source]
        mkdir -p "$1"
        install -m 0755 "${2:-$T/elf/polkadot-prepare-worker}" "$1/polkadot-prepare-worker"
        install -m 0755 "$T/elf/polkadot-execute-worker" "$1/polkadot-execute-worker"
}

enable() { # root unit-name
        mkdir -p "$1/etc/systemd/system/multi-user.target.wants"
        ln -sf "/etc/systemd/system/$2" "$1/etc/systemd/system/multi-user.target.wants/$2"
}

# ---- ours: installed by polkadot-installer from a release of ELF binaries ----------------
REL_EDIT='
import hashlib as _h, shutil as _sh
for _a in d["artifacts"]:
    _p = os.path.join(d_, _a["name"])
    _sh.copyfile(os.path.join(os.environ["ELF_DIR"], _a["name"]), _p)
    _b = open(_p, "rb").read()
    _a["sha256"] = _h.sha256(_b).hexdigest()
    _a["size"] = len(_b)
' ELF_DIR=$T/elf rel_make "$T/rel" 1.0.0 1

ours() { # root: a fresh install of ours
        rm -rf "$1"
        mkdir -p "$1/etc"
        cp "$PDI_SOURCE_DIR/tests/fixtures/os-release/debian" "$1/etc/os-release"
        "$PDI" install --root "$1" --from "$T/rel" --trusted-key "$T/key.pub" -q >"$T/inst" 2>&1 ||
                { cat "$T/inst" >&2; fail "install into $1 failed"; }
}

R=$T/ours
ours "$R"
expect_fired "$R" ""
[ "$(target_field kind)" = polkadot-installer ] || fail "kind: $(target_field kind)"
[ "$(target_field worker_dir)" = /opt/polkadot/releases/1.0.0 ] || fail "worker_dir: $(target_field worker_dir)"
[ "$(target_field version)" = 1.0.0 ] || fail "version: $(target_field version)"
# The stable ids, in run order, each one documented.
ids=$(python3 -c 'import json,sys; print(" ".join(c["id"] for c in json.load(open(sys.argv[1]))["checks"]))' "$T/j")
want_ids="version-alignment integrity ownership writable-by-service-user exec-path elf base-path-owner keys-readable-by-worker node-key unit service competing-installs seccomp landlock userns-pivot-root sandbox cgroups selinux apparmor noexec free-space node-probes unit-sandbox-probes"
[ "$ids" = "$want_ids" ] || fail "check ids: [$ids]"
for id in $ids; do
        grep -q "\`$id\`" "$PDI_SOURCE_DIR/docs/audit-json.md" || fail "docs/audit-json.md does not list $id"
done
[ -z "$(host_errors)" ] || echo "note: host checks report errors on this machine: $(host_errors)"

# The table for people, and the node_exporter textfile.
"$PDI" audit --root "$R" --prometheus "$T/audit.prom" >"$T/table" 2>&1 || true
grep -Eq '^integrity +OK ' "$T/table" || { cat "$T/table"; fail "table has no 'integrity OK' line"; }
grep -q '^# TYPE polkadot_installer_check_status gauge$' "$T/audit.prom" || fail "prom: no TYPE line"
grep -q '^# HELP polkadot_installer_check_status ' "$T/audit.prom" || fail "prom: no HELP line"
grep -q '^polkadot_installer_check_status{check="integrity"} 0$' "$T/audit.prom" || fail "prom: integrity not 0"
grep -q '^polkadot_installer_check_status{check="elf"} 0$' "$T/audit.prom" || fail "prom: elf not 0"
grep -q '^polkadot_installer_info{version="1.0.0",kind="polkadot-installer",node="/opt/polkadot/releases/1.0.0/polkadot"} 1$' \
        "$T/audit.prom" || { cat "$T/audit.prom"; fail "prom: info line"; }
ls -a "$T" | grep -q '\.tmp\.' && fail "prom: temporary file left behind"
TESTS_RUN=$((TESTS_RUN + 1))

# integrity: one byte more in a worker (it still runs and is still a fine ELF).
echo >>"$R/opt/polkadot/releases/1.0.0/polkadot-execute-worker"
expect_fired "$R" "integrity"
"$PDI" audit --root "$R" --prometheus "$T/audit.prom" >/dev/null 2>&1 || true
grep -q '^polkadot_installer_check_status{check="integrity"} 3$' "$T/audit.prom" || fail "prom: integrity not 3"
ours "$R"

# integrity without a usable manifest: every binary swapped for another release's, which
# agree with each other, and the manifest gone, damaged, of another version, or not the one
# state.json recorded. Nothing else can tell; integrity must, not skip as if foreign.
rd=$R/opt/polkadot/releases/1.0.0
mj=/opt/polkadot/releases/1.0.0/manifest.json
cp "$rd/manifest.json" "$T/manifest.good"
install -m 0755 "$T/elf/polkadot-0.9.0" "$rd/polkadot"
install -m 0755 "$T/elf/worker-0.9.0" "$rd/polkadot-prepare-worker"
install -m 0755 "$T/elf/worker-0.9.0" "$rd/polkadot-execute-worker"
rm "$rd/manifest.json"
expect_fired "$R" "integrity"
has_finding integrity error "$mj: cannot read: No such file or directory; the installed files cannot be verified"
[ "$RC" = 4 ] || fail "missing manifest: exit $RC"
[ "$(target_field version)" = 1.0.0 ] || fail "version without a manifest: $(target_field version)"
echo '{"schema": 1' >"$rd/manifest.json"
expect_fired "$R" "integrity"
python3 -c 'import json,sys; t=[f["text"] for c in json.load(open(sys.argv[1]))["checks"] if c["id"]=="integrity" for f in c["findings"]]; sys.exit(0 if len(t)==1 and t[0].startswith(sys.argv[2]+": not a valid manifest (") and t[0].endswith("); the installed files cannot be verified") else 1)' "$T/j" "$mj" ||
        fail "damaged manifest not named"
[ "$RC" = 4 ] || fail "damaged manifest: exit $RC"
python3 -c 'import json,sys; d=json.load(open(sys.argv[2])); d["version"]="1.0.1"; json.dump(d, open(sys.argv[1],"w"))' "$rd/manifest.json" "$T/manifest.good"
expect_fired "$R" "integrity"
has_finding integrity error "$mj: names release 1.0.1, not 1.0.0; the installed files cannot be verified"
[ "$RC" = 4 ] || fail "manifest of another version: exit $RC"
ours "$R"
# The manifest re-serialised (same content, other bytes): not what was accepted.
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); json.dump(d, open(sys.argv[1],"w"), indent=4)' "$rd/manifest.json"
expect_fired "$R" "integrity"
has_finding integrity error "$mj differs from the manifest accepted at install time"
ours "$R"
# state.json without the record of the release, or the record without its hash.
st=$R/var/lib/polkadot-installer/state.json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["instances"]["polkadot"]["releases"]["1.0.0"]["manifest_sha256"]; json.dump(d, open(sys.argv[1],"w"))' "$st"
expect_fired "$R" "integrity"
has_finding integrity error "$mj cannot be checked against the install record: /var/lib/polkadot-installer/state.json: the record of release 1.0.0 has no manifest_sha256"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["instances"]["polkadot"]["releases"]["1.0.0"]; json.dump(d, open(sys.argv[1],"w"))' "$st"
expect_fired "$R" "integrity"
has_finding integrity error "$mj cannot be checked against the install record: /var/lib/polkadot-installer/state.json has no record of release 1.0.0"
[ "$RC" = 4 ] || fail "no record: exit $RC"
ours "$R"
# As non-root: state.json (0600) cannot be read; said at info level, not an error.
RC=0
setpriv --reuid=65534 --regid=65534 --clear-groups "$PDI" audit --root "$R" --json >"$T/j" 2>"$T/e" || RC=$?
TESTS_RUN=$((TESTS_RUN + 1))
has_finding integrity info "$mj not compared with the install record: state /var/lib/polkadot-installer/state.json: Permission denied"
[ "$RC" = 0 ] || fail "non-root audit of a clean install: exit $RC"

# ownership: o+w on a parent directory (which polkadot and pvf-worker may then write).
chmod o+w "$R/opt/polkadot"
expect_fired "$R" "ownership writable-by-service-user"
grep -q '/opt/polkadot (mode 0757), other-writable' "$T/j" || fail "ownership finding does not name the directory"
has_finding writable-by-service-user error "/opt/polkadot is writable by pvf-worker"
chmod o-w "$R/opt/polkadot"

# writable-by-service-user: the release directory handed to polkadot.
uid=$(awk -F: '$1 == "polkadot" {print $3}' "$R/etc/passwd")
chown "$uid" "$R/opt/polkadot/releases"
expect_fired "$R" "ownership writable-by-service-user"
chown 0 "$R/opt/polkadot/releases"

# competing-installs: a second worker set in /usr/lib/polkadot (the node keeps its own).
workers_into "$R/usr/lib/polkadot"
expect_fired "$R" "competing-installs"
[ "$(target_field other_worker_dir)" = /usr/lib/polkadot ] || fail "other_worker_dir: $(target_field other_worker_dir)"
grep -q 'multiple sets of worker binaries found' "$T/j" || fail "competing finding does not explain"
rm -rf "$R/usr/lib/polkadot"
# … and another polkadot in PATH.
mkdir -p "$R/usr/bin"
install -m 0755 "$T/elf/polkadot" "$R/usr/bin/polkadot"
expect_fired "$R" "competing-installs"
rm "$R/usr/bin/polkadot"
# … and the Debian package recorded by dpkg besides ours.
mkdir -p "$R/var/lib/dpkg"
printf 'Package: polkadot\nStatus: install ok installed\nVersion: 1.0.0\n\n' >"$R/var/lib/dpkg/status"
expect_fired "$R" "competing-installs"
has_finding competing-installs warn "the Debian package polkadot is installed as well"
[ "$(target_field kind)" = polkadot-installer ] || fail "kind with dpkg's record: $(target_field kind)"
rm -r "$R/var/lib/dpkg"
mkdir -p "$R/usr/local/sbin" # first in systemd's (and root's) search path
install -m 0755 "$T/elf/polkadot" "$R/usr/local/sbin/polkadot"
expect_fired "$R" "competing-installs"
has_finding competing-installs warn "another polkadot in PATH: /usr/local/sbin/polkadot (/usr/local/sbin/polkadot), not the node the service runs (/opt/polkadot/releases/1.0.0/polkadot)"
rm "$R/usr/local/sbin/polkadot"

# base-path-owner: the base path owned by root; needs only lstat, so as non-root too.
bp=$R/var/lib/polkadot
chown 0:0 "$bp"
owner_text='base path /var/lib/polkadot owned by root: the node (polkadot) cannot write its database, workers fail with "TmpPath"'
expect_fired "$R" "base-path-owner"
has_finding base-path-owner error "$owner_text"
RC=0
setpriv --reuid=65534 --regid=65534 --clear-groups "$PDI" audit --root "$R" --json >"$T/j" 2>"$T/e" || RC=$?
TESTS_RUN=$((TESTS_RUN + 1))
has_finding base-path-owner error "$owner_text"
[ "$RC" = 4 ] || fail "non-root audit, base path owned by root: exit $RC"
chown "$uid:$uid" "$bp"
# keys-readable-by-worker:
# … and a key readable by pvf-worker.
mkdir -p "$bp/chains/polkadot/keystore"
echo '"0x00"' >"$bp/chains/polkadot/keystore/6772616e00"
chown -R "$uid:$uid" "$bp"
chmod 0700 "$bp" # the default: nothing below is reachable for pvf-worker
expect_fired "$R" ""
chmod 0755 "$bp" "$bp/chains" "$bp/chains/polkadot" "$bp/chains/polkadot/keystore"
chmod 0644 "$bp/chains/polkadot/keystore/6772616e00"
expect_fired "$R" "keys-readable-by-worker"
grep -q 'keystore/6772616e00 is readable by pvf-worker' "$T/j" || fail "key finding does not name the key"
# A symlinked base path (/var/lib/polkadot -> /data/pd): the real directory's 0700 keeps the
# keys out, and is what counts.
mkdir -p "$R/data"
mv "$bp" "$R/data/pd"
ln -s /data/pd "$bp"
chmod 0700 "$R/data/pd"
expect_fired "$R" ""
chmod 0755 "$R/data/pd"
expect_fired "$R" "keys-readable-by-worker"
has_finding keys-readable-by-worker error "/var/lib/polkadot/chains/polkadot/keystore/6772616e00 is readable by pvf-worker"
# A key that cannot be resolved is "cannot tell", never readable.
rm "$R/data/pd/chains/polkadot/keystore/6772616e00" # (not through $bp: it names /data/pd)
ln -s loop "$R/data/pd/chains/polkadot/keystore/loop"
expect_fired "$R" ""
has_finding keys-readable-by-worker info "/var/lib/polkadot/chains/polkadot/keystore/loop: cannot tell whether pvf-worker can read it: /var/lib/polkadot/chains/polkadot/keystore/loop: Too many levels of symbolic links"
rm "$bp"
mv "$R/data/pd" "$bp"
rm -rf "$bp/chains"
chmod 0750 "$bp"

# unit: changed since rendered, and not enabled.
echo "# edited" >>"$R/etc/systemd/system/polkadot.service"
expect_fired "$R" "unit"
grep -q 'was changed since polkadot-installer rendered it' "$T/j" || fail "edited unit not reported"
ours "$R"
rm "$R/etc/systemd/system/multi-user.target.wants/polkadot.service"
expect_fired "$R" "unit"
grep -q 'is not enabled' "$T/j" || fail "disabled unit not reported"
ours "$R"

# ---- the Debian package layout ------------------------------------------------------------
D=$T/deb
users "$D"
mkdir -p "$D/usr/bin" "$D/lib/systemd/system" "$D/etc/default" "$D/var/lib/dpkg" "$D/usr/lib/systemd"
install -m 0755 "$T/elf/polkadot" "$D/usr/bin/polkadot"
workers_into "$D/usr/lib/polkadot"
echo 'POLKADOT_CLI_ARGS=""' >"$D/etc/default/polkadot"
touch "$D/usr/lib/systemd/systemd"
printf 'Package: polkadot\nStatus: install ok installed\nVersion: 1.0.0\n\n' >"$D/var/lib/dpkg/status"
cat >"$D/lib/systemd/system/polkadot.service" <<'EOF'
[Unit]
Description=Polkadot Node
After=network.target
Documentation=https://github.com/paritytech/polkadot-sdk

[Service]
EnvironmentFile=-/etc/default/polkadot
ExecStart=/usr/bin/polkadot $POLKADOT_CLI_ARGS
User=polkadot
Group=polkadot
Restart=always
RestartSec=120
CapabilityBoundingSet=
LockPersonality=true
NoNewPrivileges=true
PrivateDevices=true
PrivateMounts=true
PrivateTmp=true
PrivateUsers=true
ProtectClock=true
ProtectControlGroups=true
ProtectHostname=true
ProtectKernelModules=true
ProtectKernelTunables=true
ProtectSystem=strict
RemoveIPC=true
RestrictAddressFamilies=AF_INET AF_INET6 AF_NETLINK AF_UNIX
RestrictNamespaces=false
RestrictSUIDSGID=true
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=landlock_add_rule landlock_create_ruleset landlock_restrict_self seccomp mount umount2
SystemCallFilter=~@clock @module @mount @reboot @swap @privileged
SystemCallFilter=pivot_root
UMask=0027

[Install]
WantedBy=multi-user.target
EOF
enable "$D" polkadot.service
expect_fired "$D" "unit"
grep -q 'denies mount' "$T/j" && grep -q 'denies umount2' "$T/j" ||
        fail "~@mount after the allow line must take mount and umount2 back out"
sed -i 's/ @mount / /' "$D/lib/systemd/system/polkadot.service"
expect_fired "$D" ""
[ "$(target_field kind)" = debian-package ] || fail "kind: $(target_field kind)"
[ "$(target_field worker_dir)" = /usr/lib/polkadot ] || fail "worker_dir: $(target_field worker_dir)"
[ "$(target_field base_path)" = /home/polkadot/.local/share/polkadot ] || fail "base_path: $(target_field base_path)"
grep -q '"not installed by polkadot-installer: no signed manifest to compare with"' "$T/j" ||
        fail "integrity not skipped for a foreign install"
# A drop-in in /etc that filters pivot_root again breaks the sandbox.
mkdir -p "$D/etc/systemd/system/polkadot.service.d"
printf '[Service]\nSystemCallFilter=~pivot_root\n' >"$D/etc/systemd/system/polkadot.service.d/50-tight.conf"
expect_fired "$D" "unit"
grep -q 'denies pivot_root' "$T/j" || fail "drop-in filtering pivot_root not reported"
rm -r "$D/etc/systemd/system/polkadot.service.d"
# --workers-path in /etc/default/polkadot: only there.
mkdir -p "$D/srv/w"
workers_into "$D/srv/w" "$T/elf/worker-0.9.0"
echo 'POLKADOT_CLI_ARGS="--validator --workers-path /srv/w --base-path /srv/base"' >"$D/etc/default/polkadot"
expect_fired "$D" "competing-installs version-alignment"
[ "$(target_field worker_dir)" = /srv/w ] || fail "--workers-path not honoured: $(target_field worker_dir)"
[ "$(target_field base_path)" = /srv/base ] || fail "--base-path not honoured: $(target_field base_path)"
grep -q 'polkadot-prepare-worker prints 0.9.0, the node is 1.0.0' "$T/j" || fail "version mismatch not named"

# ---- a hand install: /usr/local/bin and a unit in /etc/systemd/system ------------------------
# Its unit is unhardened: from here on, 'unit' warns with its exposure (issue 14 §3).
H=$T/hand
users "$H"
mkdir -p "$H/usr/local/bin" "$H/etc/systemd/system" "$H/usr/lib/systemd" "$H/srv/polkadot"
touch "$H/usr/lib/systemd/systemd"
install -m 0755 "$T/elf/polkadot" "$H/usr/local/bin/polkadot"
workers_into "$H/usr/local/bin"
# A validator's network key where the node looks without --node-key-file (polkadot >= 1.11
# refuses --validator without one; the node-key check, test_node_key.sh).
mkdir -p "$H/srv/polkadot/chains/polkadot/network"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$H/srv/polkadot/chains/polkadot/network/secret_ed25519"
chmod 0600 "$H/srv/polkadot/chains/polkadot/network/secret_ed25519"
chown -R 990:990 "$H/srv/polkadot"
chmod 0750 "$H/srv/polkadot"
cat >"$H/etc/systemd/system/polkadot.service" <<'EOF'
[Service]
User=polkadot
ExecStart=/usr/local/bin/polkadot --validator \
    --base-path /srv/polkadot --chain polkadot
Restart=always

[Install]
WantedBy=multi-user.target
EOF
enable "$H" polkadot.service
# Its unit has no hardening: 'unit' warns with its systemd-analyze exposure (issue 14 §3).
expect_fired "$H" "unit"
grep -q 'systemd-analyze security exposure' "$T/j" || fail "no exposure finding for the unhardened unit"
[ "$(target_field kind)" = manual ] || fail "kind: $(target_field kind)"
[ "$(target_field base_path)" = /srv/polkadot ] || fail "base_path: $(target_field base_path)"
# dpkg's status file (which can be large) without polkadot: read once per audit (discovery
# and competing-installs used to read it each).
mkdir -p "$H/var/lib/dpkg"
printf 'Package: bash\nStatus: install ok installed\nVersion: 5.2\n\n' >"$H/var/lib/dpkg/status"
strace -f -o "$T/strace" -e trace=openat,openat2 "$PDI" audit --root "$H" --json >/dev/null 2>&1 || true
TESTS_RUN=$((TESTS_RUN + 1))
n=$(grep -c 'var/lib/dpkg/status"' "$T/strace" || true)
[ "$n" = 1 ] || fail "dpkg's status file opened $n times in one audit"
expect_fired "$H" "unit"
rm -r "$H/var/lib/dpkg"
# Root without CAP_SETUID/CAP_SETGID (a confined container) cannot become the service user
# for the version check: the finding says why.
RC=0
setpriv --bounding-set=-setuid,-setgid "$PDI" audit --root "$H" --json >"$T/j" 2>"$T/e" || RC=$?
TESTS_RUN=$((TESTS_RUN + 1))
has_finding version-alignment error "/usr/local/bin/polkadot --version: exit status 127: cannot drop privileges: setgroups: Operation not permitted"
[ "$RC" = 4 ] || fail "version check that cannot drop privileges: exit $RC"
# A worker of another version.
install -m 0755 "$T/elf/worker-0.9.0" "$H/usr/local/bin/polkadot-execute-worker"
expect_fired "$H" "unit version-alignment"
grep -q 'polkadot-execute-worker prints 0.9.0, the node is 1.0.0' "$T/j" || fail "mismatch not named"
workers_into "$H/usr/local/bin"
# A node with a writable and executable segment.
install -m 0755 "$T/elf/polkadot-wx" "$H/usr/local/bin/polkadot"
expect_fired "$H" "elf unit"
grep -q 'writable and executable' "$T/j" || fail "W+X not named"
install -m 0755 "$T/elf/polkadot" "$H/usr/local/bin/polkadot"
# The node built without one hardening flag: each named, at its level.
elf_node_case() { # stand-in severity text [more fired ids]
        install -m 0755 "$T/elf/polkadot-$1" "$H/usr/local/bin/polkadot"
        expect_fired "$H" "${4:-elf unit}"
        has_finding elf "$2" "/usr/local/bin/polkadot $3"
        local n
        n=$(python3 -c 'import json,sys; print(sum(len(c["findings"]) for c in json.load(open(sys.argv[1]))["checks"] if c["id"]=="elf"))' "$T/j")
        [ "$n" = 1 ] || { python3 -m json.tool "$T/j" >&2; fail "$1: $n elf findings, want 1"; }
        if [ "$2" = error ]; then [ "$RC" = 4 ] || fail "$1: exit $RC"; else [ "$RC" = 0 ] || fail "$1: exit $RC"; fi
}
elf_node_case nopie warn "is not PIE: its addresses are not randomised"
elf_node_case norelro warn "has no RELRO segment"
elf_node_case lazy warn "is not linked with BIND_NOW (no full RELRO)"
elf_node_case execstack error "asks for an executable stack"
elf_node_case wx error "has a loadable segment that is writable and executable"
# Built for another machine: it cannot run either, so the version check fails too.
elf_node_case foreign error "is built for ELF machine $FOREIGN_EM, this host is $HOST_EM" "elf unit version-alignment"
install -m 0755 "$T/elf/polkadot" "$H/usr/local/bin/polkadot"
# A glibc-linked worker: only a warning (upstream ships them so).
install -m 0755 "$T/elf/worker-dynamic" "$H/usr/local/bin/polkadot-prepare-worker"
expect_fired "$H" "elf unit"
has_finding elf warn "/usr/local/bin/polkadot-prepare-worker is dynamically linked (1 needed library)"
[ "$RC" = 0 ] || fail "dynamically linked worker: exit $RC"
workers_into "$H/usr/local/bin"
# A shell-script stand-in is only a warning.
rel_binary "$H/usr/local/bin/polkadot" 1.0.0
expect_fired "$H" "elf unit"
grep -q 'is not an ELF binary' "$T/j" || fail "script not named"
[ "$RC" = 0 ] || fail "a script stand-in must not be an error"
install -m 0755 "$T/elf/polkadot" "$H/usr/local/bin/polkadot"
# Namespaces restricted.
sed -i 's/^Restart=always/Restart=always\nRestrictNamespaces=yes/' "$H/etc/systemd/system/polkadot.service"
expect_fired "$H" "unit"
grep -q 'RestrictNamespaces=yes' "$T/j" || fail "RestrictNamespaces not named"
sed -i 's/^RestrictNamespaces=yes/MemoryDenyWriteExecute=yes/' "$H/etc/systemd/system/polkadot.service"
expect_fired "$H" "unit"
sed -i '/^MemoryDenyWriteExecute=yes/d' "$H/etc/systemd/system/polkadot.service"
# An allow list without the sandbox's calls. Which calls @system-service holds depends on
# the root's systemd (its libsystemd-shared-<version>.so): 257 put @sandbox (landlock_*,
# seccomp) into @default, which every allow list includes; before that only unshare.
unit_denies() { # the calls the unit check says SystemCallFilter= denies, in order
        python3 -c 'import json,re,sys; print(" ".join(re.search(r"denies (\S+):", f["text"]).group(1) for c in json.load(open(sys.argv[1]))["checks"] if c["id"]=="unit" for f in c["findings"] if f["severity"]=="error"))' "$T/j"
}
hu=$H/etc/systemd/system/polkadot.service
shared=$H/usr/lib/x86_64-linux-gnu/systemd
sed -i 's/^Restart=always/Restart=always\nSystemCallFilter=@system-service/' "$hu"
for v in 252 256 257; do
        rm -rf "$shared"
        mkdir -p "$shared"
        touch "$shared/libsystemd-shared-$v.so"
        expect_fired "$H" "unit"
        if [ "$v" -lt 257 ]; then want="landlock_create_ruleset landlock_add_rule landlock_restrict_self seccomp mount umount2 pivot_root"; else want="mount umount2 pivot_root"; fi
        [ "$(unit_denies)" = "$want" ] || fail "systemd $v, @system-service: denies [$(unit_denies)], want [$want]"
done
has_finding unit error "SystemCallFilter= (last set in /etc/systemd/system/polkadot.service) denies pivot_root: Secure Validator Mode cannot start its workers"
# Unknown version (no library, no systemd.pc): judged as the newest.
rm -rf "$shared"
expect_fired "$H" "unit"
[ "$(unit_denies)" = "mount umount2 pivot_root" ] || fail "unknown systemd, @system-service: denies [$(unit_denies)]"
# systemd.pc names it when the library does not.
mkdir -p "$H/usr/share/pkgconfig"
printf 'prefix=/usr\nVersion: 255\n' >"$H/usr/share/pkgconfig/systemd.pc"
expect_fired "$H" "unit"
[ "$(unit_denies)" = "landlock_create_ruleset landlock_add_rule landlock_restrict_self seccomp mount umount2 pivot_root" ] ||
        fail "systemd.pc 255, @system-service: denies [$(unit_denies)]"
rm -r "$H/usr/share/pkgconfig"
# A deny list of @sandbox: the very filter that kills SVM's workers with status=31/SYS. A
# systemd before 254 does not know the group and ignores it.
sed -i 's/^SystemCallFilter=.*/SystemCallFilter=~@sandbox/' "$hu"
for v in 254 257; do
        rm -rf "$shared"
        mkdir -p "$shared"
        touch "$shared/libsystemd-shared-$v.so"
        expect_fired "$H" "unit"
        [ "$(unit_denies)" = "landlock_create_ruleset landlock_add_rule landlock_restrict_self seccomp" ] ||
                fail "systemd $v, ~@sandbox: denies [$(unit_denies)]"
        has_finding unit error "SystemCallFilter= (last set in /etc/systemd/system/polkadot.service) denies seccomp: Secure Validator Mode cannot start its workers"
done
rm -rf "$shared"
mkdir -p "$shared"
touch "$shared/libsystemd-shared-253.so"
expect_fired "$H" "unit"
rm -rf "$shared"
sed -i '/^SystemCallFilter=/d' "$hu"
expect_fired "$H" "unit"
# The node symlinked from elsewhere: workers are looked up next to the resolved executable.
mkdir -p "$H/opt/pd"
mv "$H/usr/local/bin/polkadot" "$H/opt/pd/polkadot"
ln -s ../../../opt/pd/polkadot "$H/usr/local/bin/polkadot"
workers_into "$H/opt/pd" "$T/elf/worker-0.9.0"
expect_fired "$H" "unit version-alignment"
[ "$(target_field worker_dir)" = /opt/pd ] || fail "workers not next to the resolved node: $(target_field worker_dir)"
rm -rf "$H/opt/pd" "$H/usr/local/bin/polkadot"
install -m 0755 "$T/elf/polkadot" "$H/usr/local/bin/polkadot"

# ---- the Docker layout: /usr/local/bin, no systemd --------------------------------------------
K=$T/docker
users "$K"
mkdir -p "$K/usr/local/bin"
install -m 0755 "$T/elf/polkadot" "$K/usr/local/bin/polkadot"
workers_into "$K/usr/local/bin"
expect_fired "$K" ""
[ "$(target_field kind)" = docker ] || fail "kind: $(target_field kind)"
grep -q '"no systemd in the Docker layout"' "$T/j" || fail "unit not skipped for Docker"
# Without the workers (the upstream image mistake).
rm "$K/usr/local/bin/polkadot-prepare-worker" "$K/usr/local/bin/polkadot-execute-worker"
expect_fired "$K" "version-alignment"
grep -q 'Worker binaries could not be found' "$T/j" || fail "missing workers not explained"
workers_into "$K/usr/local/bin"

# As non-root: checks that need root say so.
mkdir -p "$K/home/polkadot/.local/share/polkadot"
chmod -R a+rX "$K"
setpriv --reuid=65534 --regid=65534 --clear-groups "$PDI" audit --root "$K" >"$T/out" 2>&1 || true
TESTS_RUN=$((TESTS_RUN + 1))
grep -Eq '^keys-readable-by-worker +SKIP +skipped: needs root' "$T/out" ||
        { cat "$T/out"; fail "non-root audit does not say 'skipped: needs root'"; }
grep -Eq '^version-alignment +OK' "$T/out" || { cat "$T/out"; fail "non-root version check did not run"; }

# No node at all: a clear failure, exit 1.
mkdir -p "$T/empty"
expect 1 'no polkadot node found' "$PDI" audit --root "$T/empty"
# A unit whose ExecStart= systemd cannot split: named, with the reason, exit 1.
mkdir -p "$T/badunit/etc/systemd/system"
printf '[Service]\nExecStart=/usr/local/bin/polkadot "--validator\n' >"$T/badunit/etc/systemd/system/polkadot.service"
expect 1 '^error: audit: /etc/systemd/system/polkadot.service: ExecStart=: unbalanced quoting$' "$PDI" audit --root "$T/badunit"
expect_one_error_line

pass
