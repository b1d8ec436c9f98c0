#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# audit on trees an attacker shaped (issue 15 §4): a path that is not UTF-8 (--json must still
# be a document, the path carried escaped and exactly), terminal escapes in paths, in a
# worker's --version output and in unit lines (never written raw to the terminal), a unit
# file of 100 MiB (reported as too large, with the cap, and not read), and a parent
# directory of the node that its user cannot search (the exec-path check names it; install
# refuses such a release before activation). The binaries are shell stand-ins (release.sh).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"
need_root "fixtures: ownership, users"
need_cmd strace
chmod 0755 "$T" # the node user runs the stand-ins in here

# ---- helpers ---------------------------------------------------------------------------
# hand ROOT [DIR]: a hand install, the unit running DIR/polkadot (default /usr/local/bin)
# as polkadot (uid 990) with its base path /srv/polkadot.
hand() {
        local r=$1 d=${2:-/usr/local/bin}
        rm -rf "$r"
        mkdir -p "$r/etc/systemd/system/multi-user.target.wants" "$r/usr/lib/systemd" "$r$d" \
                "$r/srv/polkadot"
        printf 'root:x:0:0:root:/root:/bin/sh\npolkadot:x:990:990::/home/polkadot:/usr/sbin/nologin\n' >"$r/etc/passwd"
        printf 'root:x:0:\npolkadot:x:990:\n' >"$r/etc/group"
        touch "$r/usr/lib/systemd/systemd"
        chown 990:990 "$r/srv/polkadot"
        chmod 0750 "$r/srv/polkadot"
        for b in polkadot polkadot-prepare-worker polkadot-execute-worker; do
                rel_binary "$r$d/$b" 1.0.0
        done
        printf '[Service]\nUser=polkadot\nExecStart=%s/polkadot --base-path /srv/polkadot\n\n[Install]\nWantedBy=multi-user.target\n' \
                "$d" >"$r/etc/systemd/system/polkadot.service"
        ln -s /etc/systemd/system/polkadot.service \
                "$r/etc/systemd/system/multi-user.target.wants/polkadot.service"
}

# audit_json ROOT: audit --json; rc in $RC, stdout in $T/j, stderr in $T/e.
audit_json() {
        RC=0
        "$PDI" audit --root "$1" --json >"$T/j" 2>"$T/e" || RC=$?
        TESTS_RUN=$((TESTS_RUN + 1))
}

# audit_table ROOT: audit for people; rc in $RC, stdout and stderr in $T/t.
audit_table() {
        RC=0
        "$PDI" audit --root "$1" >"$T/t" 2>&1 || RC=$?
        TESTS_RUN=$((TESTS_RUN + 1))
}

# py EXPR…: python with the document as d (exits 1 on a false assertion).
jcheck() {
        python3 - "$T/j" "$@" <<'PY' || { cat "$T/j" "$T/e" >&2; fail "JSON check failed: $2"; }
import base64, json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
def finding(cid, sev, text):
    return any(f["severity"] == sev and f["text"] == text
               for c in d["checks"] if c["id"] == cid for f in c["findings"])
def status(cid):
    return [c["status"] for c in d["checks"] if c["id"] == cid][0]
for expr in sys.argv[2:]:
    if not eval(expr):
        print("false: " + expr, file=sys.stderr)
        sys.exit(1)
PY
}

# The exit status follows the document: 4 when it counts errors, else 0.
rc_matches_summary() {
        local errors
        errors=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["errors"])' "$T/j")
        if [ "$errors" -gt 0 ]; then [ "$RC" = 4 ] || fail "$errors errors, exit $RC"; else [ "$RC" = 0 ] || fail "no errors, exit $RC"; fi
}

# No raw control byte (ESC, BEL, CSI as one byte, …) in what a terminal would show.
no_raw_controls() { # file
        if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f\x9b]' "$1"; then
                cat -v "$1" >&2
                fail "raw control bytes in $1"
        fi
}

