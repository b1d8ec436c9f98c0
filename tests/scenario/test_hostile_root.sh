#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A --root whose owner is the attacker (DESIGN §8; issue 15 §3, §4): nothing follows a link
# out of the root or blocks on a FIFO, a root-equivalent `polkadot` account is refused, modes
# do not depend on the umask, and a refused first install leaves no lock file. Every case runs (a FAIL
# is counted, not fatal) so one run shows each that breaks; commands that used to hang run
# under `timeout 20`, and a timeout (exit 124) is a failure. Scratch roots only, under $T.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"

FAILED=0
bad() {
        echo "FAIL: $*" >&2
        FAILED=$((FAILED + 1))
}
# run CODE REGEX CMD...: like expect, but counted; a hang (124) is named as one.
run() {
        local code=$1 re=$2 rc=0
        shift 2
        RUN_OK=0
        timeout 20 bash -c '"$@"' run "$@" </dev/null >"$T/out" 2>&1 || rc=$?
        TESTS_RUN=$((TESTS_RUN + 1))
        if [ "$rc" = 124 ]; then
                bad "hung (killed after 20 s): $*"
        elif [ "$rc" != "$code" ]; then
                sed 's/^/  | /' "$T/out" >&2
                bad "expected exit $code, got $rc: $*"
        elif ! grep -Eq -- "$re" "$T/out"; then
                sed 's/^/  | /' "$T/out" >&2
                bad "expected output matching /$re/: $*"
        elif [ "$code" != 0 ] && [ "$(grep -c '^error: ' "$T/out")" != 1 ]; then
                sed 's/^/  | /' "$T/out" >&2
                bad "expected exactly one error line: $*"
        else
                RUN_OK=1
        fi
}
# What a link target outside the root looks like: entries, owners, modes, mtimes, hashes.
outside() { (cd "$1" && find . -printf '%p %y %m %u:%g %s %T@\n' | sort && find . -type f -exec sha256sum {} + | sort); }

mkdir -p "$T/srv"
rel_make "$T/srv/1.0.0" 1.0.0 10
rel_make "$T/srv/1.1.0" 1.1.0 11
rel_serve "$T/srv"
M1="$REL_URL/1.0.0/manifest.json"
M2="$REL_URL/1.1.0/manifest.json"
inst() { "$PDI" install --root "$1" --trusted-key "$T/key.pub" --no-start --manifest "${2:-$M1}"; }
export -f inst
export PDI T M1
BASE="$T/base"
mkdir -p "$BASE"
inst "$BASE" >"$T/base.log" 2>&1 || { cat "$T/base.log" >&2; fail "base install"; }
fresh() { rm -rf "$1" && cp -a "$BASE" "$1"; }

# --- 1. A symlinked etc/ (or etc/passwd) never gets systemd-sysusers or us writing outside.
# The link is absolute: inside the root it names $R$T/outside/etc, which exists, so only a
# tool that resolves it on the host would reach $T/outside/etc.
R="$T/r-etc"
mkdir -p "$R" "$T/outside/etc"
printf 'root:x:0:0::/root:/bin/sh\n' >"$T/outside/etc/passwd"
printf 'root:x:0:\n' >"$T/outside/etc/group"
touch -d '2020-01-01' "$T/outside/etc/passwd" "$T/outside/etc/group" "$T/outside/etc"
outside "$T/outside" >"$T/outside.before"
ln -s "$T/outside/etc" "$R/etc"
mkdir -p "$R$T/outside/etc"
run 0 'created system user polkadot .*written directly' inst "$R"
outside "$T/outside" | diff "$T/outside.before" - >&2 || bad "install --root wrote through the etc link"
grep -q '^polkadot:' "$R$T/outside/etc/passwd" 2>/dev/null || bad "the account is not in the root's own etc"

R="$T/r-passwd"
mkdir -p "$R/etc"
ln -s "$T/outside/etc/passwd" "$R/etc/passwd"
run 1 "^error: .*$R/etc/passwd: is a symlink, refusing to follow it" inst "$R"
outside "$T/outside" | diff "$T/outside.before" - >&2 || bad "install --root wrote through the passwd link"

# --- 2. The base path swapped for a link to etc/: refused, the target's owner and mode kept.
R="$T/r-base"
fresh "$R"
before=$(stat -c '%u:%g %a %Y' "$R/etc")
rm -rf "$R/var/lib/polkadot"
ln -s /etc "$R/var/lib/polkadot"
run 3 '^error: .*base path /var/lib/polkadot is a symlink; refusing to follow it' inst "$R" "$M2"
[ "$(stat -c '%u:%g %a %Y' "$R/etc")" = "$before" ] || bad "the link target was chowned: $(stat -c '%u:%g %a' "$R/etc")"
[ "$(readlink "$R/opt/polkadot/current")" = releases/1.0.0 ] || bad "a refused install moved current"

