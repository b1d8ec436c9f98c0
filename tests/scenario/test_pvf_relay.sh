#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The PVF relay and spawner as built (issue 11 §2, §3), without systemd: the spawner on a
# socket in $T, releases as the manifest has them (releases/<v>/) and beside them the
# directory the node runs from (pvf/<v>/: the relay as both workers). The node cannot tell the relay from the worker: --version, a probe's exit
# code and stderr, exit codes, death by signal, stdin/stdout, the environment (RUST_LOG
# alone); the node's SIGTERM reaches the worker, a relay killed with SIGKILL leaves no
# worker; the worker of the relay's own release runs whatever `current` says; and only a
# listed, unchanged worker of an installed release is started. The relay is static.
source "$(dirname "$0")/lib.sh"
need_cmd python3
need_cmd readelf
need_cmd sha256sum
: "${PDI_BUILD_DIR:=$(dirname "$PDI")}"
RELAY=$PDI_BUILD_DIR/polkadot-pvf-relay
SPAWNER=$PDI_BUILD_DIR/polkadot-pvf-spawner
FAKE=$PDI_BUILD_DIR/fake-polkadot-worker
SOCK=$T/spawner.sock
LIST=$T/pvf-workers.list

# release VERSION: the fake prepare worker and bash as the execute worker (so a case can
# say in shell what the worker does) in releases/VERSION, the relays in pvf/VERSION.
release() {
        local r=$T/opt/releases/$1 p=$T/opt/pvf/$1
        mkdir -p "$r" "$p"
        python3 "$PDI_SOURCE_DIR/tests/fake/set-version.py" "$FAKE" "$1" "$r/polkadot-prepare-worker"
        cp /bin/bash "$r/polkadot-execute-worker"
        cp "$RELAY" "$p/polkadot-prepare-worker"
        cp "$RELAY" "$p/polkadot-execute-worker"
        echo "$SOCK" >"$p/spawner-socket"
}
list() { # VERSION...
        local v w f
        : >"$LIST"
        for v in "$@"; do
                for w in polkadot-prepare-worker polkadot-execute-worker; do
                        f=$T/opt/releases/$v/$w
                        echo "$(sha256sum <"$f" | cut -d' ' -f1) $(stat -c %s "$f") $T/opt/pvf/$v/$w $f" >>"$LIST"
                done
        done
}
release 1.0.0
release 2.0.0
R1=$T/opt/pvf/1.0.0
R2=$T/opt/pvf/2.0.0
ln -s 2.0.0 "$T/opt/pvf/current"
list 1.0.0 2.0.0
"$SPAWNER" --allow "$LIST" --listen "$SOCK" 2>"$T/spawner.log" &
SPID=$!
PDI_CLEANUP+=("kill $SPID; wait $SPID")
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done

# The relay is static: no interpreter, no shared library.
TESTS_RUN=$((TESTS_RUN + 1))
readelf -lW "$RELAY" | grep -q INTERP && fail "relay has a program interpreter"
readelf -dW "$RELAY" | grep -q NEEDED && fail "relay needs shared libraries"

# --version: the release of the relay that runs, also through `current`.
expect 0 '^1\.0\.0$' "$R1/polkadot-prepare-worker" --version
expect 0 '^2\.0\.0$' "$T/opt/pvf/current/polkadot-prepare-worker" --version
# ... and `current` moved after the node started (its relay path resolved): still its own.
ln -sfn 1.0.0 "$T/opt/pvf/current.new" && mv -T "$T/opt/pvf/current.new" "$T/opt/pvf/current"
expect 0 '^2\.0\.0$' "$R2/polkadot-prepare-worker" --version