# unit_not_read ROOT: an audit of ROOT reads at most the cap (nothing, in fact) from any
# polkadot.service (strace: a probe of this test, installed by scripts/lib.sh).
unit_not_read() {
        strace -f -o "$T/strace" -e trace=openat,read,close "$PDI" audit --root "$1" >/dev/null 2>&1 || true
        TESTS_RUN=$((TESTS_RUN + 1))
        python3 - "$T/strace" <<'PY' || fail "the 100 MiB unit was read"
import re, sys
fds, got = {}, 0
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r'^(\d+) +openat\(.*"([^"]*)".*= (\d+)$', line)
    if m:
        fds[(m[1], m[3])] = m[2].endswith("polkadot.service")
        continue
    m = re.search(r'^(\d+) +read\((\d+),.*= (\d+)$', line)
    if m and fds.get((m[1], m[2])):
        got += int(m[3])
    m = re.search(r'^(\d+) +close\((\d+)\)', line)
    if m:
        fds.pop((m[1], m[2]), None)
print("bytes read from the unit:", got)
sys.exit(0 if got <= (1 << 20) else 1)
PY
}

# ---- 1. a path that is not UTF-8 -------------------------------------------------------
R=$T/latin
hand "$R" $'/opt/p\xff'
audit_json "$R"
[ "$RC" != 1 ] || { cat "$T/e" >&2; fail "audit --json of a non-UTF-8 path failed (exit 1)"; }
jcheck 'd["target"]["node"] == "/opt/p\\xff/polkadot"' \
        'base64.b64decode(d["target"]["node_base64"]) == b"/opt/p\xff/polkadot"' \
        'd["target"]["worker_dir"] == "/opt/p\\xff"' \
        'base64.b64decode(d["target"]["worker_dir_base64"]) == b"/opt/p\xff"' \
        '"unit_base64" not in d["target"] and "base_path_base64" not in d["target"]' \
        'status("elf") == "warn"' \
        'finding("elf", "warn", "/opt/p\\xff/polkadot is not an ELF binary")' \
        'all(c["status"] != "error" for c in d["checks"] if c["id"] in ("version-alignment", "exec-path", "ownership"))'
rc_matches_summary
audit_table "$R"
grep -qF 'node:     /opt/p\xff/polkadot' "$T/t" || { cat "$T/t" >&2; fail "table: the path is not shown escaped"; }
LC_ALL=C grep -q $'\xff' "$T/t" && fail "table: a raw 0xff byte"
"$PDI" audit --root "$R" --prometheus "$T/latin.prom" >/dev/null 2>&1 || true
TESTS_RUN=$((TESTS_RUN + 1))
python3 -c 'import sys; open(sys.argv[1], encoding="utf-8").read()' "$T/latin.prom" ||
        fail "prometheus textfile is not UTF-8"
grep -qF 'node="/opt/p\\xff/polkadot"' "$T/latin.prom" || { cat "$T/latin.prom" >&2; fail "prom: node label"; }

# ---- 2. terminal escapes from the tree -------------------------------------------------
R=$T/esc
hand "$R" $'/opt/\e]0;pwned\a'
d=$'/opt/\e]0;pwned\a'
# A worker whose --version output clears the screen; a unit line with an escape.
printf '#!/bin/sh\nprintf "1.0.0\\033[2J\\n"\n' >"$R$d/polkadot-prepare-worker"
printf '[Service]\nRestrictNamespaces=\033[31myes\n' >"$R/etc/systemd/system/polkadot.service.d.conf"
mkdir -p "$R/etc/systemd/system/polkadot.service.d"
mv "$R/etc/systemd/system/polkadot.service.d.conf" "$R/etc/systemd/system/polkadot.service.d/50-x.conf"
audit_table "$R"
[ "$RC" = 4 ] || { cat -v "$T/t" >&2; fail "escapes: exit $RC, want 4 (version mismatch, RestrictNamespaces)"; }
no_raw_controls "$T/t"
grep -qF 'node:     /opt/\x1b]0;pwned\x07/polkadot' "$T/t" || { cat -v "$T/t" >&2; fail "table: node path not escaped"; }
grep -qF 'polkadot-prepare-worker prints 1.0.0\x1b[2J, the node is 1.0.0' "$T/t" ||
        { cat -v "$T/t" >&2; fail "table: version output not escaped"; }