# --- 3. A FIFO at any path read inside the root: a clear error, never a hang.
fifo_case() { # path-in-root code regex command...
        local p=$1 code=$2 re=$3
        shift 3
        R="$T/r-fifo"
        fresh "$R"
        rm -rf "${R:?}$p"
        mkdir -p "$(dirname "$R$p")"
        mkfifo "$R$p"
        run "$code" "$re" "$@"
        [ "$RUN_OK" = 1 ] || echo "  (FIFO at $p)" >&2
}
for p in /var/lib/polkadot-installer/state.json /etc/polkadot-installer/config /etc/passwd \
        /etc/group; do
        fifo_case "$p" 1 "^error: .*$p: (is )?not a regular file" inst "$T/r-fifo"
done
fifo_case /etc/polkadot-installer/trusted-keys/extra.pub 3 \
        '^error: trusted key /etc/polkadot-installer/trusted-keys/extra.pub: not a regular file' inst "$T/r-fifo"
fifo_case /etc/os-release 1 '^error: .*/etc/os-release: not a regular file' inst "$T/r-fifo"
fifo_case /var/lib/polkadot-installer/lock 1 '^error: lock /var/lib/polkadot-installer/lock: not a regular file' inst "$T/r-fifo"
fifo_case /var/lib/polkadot-installer/state.json 1 'state .*: not a regular file' "$PDI" status --root "$T/r-fifo"
fifo_case /var/lib/polkadot-installer/state.json 1 'not a regular file' "$PDI" uninstall --root "$T/r-fifo" -y
# A release file or the unit: audit reports it instead of waiting for a writer.
fifo_case /opt/polkadot/releases/1.0.0/polkadot 4 'releases/1.0.0/polkadot: is not a regular file' \
        "$PDI" audit --root "$T/r-fifo"
fifo_case /etc/systemd/system/polkadot.service 4 'polkadot.service' "$PDI" audit --root "$T/r-fifo"
# … and install repairs the release file from the cache.
fifo_case /opt/polkadot/releases/1.0.0/polkadot 0 'is active' inst "$T/r-fifo"
[ -f "$T/r-fifo/opt/polkadot/releases/1.0.0/polkadot" ] || bad "the FIFO release file was not repaired"
fifo_case /opt/polkadot/releases/1.0.0/polkadot 0 '"present": false' "$PDI" status --root "$T/r-fifo" --json

# --- 4. An existing polkadot account in a root-equivalent group is refused, named.
for g in docker:x:130:polkadot disk:x:6:polkadot shadow:x:42:polkadot lxd:x:131:polkadot; do
        R="$T/r-group"
        rm -rf "$R" && mkdir -p "$R/etc"
        printf 'root:x:0:0::/root:/bin/sh\npolkadot:x:990:990::/var/lib/polkadot:/usr/sbin/nologin\n' >"$R/etc/passwd"
        printf 'root:x:0:\npolkadot:x:990:\n%s\n' "$g" >"$R/etc/group"
        run 3 "^error: .*user polkadot exists and is in group ${g%%:*}, which grants root-equivalent access" inst "$R"
done

# --- 5. umask 077: every directory gets its own mode, the node user can run its binary.
R="$T/r-umask"
mkdir -p "$R"
umask 077
run 0 'is active' inst "$R"
umask 022
for d in /opt /opt/polkadot /opt/polkadot/releases /opt/polkadot/releases/1.0.0 /usr /usr/local \
        /usr/local/bin /etc /etc/systemd/system /etc/polkadot-installer; do
        [ "$(stat -c %a "$R$d")" = 755 ] || bad "$d is $(stat -c %a "$R$d") under umask 077, not 755"
done
[ "$(stat -c %a "$R/var/lib/polkadot")" = 750 ] || bad "the base path is $(stat -c %a "$R/var/lib/polkadot")"
uid=$(awk -F: '$1 == "polkadot" { print $3 ":" $4 }' "$R/etc/passwd")
chmod 0755 "$T"
timeout 20 setpriv --reuid="${uid%:*}" --regid="${uid#*:}" --clear-groups \
        "$R/opt/polkadot/current/polkadot" --version >"$T/v" 2>&1 || true
chmod 0700 "$T"
[ "$(cat "$T/v")" = 1.0.0 ] || bad "the node user cannot run its binary under umask 077: $(cat "$T/v")"

# --- 6. A refused first install leaves no lock file (nor its directory); beside a recorded
# install the file stays, and a stale one (a killed run's, naming a dead pid) is harmless.
R="$T/r-lock"
mkdir -p "$R"
run 3 '^error: ' "$PDI" install --root "$R" --no-start --manifest "$M1" --trusted-key "$T/srv/1.0.0/manifest.json.minisig"
[ -e "$R/var/lib/polkadot-installer/lock" ] && bad "a refused install left its lock file"
[ -e "$R/var/lib/polkadot-installer" ] && bad "a refused install left /var/lib/polkadot-installer"
fresh "$R"
printf 'pid 2147483646, install, since 2020-01-01T00:00:00Z\n' >"$R/var/lib/polkadot-installer/lock"
run 0 'is active' "$PDI" install --root "$R" --trusted-key "$T/key.pub" --no-start --manifest "$M2" --lock-timeout 0
grep -q '2147483646' "$R/var/lib/polkadot-installer/lock" && bad "the stale holder is still named"

[ "$FAILED" = 0 ] || fail "$FAILED failures in $TESTS_RUN commands"
pass