# same CMD...: the relay and the real worker give the same exit code, stdout and stderr.
same() {
        local rel=$1 rc1=0 rc2=0
        shift
        TESTS_RUN=$((TESTS_RUN + 1))
        env -i RUST_LOG=info "$R1/$rel" "$@" <"$T/in" >"$T/o1" 2>"$T/e1" || rc1=$?
        env -i RUST_LOG=info "$T/opt/releases/1.0.0/$rel" "$@" <"$T/in" >"$T/o2" 2>"$T/e2" || rc2=$?
        [ "$rc1" = "$rc2" ] || fail "exit $rc1 through the relay, $rc2 direct: $rel $*"
        cmp -s "$T/o1" "$T/o2" || { diff "$T/o1" "$T/o2" >&2; fail "stdout differs: $rel $*"; }
        cmp -s "$T/e1" "$T/e2" || { diff "$T/e1" "$T/e2" >&2; fail "stderr differs: $rel $*"; }
}
echo "from the node" >"$T/in"
same polkadot-prepare-worker --check-can-enable-landlock
touch "$T/opt/releases/1.0.0/PROBE_FAIL"
same polkadot-prepare-worker --check-can-enable-landlock
grep -q 'Cannot enable-landlock' "$T/e1" || fail "the failing probe's stderr did not come through"
same polkadot-prepare-worker --check-can-unshare-user-namespace-and-change-root "$T"
same polkadot-execute-worker -c 'cat; echo out; echo err >&2; exit 7'
grep -q 'from the node' "$T/o1" || fail "stdin did not reach the worker"
same polkadot-execute-worker -c 'export -p'
grep -q 'RUST_LOG' "$T/o1" || fail "RUST_LOG was not passed"
# A variable the node did not clear never reaches the worker.
expect 0 '^0$' env FOO=1 "$R1/polkadot-execute-worker" -c 'export -p | grep -c FOO || true'

# End by the same signal (python sees a negative return code only for death by signal).
ends() {
        python3 -c 'import subprocess,sys; print(subprocess.run(sys.argv[1:]).returncode)' "$@"
}
expect 0 '^-11$' ends "$R1/polkadot-execute-worker" -c 'kill -SEGV $$'
expect 0 '^3$' ends "$R1/polkadot-execute-worker" -c 'exit 3'

# The node's SIGTERM reaches the worker; a SIGKILLed relay leaves no worker behind.
sleeper() {
        rm -f "$T/wpid"
        "$R1/polkadot-execute-worker" -c 'echo $$ >'"$T/wpid"'.tmp; mv '"$T/wpid"'.tmp '"$T/wpid"'; exec sleep 60' &
        RPID=$!
        for _ in $(seq 100); do [ -s "$T/wpid" ] && break; sleep 0.05; done
        WPID=$(cat "$T/wpid")
        kill -0 "$WPID" || fail "worker did not start"
}
gone() {
        local _
        for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done
        fail "worker $1 still running after its relay ended"
}
sleeper
kill -TERM "$RPID"
rc=0
wait "$RPID" || rc=$?
TESTS_RUN=$((TESTS_RUN + 1))
[ "$rc" = 143 ] || fail "relay after SIGTERM: exit $rc, expected death by SIGTERM (143)"
gone "$WPID"
sleeper
kill -KILL "$RPID"
wait "$RPID" || true
gone "$WPID"

# Refusals: a release that is not installed, a changed worker, a relay not named as a worker.
mkdir -p "$T/elsewhere"
cp "$RELAY" "$T/elsewhere/polkadot-prepare-worker"
echo "$SOCK" >"$T/elsewhere/spawner-socket"
expect 1 '^error: polkadot-prepare-worker: .*elsewhere/polkadot-prepare-worker is not a worker of an installed release$' \
        "$T/elsewhere/polkadot-prepare-worker" --version
expect_one_error_line
printf 'X' | dd of="$T/opt/releases/2.0.0/polkadot-execute-worker" bs=1 seek=200 conv=notrunc status=none
expect 1 '^error: polkadot-execute-worker: sha256 [0-9a-f]{64}, the state says [0-9a-f]{64}$' \
        "$R2/polkadot-execute-worker" -c 'exit 0'
cp "$RELAY" "$T/elsewhere/polkadot"
expect 1 '^error: polkadot: the PVF relay runs only as polkadot-prepare-worker or polkadot-execute-worker$' \
        "$T/elsewhere/polkadot" --version
grep -q 'refused .*elsewhere/polkadot-prepare-worker for pid [0-9]* uid [0-9]*: ' "$T/spawner.log" ||
        { cat "$T/spawner.log" >&2; fail "the spawner did not log the refusal"; }
# The spawner is down: the relay says so in one line.
kill "$SPID"
wait "$SPID" || true
PDI_CLEANUP=()
expect 1 "^error: $SOCK: (Connection refused|No such file or directory)\$" "$R1/polkadot-prepare-worker" --version
pass