grep -qF 'RestrictNamespaces=\x1b[31myes' "$T/t" || { cat -v "$T/t" >&2; fail "table: unit line not escaped"; }
# The JSON keeps control characters JSON-escaped in paths, \xNN in finding texts.
audit_json "$R"
[ "$RC" = 4 ] || fail "escapes --json: exit $RC"
no_raw_controls "$T/j"
jcheck 'd["target"]["node"] == "/opt/\x1b]0;pwned\x07/polkadot"' \
        'any("prints 1.0.0\\x1b[2J, the node" in f["text"] for c in d["checks"] for f in c["findings"])'
# An error line about the tree: a unit that runs a node which is not there.
R=$T/esc2
hand "$R"
printf '[Service]\nExecStart=/nowhere/\033[2Jpolkadot\n' >"$R/etc/systemd/system/polkadot.service"
audit_table "$R"
[ "$RC" = 1 ] || { cat -v "$T/t" >&2; fail "missing node: exit $RC, want 1"; }
no_raw_controls "$T/t"
grep -qF 'error: audit: /etc/systemd/system/polkadot.service runs /nowhere/\x1b[2Jpolkadot: No such file or directory' "$T/t" ||
        { cat -v "$T/t" >&2; fail "error line not escaped"; }

# ---- 3. a unit file of 100 MiB -----------------------------------------------------------
R=$T/big
hand "$R"
u=$R/etc/systemd/system/polkadot.service
truncate -s 100M "$u"
big='/etc/systemd/system/polkadot.service is too large: 104857600 bytes, a unit file may have 1048576 (not read)'
audit_json "$R"
[ "$RC" = 4 ] || { cat "$T/j" "$T/e" >&2; fail "100 MiB unit: exit $RC, want 4"; }
jcheck 'd["target"]["unit"] == "/etc/systemd/system/polkadot.service"' \
        "finding('unit', 'error', '$big')" \
        'not any("no polkadot.service" in f["text"] for c in d["checks"] for f in c["findings"])'
unit_not_read "$R"
audit_table "$R"
grep -qF "$big" "$T/t" || { cat "$T/t" >&2; fail "table: oversized unit not named"; }
# A drop-in of 100 MiB is not skipped either.
hand "$R"
mkdir -p "$R/etc/systemd/system/polkadot.service.d"
truncate -s 100M "$R/etc/systemd/system/polkadot.service.d/50-big.conf"
audit_json "$R"
[ "$RC" = 4 ] || fail "100 MiB drop-in: exit $RC, want 4"
jcheck "finding('unit', 'error', '/etc/systemd/system/polkadot.service.d/50-big.conf is too large: 104857600 bytes, a unit file may have 1048576 (not read)')"

# ---- 4. a parent directory the node user cannot search -----------------------------------
R=$T/closed
hand "$R"
audit_json "$R"
jcheck 'status("exec-path") == "ok"'
chmod 0700 "$R/usr/local"
audit_json "$R"
[ "$RC" = 4 ] || { cat "$T/j" >&2; fail "0700 parent: exit $RC, want 4"; }
jcheck "finding('exec-path', 'error', '/usr/local (mode 0700, uid 0, gid 0) is not searchable by polkadot: the node cannot reach /usr/local/bin/polkadot')"
chmod 0755 "$R/usr/local"
# The binary itself not readable and executable for the user (group 0, not polkadot's).
chmod 0750 "$R/usr/local/bin/polkadot-execute-worker"
audit_json "$R"
[ "$RC" = 4 ] || fail "0750 worker: exit $RC, want 4"
jcheck "finding('exec-path', 'error', 'polkadot cannot read and execute /usr/local/bin/polkadot-execute-worker (mode 0750, uid 0, gid 0)')"
chmod 0755 "$R/usr/local/bin/polkadot-execute-worker"
# The root of the tree itself counts ("/").
chmod 0700 "$R"
audit_json "$R"
jcheck "finding('exec-path', 'error', '/ (mode 0700, uid 0, gid 0) is not searchable by polkadot: the node cannot reach /usr/local/bin/polkadot')"
chmod 0755 "$R"
# A group the user is in does count.
chgrp 990 "$R/usr/local"
chmod 0750 "$R/usr/local"
audit_json "$R"
jcheck 'status("exec-path") == "ok"'

# Ours: the release checks before activation refuse a release its user could not run.
rel_make "$T/rel" 1.0.0 1
O=$T/ours
mkdir -p "$O/etc" "$O/opt"
cp "$PDI_SOURCE_DIR/tests/fixtures/os-release/debian" "$O/etc/os-release"
chmod 0700 "$O/opt"
expect 3 '^error: .*release 1\.0\.0 refused before activation: \[exec-path\] /opt \(mode 0700, uid 0, gid 0\) is not searchable by polkadot' \
        "$PDI" install --root "$O" --from "$T/rel" --trusted-key "$T/key.pub"
expect_one_error_line
[ ! -e "$O/opt/polkadot/current" ] || fail "refused release was activated"
chmod 0755 "$O/opt"
expect 0 'is active' "$PDI" install --root "$O" --from "$T/rel" --trusted-key "$T/key.pub"
audit_json "$O"
jcheck 'status("exec-path") == "ok"'
chmod 0700 "$O/opt/polkadot"
audit_json "$O"
[ "$RC" = 4 ] || fail "ours, /opt/polkadot 0700: exit $RC"
jcheck "finding('exec-path', 'error', '/opt/polkadot (mode 0700, uid 0, gid 0) is not searchable by polkadot: the node cannot reach /opt/polkadot/releases/1.0.0/polkadot')"
chmod 0755 "$O/opt/polkadot"
# Our unit of 100 MiB: the unchanged check (sha256 against what we rendered) does not read it.
truncate -s 100M "$O/etc/systemd/system/polkadot.service"
audit_json "$O"
[ "$RC" = 4 ] || fail "ours, 100 MiB unit: exit $RC"
jcheck "finding('unit', 'error', '/etc/systemd/system/polkadot.service is too large: 104857600 bytes, a unit file may have 1048576 (not read)')" \
        'not any("was changed since" in f["text"] for c in d["checks"] for f in c["findings"])'
unit_not_read "$O"

# Under umask 077 an install that says it is active must leave a node its user can run:
# either install sets the modes itself, or the release checks refuse (exit 3).
U=$T/umask
mkdir -p "$U/etc"
cp "$PDI_SOURCE_DIR/tests/fixtures/os-release/debian" "$U/etc/os-release"
RC=0
(umask 077 && "$PDI" install --root "$U" --from "$T/rel" --trusted-key "$T/key.pub") >"$T/out" 2>&1 || RC=$?
TESTS_RUN=$((TESTS_RUN + 1))
case $RC in
3) grep -q '\[exec-path\]' "$T/out" || { cat "$T/out" >&2; fail "umask 077: refused, but not by exec-path"; } ;;
0)
        for p in / /opt /opt/polkadot /opt/polkadot/releases /opt/polkadot/releases/1.0.0; do
                m=$(stat -c %a "$U$p")
                [ $((0$m & 1)) = 1 ] || fail "umask 077: install says active, $p is $m"
        done
        audit_json "$U"
        jcheck 'status("exec-path") == "ok"'
        ;;
*) cat "$T/out" >&2; fail "umask 077 install: exit $RC" ;;
esac

pass
